import type { IRequest } from "itty-router";
import { clientRoute, param, type Ctx } from "../router.js";
import { json, readJsonObject } from "../http.js";
import { MatrixError, forbidden, notFound, badJson, invalidParam } from "../errors.js";
import { authenticate, guestAccessForbidden } from "../auth.js";
import { roomStub, serverStub, userStub } from "../stubs.js";
import { isValidUserId } from "../../protocol/identifiers.js";
import type { JsonObject } from "../../protocol/json.js";

// Spec: profile.yaml. A change also updates the member events of the user's joined rooms.

const FIELDS = ["displayname", "avatar_url"] as const;
type Field = (typeof FIELDS)[number];

function userParam(req: IRequest, ctx: Ctx): string {
  const userId = param(req, "userId");
  if (!isValidUserId(userId, { historical: true })) throw invalidParam("Invalid user ID");
  if (userId.slice(userId.indexOf(":") + 1) !== ctx.config.serverName) throw notFound("Profile not found (remote profiles need federation)");
  return userId;
}

async function getProfile(req: IRequest, ctx: Ctx): Promise<Response> {
  const userId = userParam(req, ctx);
  const p = await userStub(ctx.env, userId).getProfile();
  if (!p) throw notFound("Profile not found");
  return json(p);
}

async function getField(req: IRequest, ctx: Ctx): Promise<Response> {
  const userId = userParam(req, ctx);
  const field = param(req, "field");
  const p = await userStub(ctx.env, userId).getProfile();
  if (!p) throw notFound("Profile not found");
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
  const v = typeof value === "string" && value !== "" ? value : null;
  const stub = userStub(ctx.env, userId);
  const rooms = await stub.setProfileField(field as Field, v);
  const profile = (await stub.getProfile()) ?? {};
  await serverStub(ctx.env).upsertUser(userId, profile.displayname ?? null, profile.avatar_url ?? null);
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
  return json({});
}

export function registerProfileRoutes(): void {
  clientRoute("GET", "/profile/:userId", getProfile);
  clientRoute("GET", "/profile/:userId/:field", getField);
  clientRoute("PUT", "/profile/:userId/:field", setField);
}
