/**
 * Spec: query.yaml — GET /_matrix/federation/v1/query/directory and /query/profile, answered for
 * this server's own aliases and users.
 */
import type { IRequest } from "itty-router";
import type { Ctx } from "../router.js";
import { json } from "../http.js";
import { notFound, missingParam, invalidParam } from "../../platform/errors.js";
import { userStub } from "../../platform/stubs.js";
import { isValidRoomAlias, isValidUserId, serverNameOf } from "../../protocol/identifiers.js";
import { fedRoute } from "./fedRoute.js";
import { resolveLocalAlias } from "../appservice/queries.js";

async function directory(_req: IRequest, ctx: Ctx): Promise<Response> {
  const alias = ctx.url.searchParams.get("room_alias");
  if (!alias) throw missingParam("'room_alias' is required");
  if (!isValidRoomAlias(alias)) throw invalidParam("Invalid room alias");
  if (serverNameOf(alias) !== ctx.config.serverName) throw notFound("Room alias not found");
  const roomId = await resolveLocalAlias(ctx, alias);
  if (!roomId) throw notFound("Room alias not found");
  return json({ room_id: roomId, servers: [ctx.config.serverName] });
}

async function profile(_req: IRequest, ctx: Ctx): Promise<Response> {
  const userId = ctx.url.searchParams.get("user_id");
  if (!userId) throw missingParam("'user_id' is required");
  const field = ctx.url.searchParams.get("field");
  if (field !== null && field !== "displayname" && field !== "avatar_url") throw invalidParam("'field' must be displayname or avatar_url");
  if (!isValidUserId(userId, { historical: true }) || serverNameOf(userId) !== ctx.config.serverName) throw notFound("Profile not found");
  const p = await userStub(ctx.env, userId).getProfile();
  if (!p) throw notFound("Profile not found");
  if (field === "displayname") return json(p.displayname !== undefined ? { displayname: p.displayname } : {});
  if (field === "avatar_url") return json(p.avatar_url !== undefined ? { avatar_url: p.avatar_url } : {});
  return json(p);
}

export function registerQueryRoutes(): void {
  fedRoute("GET", "/_matrix/federation/v1/query/directory", directory);
  fedRoute("GET", "/_matrix/federation/v1/query/profile", profile);
}
