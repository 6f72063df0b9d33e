import type { IRequest } from "itty-router";
import { clientRoute, param, type Ctx } from "../router.js";
import { json, readJsonObject } from "../http.js";
import { MatrixError, forbidden, notFound, badJson, invalidParam, remoteFailed } from "../../platform/errors.js";
import { authenticate, guestAccessForbidden } from "../auth.js";
import { roomStub, serverStub, userStub } from "../../platform/stubs.js";
import { isValidUserId, serverNameOf } from "../../protocol/identifiers.js";
import { federationRequest, FederationError } from "../../federation-client/request.js";
import { localUserExists } from "../appservice/queries.js";
import type { JsonObject } from "../../protocol/json.js";

// Spec: profile.yaml. A change also updates the member events of the user's joined rooms.
// Remote users' profiles are asked of their servers (server-server "Querying for information").

const FIELDS = ["displayname", "avatar_url"] as const;
export type Field = (typeof FIELDS)[number];

function anyUserParam(req: IRequest): string {
  const userId = param(req, "userId");
  if (!isValidUserId(userId, { historical: true })) throw invalidParam("Invalid user ID");
  return userId;
}

function userParam(req: IRequest, ctx: Ctx): string {
  const userId = anyUserParam(req);
  if (serverNameOf(userId) !== ctx.config.serverName) throw forbidden("You can only change profiles of this server's users");
  return userId;
}

/**
 * A user's profile: local ones from their UserDO, remote ones from their server's
 * GET /_matrix/federation/v1/query/profile (its 404 stays a 404; an unreachable server is 502).
 */
async function profileOf(ctx: Ctx, userId: string, field?: Field): Promise<{ displayname?: string; avatar_url?: string }> {
  const server = serverNameOf(userId);
  if (server === ctx.config.serverName) {
    const stub = userStub(ctx.env, userId);
    // Unknown here: an application service whose namespace holds the user may create it now.
    const p = (await stub.getProfile()) ?? ((await localUserExists(ctx, userId)) ? await stub.getProfile() : null);
    if (!p) throw notFound("Profile not found");
    return p;
  }
  const query = `user_id=${encodeURIComponent(userId)}${field ? `&field=${field}` : ""}`;
  let r: JsonObject;
  try {
    r = await federationRequest(ctx.env, server, "GET", `/_matrix/federation/v1/query/profile?${query}`, undefined, { timeoutMs: REMOTE_TIMEOUT_MS });
  } catch (e) {
    if (e instanceof FederationError && e.status === 404) throw notFound("Profile not found");
    throw remoteFailed(`Could not reach ${server}`);
  }
  const out: { displayname?: string; avatar_url?: string } = {};
  if (typeof r.displayname === "string") out.displayname = r.displayname;
  if (typeof r.avatar_url === "string") out.avatar_url = r.avatar_url;
  return out;
}

const REMOTE_TIMEOUT_MS = 10_000;

async function getProfile(req: IRequest, ctx: Ctx): Promise<Response> {
  return json(await profileOf(ctx, anyUserParam(req)));
}

async function getField(req: IRequest, ctx: Ctx): Promise<Response> {
  const userId = anyUserParam(req);
  const field = param(req, "field");
  const p = await profileOf(ctx, userId, (FIELDS as readonly string[]).includes(field) ? (field as Field) : undefined);
  const v = (p as Record<string, unknown>)[field];
  if (v === undefined) throw notFound(`No ${field} set`);
  return json({ [field]: v });
}

async function setField(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  const userId = userParam(req, ctx);
  if (userId !== session.userId) throw forbidden("You can only change your own profile");
  const field = param(req, "field");
  if (session.isGuest && field !== "displayname") throw guestAccessForbidden("Guests may only change their display name");
  if (!(FIELDS as readonly string[]).includes(field)) throw new MatrixError(400, "M_UNRECOGNIZED", `Profile field ${field} is not supported`);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const value = body[field];
  if (value !== null && value !== undefined && typeof value !== "string") throw badJson(`'${field}' must be a string`);
  if (typeof value === "string" && value.length > 256 && field === "displayname") throw invalidParam("Display name is too long");
  if (typeof value === "string" && field === "avatar_url" && value !== "" && !value.startsWith("mxc://")) throw invalidParam("avatar_url must be an mxc:// URI");
  await changeProfileField(ctx, userId, field as Field, typeof value === "string" && value !== "" ? value : null, session.isGuest);
  return json({});
}

/**
 * Sets a local user's display name or avatar (null removes it) everywhere it shows: the account,
 * the user directory, and a new member event in each joined room. Also used by server admins.
 * `isGuest` says whether the account is a guest's, which the change leaves as it is.
 */
export async function changeProfileField(ctx: Ctx, userId: string, field: Field, v: string | null, isGuest: boolean): Promise<void> {
  const stub = userStub(ctx.env, userId);
  const rooms = await stub.setProfileField(field, v);
  const profile = (await stub.getProfile()) ?? {};
  await serverStub(ctx.env).upsertUser(userId, profile.displayname ?? null, profile.avatar_url ?? null, isGuest);
  // Each joined room gets a new member event carrying the new profile (as Synapse does).
  await Promise.all(
    rooms.map(async (roomId) => {
      const room = roomStub(ctx.env, roomId);
      const content: JsonObject = { membership: "join" };
      if (profile.displayname) content.displayname = profile.displayname;
      if (profile.avatar_url) content.avatar_url = profile.avatar_url;
      await room.send({ sender: userId, type: "m.room.member", state_key: userId, content }).catch((e: unknown) => console.error("profile propagation failed", roomId, e));
    }),
  );
}

export function registerProfileRoutes(): void {
  clientRoute("GET", "/profile/:userId", getProfile);
  clientRoute("GET", "/profile/:userId/:field", getField);
  clientRoute("PUT", "/profile/:userId/:field", setField);
}
