import type { IRequest } from "itty-router";
import { parseSlidingPos } from "../../platform/slidingSyncPos.js";
import { clientRoute, route, param, type Ctx } from "../router.js";
import { json, readJsonObject, optString, queryInt } from "../http.js";
import { forbidden, notFound, missingParam, invalidParam } from "../../platform/errors.js";
import { authenticate } from "../auth.js";
import { roomStub } from "../../platform/stubs.js";
import { checkRateLimit } from "../rateLimit.js";
import { parseFilterJson, type RoomEventFilter } from "../../protocol/filters/index.js";
import { isValidRoomId } from "../../protocol/identifiers.js";
import { membershipByState } from "./membershipActions.js";

// Spec: room_send.yaml, room_state.yaml, redaction.yaml, rooms.yaml (event, state, members,
// joined_members), message_pagination.yaml, event_context.yaml, room_event_by_timestamp.yaml,
// relations.yaml, threads_list.yaml.

/** The room of a send: RoomDO.send itself refuses rooms it doesn't hold, so no exists() call. */
function roomForSend(req: IRequest, ctx: Ctx) {
  const roomId = param(req, "roomId");
  if (!isValidRoomId(roomId)) throw invalidParam("Invalid room ID");
  return { roomId, stub: roomStub(ctx.env, roomId) };
}

async function roomFor(req: IRequest, ctx: Ctx) {
  const roomId = param(req, "roomId");
  if (!isValidRoomId(roomId)) throw invalidParam("Invalid room ID");
  const stub = roomStub(ctx.env, roomId);
  if (!(await stub.exists())) throw forbidden("You are not in this room");
  return { roomId, stub };
}

async function sendMessage(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  checkRateLimit(ctx.config, "send", session);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const { stub } = roomForSend(req, ctx);
  const type = param(req, "eventType");
  const txnId = param(req, "txnId");
  return json(await stub.send({ sender: session.userId, type, content: body }, { txn: { deviceId: session.deviceId, txnId } }));
}

async function sendState(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true }); // guests may since v1.2
  checkRateLimit(ctx.config, "send", session);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const type = param(req, "eventType");
  const stateKey = req.params.stateKey === undefined ? "" : param(req, "stateKey");
  // Membership through the state endpoint is the matching membership action (as in Synapse).
  if (type === "m.room.member") return json(await membershipByState(ctx, session, param(req, "roomId"), stateKey, body));
  const { stub } = await roomFor(req, ctx);
  return json(await stub.send({ sender: session.userId, type, state_key: stateKey, content: body }));
}

async function getStateEvent(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  const { stub } = await roomFor(req, ctx);
  const stateKey = req.params.stateKey === undefined ? "" : param(req, "stateKey");
  const ev = await stub.getStateEvent(session.userId, param(req, "eventType"), stateKey);
  return json(ctx.url.searchParams.get("format") === "event" ? ev : ev.content);
}

async function getState(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  const { stub } = await roomFor(req, ctx);
  return json(await stub.getState(session.userId));
}

async function redactEvent(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx);
  checkRateLimit(ctx.config, "send", session);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  const { stub } = await roomFor(req, ctx);
  const content = { ...body };
  const reason = optString(body, "reason");
  if (reason !== undefined) content.reason = reason;
  return json(
    await stub.send(
      { sender: session.userId, type: "m.room.redaction", content, redacts: param(req, "eventId") },
      { txn: { deviceId: session.deviceId, txnId: param(req, "txnId") } },
    ),
  );
}

async function getEvent(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  const roomId = param(req, "roomId");
  const stub = roomStub(ctx.env, roomId);
  if (!isValidRoomId(roomId) || !(await stub.exists())) throw notFound("Event not found");
  return json(await stub.getEvent(session.userId, param(req, "eventId"), session.ignoredUsers));
}

async function members(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  const { stub } = await roomFor(req, ctx);
  const at = ctx.url.searchParams.get("at");
  const chunk = await stub.members(session.userId, {
    at: at ? paginationOrdering(at) : undefined,
    membership: ctx.url.searchParams.get("membership") ?? undefined,
    notMembership: ctx.url.searchParams.get("not_membership") ?? undefined,
  });
  return json({ chunk });
}

async function joinedMembers(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  const { stub } = await roomFor(req, ctx);
  return json({ joined: await stub.joinedMembers(session.userId) });
}

/**
 * Pagination tokens handed out by rooms are `t<ordering>`. A /sync `next_batch` or a sliding
 * sync `pos` may also be given as `from` (the spec and MSC4186 allow it); it means "the latest
 * point", i.e. no bound.
 */
function paginationOrdering(token: string): number | undefined {
  const m = /^t(-?\d+)$/.exec(token);
  if (m) return Number(m[1]);
  if (/^s\d+_\d+$/.test(token) || parseSlidingPos(token)) return undefined;
  throw invalidParam("Invalid pagination token");
}

function filterParam(ctx: Ctx): RoomEventFilter | undefined {
  const raw = ctx.url.searchParams.get("filter");
  if (!raw) return undefined;
  return parseFilterJson(raw) as RoomEventFilter;
}

async function messages(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  const { stub } = await roomFor(req, ctx);
  const dir = ctx.url.searchParams.get("dir") ?? "b";
  if (dir !== "b" && dir !== "f") throw invalidParam("dir must be 'b' or 'f'");
  const fromRaw = ctx.url.searchParams.get("from");
  const toRaw = ctx.url.searchParams.get("to");
  const limit = Math.min(Math.max(queryInt(ctx.url, "limit") ?? 10, 1), 1000);
  const res = await stub.messages(session.userId, {
    from: fromRaw ? paginationOrdering(fromRaw) : undefined,
    to: toRaw ? paginationOrdering(toRaw) : undefined,
    dir,
    limit,
    filter: filterParam(ctx),
    ignoredSenders: session.ignoredUsers,
  });
  const out: Record<string, unknown> = { chunk: res.chunk, start: fromRaw ?? `t${res.start}` };
  if (res.end !== undefined) out.end = `t${res.end}`;
  if (res.state.length > 0) out.state = res.state;
  return json(out);
}

async function context(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  const { stub } = await roomFor(req, ctx);
  const limit = Math.min(Math.max(queryInt(ctx.url, "limit") ?? 10, 0), 100);
  return json(await stub.context(session.userId, param(req, "eventId"), limit, session.ignoredUsers));
}

async function timestampToEvent(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  const { stub } = await roomFor(req, ctx);
  const ts = queryInt(ctx.url, "ts");
  if (ts === undefined) throw missingParam("ts is required");
  const dir = ctx.url.searchParams.get("dir");
  if (dir === null) throw missingParam("dir is required");
  if (dir !== "f" && dir !== "b") throw invalidParam("dir must be 'f' or 'b'");
  return json(await stub.timestampToEvent(session.userId, ts, dir));
}

async function relations(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  const { stub } = await roomFor(req, ctx);
  const limit = Math.min(Math.max(queryInt(ctx.url, "limit") ?? 50, 1), 1000);
  const from = ctx.url.searchParams.get("from");
  return json(
    await stub.relations(
      session.userId,
      param(req, "eventId"),
      req.params.relType ? param(req, "relType") : undefined,
      req.params.eventType ? param(req, "eventType") : undefined,
      limit,
      from ? paginationOrdering(from) : undefined,
    ),
  );
}

async function threads(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  const q = ctx.url.searchParams;
  const include = q.get("include") ?? "all";
  if (include !== "all" && include !== "participated") throw invalidParam("include must be 'all' or 'participated'");
  const limit = queryInt(ctx.url, "limit") ?? 20;
  if (limit < 1) throw invalidParam("limit must be a positive integer");
  const fromRaw = q.get("from");
  const from = fromRaw === null ? undefined : /^t\d+$/.test(fromRaw) ? Number(fromRaw.slice(1)) : undefined;
  if (fromRaw !== null && from === undefined) throw invalidParam("Unknown pagination token");
  const { stub } = await roomFor(req, ctx);
  return json(await stub.threads(session.userId, include, Math.min(limit, 100), from));
}

export function registerRoomEventRoutes(): void {
  clientRoute("PUT", "/rooms/:roomId/send/:eventType/:txnId", sendMessage);
  clientRoute("PUT", "/rooms/:roomId/state/:eventType/:stateKey", sendState);
  clientRoute("PUT", "/rooms/:roomId/state/:eventType", sendState);
  clientRoute("GET", "/rooms/:roomId/state/:eventType/:stateKey", getStateEvent);
  clientRoute("GET", "/rooms/:roomId/state/:eventType", getStateEvent);
  clientRoute("GET", "/rooms/:roomId/state", getState);
  clientRoute("PUT", "/rooms/:roomId/redact/:eventId/:txnId", redactEvent);
  clientRoute("GET", "/rooms/:roomId/event/:eventId", getEvent);
  clientRoute("GET", "/rooms/:roomId/members", members);
  clientRoute("GET", "/rooms/:roomId/joined_members", joinedMembers);
  clientRoute("GET", "/rooms/:roomId/messages", messages);
  clientRoute("GET", "/rooms/:roomId/context/:eventId", context);
  route("GET", "/_matrix/client/v1/rooms/:roomId/timestamp_to_event", timestampToEvent);
  route("GET", "/_matrix/client/v1/rooms/:roomId/relations/:eventId/:relType/:eventType", relations);
  route("GET", "/_matrix/client/v1/rooms/:roomId/relations/:eventId/:relType", relations);
  route("GET", "/_matrix/client/v1/rooms/:roomId/relations/:eventId", relations);
  route("GET", "/_matrix/client/v1/rooms/:roomId/threads", threads);
}
