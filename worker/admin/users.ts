import type { IRequest } from "itty-router";
import { route, type Ctx } from "../router.js";
import { json, readJsonObject, reqString } from "../http.js";
import { badJson, badRequest, invalidParam, invalidUsername, missingParam, notFound } from "../../platform/errors.js";
import { serverStub, userStub } from "../../platform/stubs.js";
import type { JsonObject, JsonValue } from "../../protocol/json.js";
import type { AdminAccountView } from "../../platform/rpc/user.js";
import { localTarget, requireAdmin, setServerAdmin } from "./requireAdmin.js";
import { isValidNewLocalpart } from "../client/localpart.js";
import { changeProfileField, type Field } from "../client/profile.js";
import { deactivateAccount } from "../client/deactivation.js";
import { LATTICE_VERSION } from "../federation/routes.js";

/**
 * The user endpoints of Synapse's admin API (docs/admin_api/user_admin_api.md), which synadm and
 * synapse-admin speak: query, create or modify, reset a password; and the server's version.
 * Errors and their texts are Synapse's, so the tools show what they expect.
 */

/** Synapse's cap on a password set through the admin API. */
const MAX_PASSWORD_LENGTH = 512;

/** The account as GET /_synapse/admin/v2/users/{userId} answers it (fields Lattice does not keep have Synapse's defaults). */
function userDetails(v: AdminAccountView): JsonObject {
  return {
    name: v.userId,
    displayname: v.displayname,
    avatar_url: v.avatarUrl,
    threepids: [],
    external_ids: [],
    is_guest: v.isGuest,
    admin: v.admin,
    deactivated: v.deactivated,
    erased: false,
    shadow_banned: false,
    locked: false,
    suspended: false,
    // Seconds, unlike the list's milliseconds: Synapse answers the query so.
    creation_ts: Math.floor(v.createdTs / 1000),
    last_seen_ts: v.lastSeenTs,
    appservice_id: null,
    consent_server_notice_sent: null,
    consent_version: null,
    consent_ts: null,
    user_type: null,
  };
}

function serverVersion(): Response {
  return json({ server_version: `Lattice/${LATTICE_VERSION}` });
}

async function queryUser(req: IRequest, ctx: Ctx): Promise<Response> {
  await requireAdmin(req, ctx);
  const userId = localTarget(req, ctx, "Can only look up local users");
  const view = await userStub(ctx.env, userId).adminAccount();
  if (!view) throw notFound("User not found");
  return json(userDetails(view));
}

/** A boolean body field, refused with Synapse's text when it is something else. */
function boolField(body: JsonObject, key: string, fallback: boolean): boolean {
  const v = body[key];
  if (v === undefined) return fallback;
  if (typeof v !== "boolean") throw badRequest(`'${key}' parameter is not of type boolean`);
  return v;
}

/** A profile field of the body: undefined when absent, null to remove it (null or ""). */
function profileField(body: JsonObject, key: Field): string | null | undefined {
  if (!(key in body)) return undefined;
  const v: JsonValue | undefined = body[key];
  if (v === null || v === "") return null;
  if (typeof v !== "string") throw invalidParam(`'${key}' must be a string`);
  if (key === "displayname" && v.length > 256) throw invalidParam("Displayname is too long (max 256)");
  if (key === "avatar_url" && !v.startsWith("mxc://")) throw invalidParam("avatar_url must be an mxc:// URI");
  return v;
}

/** A list field Lattice does not keep (threepids, external_ids): only an empty list is accepted. */
function unkeptList(body: JsonObject, key: string): void {
  const v = body[key];
  if (v === undefined || v === null) return;
  if (!Array.isArray(v)) throw badJson(`'${key}' must be a list`);
  if (v.length > 0) throw badRequest(`This server does not keep ${key}`);
}

interface UserChange {
  password?: string;
  logoutDevices: boolean;
  displayname?: string | null;
  avatarUrl?: string | null;
  admin?: boolean;
  deactivated?: boolean;
}

/** Reads and checks the whole body before anything is changed, so a bad request changes nothing. */
function readUserChange(body: JsonObject): UserChange {
  const password = body.password;
  if (password !== undefined && password !== null && (typeof password !== "string" || password.length > MAX_PASSWORD_LENGTH)) throw badRequest("Invalid password");
  if (body.admin !== undefined && typeof body.admin !== "boolean") throw badJson("Param 'admin' must be a boolean, if given");
  const logoutDevices = boolField(body, "logout_devices", true);
  const deactivated = "deactivated" in body ? boolField(body, "deactivated", false) : undefined;
  if (boolField(body, "locked", false)) throw badRequest("Locking accounts is not supported");
  if (body.user_type !== undefined && body.user_type !== null) throw badRequest("Invalid user type");
  unkeptList(body, "threepids");
  unkeptList(body, "external_ids");
  return {
    password: typeof password === "string" ? password : undefined,
    logoutDevices,
    displayname: profileField(body, "displayname"),
    avatarUrl: profileField(body, "avatar_url"),
    admin: typeof body.admin === "boolean" ? body.admin : undefined,
    deactivated,
  };
}

async function putUser(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await requireAdmin(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const userId = localTarget(req, ctx, "This endpoint can only be used with local users");
  const change = readUserChange(body);
  const stub = userStub(ctx.env, userId);
  const before = await stub.adminAccount();
  if (!before) {
    await createUser(ctx, userId, change);
  } else {
    await modifyUser(ctx, session.userId, before, change);
  }
  const after = await stub.adminAccount();
  if (!after) throw notFound("User not found");
  return json(userDetails(after), before ? 200 : 201);
}

async function createUser(ctx: Ctx, userId: string, change: UserChange): Promise<void> {
  const localpart = userId.slice(1, userId.indexOf(":"));
  if (!isValidNewLocalpart(localpart, ctx.config.serverName)) throw invalidUsername("User ID may only contain a-z, 0-9, '.', '_', '=', '-', '/', '+'");
  const stub = userStub(ctx.env, userId);
  await stub.register(userId, { password: change.password, isGuest: false, inhibitLogin: true });
  await serverStub(ctx.env).upsertUser(userId, localpart, null);
  if (change.admin) await setServerAdmin(ctx, userId, true);
  if (change.displayname !== undefined) await changeProfileField(ctx, userId, "displayname", change.displayname, false);
  if (change.avatarUrl !== undefined) await changeProfileField(ctx, userId, "avatar_url", change.avatarUrl, false);
}

async function modifyUser(ctx: Ctx, requester: string, before: AdminAccountView, change: UserChange): Promise<void> {
  const userId = before.userId;
  const reactivate = change.deactivated === false && before.deactivated;
  // Deactivation wiped the password: an account let back in needs a new one.
  if (reactivate && change.password === undefined) throw badRequest("Must provide a password to re-activate an account.");
  if (change.admin === false && before.admin && userId === requester) throw badRequest("You may not demote yourself.");
  const stub = userStub(ctx.env, userId);
  let dormantProfileChanged = false;
  for (const [field, value] of [["displayname", change.displayname], ["avatar_url", change.avatarUrl]] as const) {
    if (value === undefined) continue;
    // A deactivated user is in no room and not in the user directory: only the account (and the
    // admin API's list, below) changes.
    if (before.deactivated && !reactivate) {
      await stub.setProfileField(field, value);
      dormantProfileChanged = true;
    } else await changeProfileField(ctx, userId, field, value, before.isGuest);
  }
  if (dormantProfileChanged) {
    const profile = (await stub.getProfile()) ?? {};
    await serverStub(ctx.env).setLocalUserProfile(userId, profile.displayname ?? null, profile.avatar_url ?? null);
  }
  if (change.admin !== undefined && change.admin !== before.admin) await setServerAdmin(ctx, userId, change.admin);
  if (change.password !== undefined) await stub.changePassword(change.password, change.logoutDevices, "");
  if (change.deactivated === true && !before.deactivated) await deactivateAccount(ctx, userId);
  if (reactivate) {
    await stub.changeAccountAsAdmin({ reactivate: true });
    const profile = (await stub.getProfile()) ?? {};
    await serverStub(ctx.env).upsertUser(userId, profile.displayname ?? null, profile.avatar_url ?? null, before.isGuest);
  }
}

async function resetPassword(req: IRequest, ctx: Ctx): Promise<Response> {
  await requireAdmin(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const userId = localTarget(req, ctx, "This endpoint can only be used with local users");
  if (body.new_password === undefined || body.new_password === null) throw missingParam("Missing params: ['new_password']");
  const newPassword = reqString(body, "new_password");
  if (newPassword.length > MAX_PASSWORD_LENGTH) throw badRequest("Invalid password");
  const logoutDevices = boolField(body, "logout_devices", true);
  const stub = userStub(ctx.env, userId);
  if (!(await stub.exists())) throw notFound("User not found");
  await stub.changePassword(newPassword, logoutDevices, "");
  return json({});
}

export function registerAdminUserRoutes(): void {
  route("GET", "/_synapse/admin/v1/server_version", serverVersion);
  route("GET", "/_synapse/admin/v2/users/:userId", queryUser);
  route("PUT", "/_synapse/admin/v2/users/:userId", putUser);
  route("POST", "/_synapse/admin/v1/reset_password/:userId", resetPassword);
}
