import type { IRequest } from "itty-router";
import { route, type Ctx } from "../router.js";
import { json, readJsonObject } from "../http.js";
import { badJson, badRequest, missingParam, notFound } from "../../platform/errors.js";
import { serverStub, userStub } from "../../platform/stubs.js";
import type { JsonObject } from "../../protocol/json.js";
import { localTarget, requireAdmin, setServerAdmin } from "./requireAdmin.js";
import { deactivateAccount } from "../client/deactivation.js";

/**
 * Single-purpose user endpoints of Synapse's admin API (docs/admin_api/user_admin_api.md):
 * deactivate (optionally erasing the profile), get or set the admin flag, and whois.
 */

async function existingUser(ctx: Ctx, userId: string): Promise<void> {
  if (!(await userStub(ctx.env, userId).exists())) throw notFound("User not found");
}

async function deactivate(req: IRequest, ctx: Ctx): Promise<Response> {
  await requireAdmin(req, ctx);
  // An empty body is allowed, for old clients (as Synapse allows).
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, true);
  const userId = localTarget(req, ctx, "Can only deactivate local users");
  const erase = body.erase ?? false;
  if (typeof erase !== "boolean") throw badJson("Param 'erase' must be a boolean, if given");
  await existingUser(ctx, userId);
  if (erase) {
    // The profile goes first, from the account and the admin API's list; deactivation then takes
    // the user out of the user directory, so it need not be told.
    const stub = userStub(ctx.env, userId);
    await stub.setProfileField("displayname", null);
    await stub.setProfileField("avatar_url", null);
    await serverStub(ctx.env).setLocalUserProfile(userId, null, null);
  }
  await deactivateAccount(ctx, userId);
  return json({ id_server_unbind_result: "no-support" });
}

async function getAdminFlag(req: IRequest, ctx: Ctx): Promise<Response> {
  await requireAdmin(req, ctx);
  const userId = localTarget(req, ctx, "Only local users can be admins of this homeserver");
  const view = await userStub(ctx.env, userId).adminAccount();
  if (!view) throw notFound("User not found");
  return json({ admin: view.admin });
}

async function setAdminFlag(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await requireAdmin(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const userId = localTarget(req, ctx, "Only local users can be admins of this homeserver");
  if (body.admin === undefined) throw missingParam("Missing params: ['admin']");
  if (typeof body.admin !== "boolean") throw badJson("Param 'admin' must be a boolean");
  if (userId === session.userId && !body.admin) throw badRequest("You may not demote yourself.");
  await existingUser(ctx, userId);
  await setServerAdmin(ctx, userId, body.admin);
  return json({});
}

/** Who is signed in as the user and from where: each device's last address and time (no user agents are kept). */
async function whois(req: IRequest, ctx: Ctx): Promise<Response> {
  await requireAdmin(req, ctx);
  const userId = localTarget(req, ctx, "Can only whois a local user");
  await existingUser(ctx, userId);
  const devices = await userStub(ctx.env, userId).listDevices();
  const connections: JsonObject[] = devices
    .filter((d) => d.last_seen_ts !== null)
    .map((d) => ({ ip: d.last_seen_ip, last_seen: d.last_seen_ts }));
  // Synapse puts every connection under one device named "".
  return json({ user_id: userId, devices: { "": { sessions: [{ connections }] } } });
}

export function registerAdminUserActionRoutes(): void {
  route("POST", "/_synapse/admin/v1/deactivate/:userId", deactivate);
  route("GET", "/_synapse/admin/v1/users/:userId/admin", getAdminFlag);
  route("PUT", "/_synapse/admin/v1/users/:userId/admin", setAdminFlag);
  route("GET", "/_synapse/admin/v1/whois/:userId", whois);
}
