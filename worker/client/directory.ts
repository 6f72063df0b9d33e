import type { IRequest } from "itty-router";
import { clientRoute, param, type Ctx } from "../router.js";
import { json, readJsonObject, optString, optInt, optObject, reqString, queryInt } from "../http.js";
import { forbidden, notFound, invalidParam, remoteFailed } from "../../platform/errors.js";
import { authenticate } from "../auth.js";
import { roomStub, serverStub } from "../../platform/stubs.js";
import { isValidRoomAlias, isValidRoomId, isValidServerName, serverNameOf } from "../../protocol/identifiers.js";
import type { JsonObject } from "../../protocol/json.js";
import { federationRequest, FederationError } from "../../federation-client/request.js";
import { queryRemoteAlias } from "../federation/queryDirectory.js";
import { resolveLocalAlias } from "../appservice/queries.js";
import { checkAliasNotExclusive } from "../appservice/exclusive.js";

// Spec: directory.yaml (aliases), list_public_rooms.yaml, users.yaml (user directory search).

function anyAliasParam(req: IRequest): string {
  const alias = param(req, "roomAlias");
  if (!isValidRoomAlias(alias)) throw invalidParam("Invalid room alias");
  return alias;
}

/** An alias this server may change: only its own (another server's aliases are its business). */
function aliasParam(req: IRequest, ctx: Ctx): string {
  const alias = anyAliasParam(req);
  if (serverNameOf(alias) !== ctx.config.serverName) throw invalidParam("Room alias must be local");
  return alias;
}

async function resolveAlias(req: IRequest, ctx: Ctx): Promise<Response> {
  const alias = anyAliasParam(req);
  if (serverNameOf(alias) !== ctx.config.serverName) return json(await queryRemoteAlias(ctx.env, alias));
  const roomId = await resolveLocalAlias(ctx, alias);
  if (!roomId) throw notFound(`Room alias ${alias} not found`);
  return json({ room_id: roomId, servers: [ctx.config.serverName] });
}

async function createAlias(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  const alias = aliasParam(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const roomId = reqString(body, "room_id");
  if (!isValidRoomId(roomId)) throw invalidParam("Invalid room_id");
  checkAliasNotExclusive(ctx, alias, s.appservice);
  const room = roomStub(ctx.env, roomId);
  if (!(await room.exists())) throw notFound("Room not found");
  // An application service manages the aliases of its namespace without being in the room (as Synapse).
  if (!s.appservice && (await room.membership(s.userId)) !== "join") throw forbidden("You must be in the room to give it an alias");
  await serverStub(ctx.env).createAlias(alias, roomId, s.userId);
  return json({});
}

/**
 * Deleting an alias: its creator, or a room moderator with power to change canonical_alias; an
 * alias in a service's exclusive namespace only by that service.
 */
async function deleteAlias(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  const alias = aliasParam(req, ctx);
  const server = serverStub(ctx.env);
  const info = await server.aliasInfo(alias);
  if (!info) throw notFound(`Room alias ${alias} not found`);
  if (s.appservice) {
    // A service removes any alias of its namespace, and only those (as Synapse).
    checkAliasNotExclusive(ctx, alias, s.appservice);
  } else if (info.creator !== s.userId) {
    const room = roomStub(ctx.env, info.room_id);
    if (!(await room.userCanSend(s.userId, "m.room.canonical_alias", true))) throw forbidden("You may not delete this alias");
  }
  if (!s.appservice) checkAliasNotExclusive(ctx, alias);
  await server.deleteAlias(alias);
  return json({});
}

async function roomAliases(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  const roomId = param(req, "roomId");
  const room = roomStub(ctx.env, roomId);
  if (!isValidRoomId(roomId) || !(await room.exists())) throw forbidden("You are not in this room");
  await room.getState(s.userId); // membership / world-readable check
  return json({ aliases: await serverStub(ctx.env).aliasesOf(roomId) });
}

async function getVisibility(req: IRequest, ctx: Ctx): Promise<Response> {
  const roomId = param(req, "roomId");
  if (!isValidRoomId(roomId) || !(await roomStub(ctx.env, roomId).exists())) throw notFound("Room not found");
  return json({ visibility: (await serverStub(ctx.env).isPublished(roomId)) ? "public" : "private" });
}

async function setVisibility(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  const roomId = param(req, "roomId");
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const visibility = optString(body, "visibility") ?? "public";
  if (visibility !== "public" && visibility !== "private") throw invalidParam("visibility must be 'public' or 'private'");
  const room = roomStub(ctx.env, roomId);
  if (!isValidRoomId(roomId) || !(await room.exists())) throw notFound("Room not found");
  if ((await room.membership(s.userId)) !== "join") throw forbidden("You must be in the room");
  await serverStub(ctx.env).setPublished(roomId, visibility === "public", await room.summary());
  return json({});
}

/** Another server's public room directory, through its GET or POST /_matrix/federation/v1/publicRooms. */
async function remoteDirectory(ctx: Ctx, server: string, method: "GET" | "POST", query: string, body?: JsonObject): Promise<JsonObject> {
  if (!isValidServerName(server)) throw invalidParam("Invalid server name");
  try {
    const r = await federationRequest(ctx.env, server, method, `/_matrix/federation/v1/publicRooms${query}`, body, { timeoutMs: 15_000 });
    if (!Array.isArray(r.chunk)) throw new FederationError(502, "no chunk in the reply");
    return r;
  } catch (e) {
    if (e instanceof FederationError && e.status === 404) throw notFound(`${server} has no public room directory`);
    throw remoteFailed(`Could not read the room directory of ${server}`);
  }
}

async function publicRoomsGet(req: IRequest, ctx: Ctx): Promise<Response> {
  const limitRaw = queryInt(ctx.url, "limit");
  const limit = limitRaw !== undefined && limitRaw >= 0 ? Math.min(limitRaw, 500) : 100;
  const server = ctx.url.searchParams.get("server");
  const since = ctx.url.searchParams.get("since") ?? undefined;
  if (server && server !== ctx.config.serverName) {
    const q = new URLSearchParams({ limit: String(limit || 100) });
    if (since !== undefined) q.set("since", since);
    return json(await remoteDirectory(ctx, server, "GET", `?${q}`));
  }
  return json(await serverStub(ctx.env).publicRooms(limit || 100, since, undefined));
}

async function publicRoomsPost(req: IRequest, ctx: Ctx): Promise<Response> {
  await authenticate(req, ctx, { allowGuest: true });
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  const limit = Math.min(optInt(body, "limit") ?? 100, 500);
  const filter = optObject(body, "filter");
  const term = filter ? optString(filter, "generic_search_term") : undefined;
  const server = ctx.url.searchParams.get("server");
  if (server && server !== ctx.config.serverName) {
    const fedBody: JsonObject = { limit: limit > 0 ? limit : 100 };
    const since = optString(body, "since");
    if (since !== undefined) fedBody.since = since;
    if (term !== undefined) fedBody.filter = { generic_search_term: term };
    return json(await remoteDirectory(ctx, server, "POST", "", fedBody));
  }
  return json(await serverStub(ctx.env).publicRooms(limit > 0 ? limit : 100, optString(body, "since"), term));
}

async function searchUsers(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const term = reqString(body, "search_term");
  const limit = optInt(body, "limit") ?? 10;
  if (limit < 0) throw invalidParam("limit must not be negative");
  return json(await serverStub(ctx.env).searchUsers(s.userId, term, Math.min(limit, 100)));
}

export function registerDirectoryRoutes(): void {
  clientRoute("GET", "/directory/room/:roomAlias", resolveAlias);
  clientRoute("PUT", "/directory/room/:roomAlias", createAlias);
  clientRoute("DELETE", "/directory/room/:roomAlias", deleteAlias);
  clientRoute("GET", "/rooms/:roomId/aliases", roomAliases);
  clientRoute("GET", "/directory/list/room/:roomId", getVisibility);
  clientRoute("PUT", "/directory/list/room/:roomId", setVisibility);
  clientRoute("GET", "/publicRooms", publicRoomsGet);
  clientRoute("POST", "/publicRooms", publicRoomsPost);
  clientRoute("POST", "/user_directory/search", searchUsers);
}
