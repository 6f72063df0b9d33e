import type { IRequest } from "itty-router";
import { clientRoute, param, type Ctx } from "../router.js";
import { json, readJsonObject, queryInt } from "../http.js";
import { badRequest, forbidden, invalidParam, notFound } from "../../platform/errors.js";
import { accessTokenOf, authenticate, clientAddress } from "../auth.js";
import { roomStub, serverStub, userStub } from "../../platform/stubs.js";
import { checkRateLimit } from "../rateLimit.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../protocol/json.js";
import { isValidRoomId } from "../../protocol/identifiers.js";
import { syncBody } from "./sync.js";
import { eventIfVisible } from "./eventIfVisible.js";

// Spec: the deprecated endpoints of old_sync.yaml — GET /events (a long-poll stream of events)
// and GET /events/{eventId} —, peeking through GET /events?room_id= (peeking_events.yaml), and POST /rooms/{roomId}/send/{eventType} without a transaction
// ID, which older clients and bots still call. Synapse's behaviour is the reference.

/** Longest wait we hold, as for /sync. */
const MAX_TIMEOUT_MS = 60_000;
/** The wait when the client names none: Synapse's, so that a client polling without `timeout` doesn't spin. */
const DEFAULT_TIMEOUT_MS = 30_000;

/** A sync filter that leaves everything out: an initial sync with it is only a stream position. */
const NOTHING = JSON.stringify({ room: { rooms: [] }, presence: { types: [] }, account_data: { types: [] } });

/** A stream hands out every event since `from`, not the last few of a room as /sync's default timeline does. */
const STREAM = JSON.stringify({ room: { timeline: { limit: 100 } } });

/** `s<stream>_<to-device>`: a /sync next_batch, which is also the /events token. */
const STREAM_TOKEN = /^s\d+_\d+$/;

/** The objects of the array at `path` in a sync response (none when it is absent). */
export function objectsAt(obj: JsonValue | undefined, ...path: string[]): JsonObject[] {
  let cur: JsonValue | undefined = obj;
  for (const key of path) cur = isJsonObject(cur) ? cur[key] : undefined;
  return Array.isArray(cur) ? cur.filter(isJsonObject) : [];
}

/** Sync's events lack room_id (their room is their key); the legacy endpoints' events carry it. */
export function withRoom(events: JsonObject[], roomId: string): JsonObject[] {
  return events.map((e) => ({ ...e, room_id: roomId }));
}

/**
 * A sync response as the single list of events /events hands out: the rooms' timelines (joined
 * and left), invites (the stripped member event), typing and receipts — each with its room_id —
 * and presence.
 */
export function eventsOfSync(sync: JsonObject): JsonObject[] {
  const out: JsonObject[] = [];
  const rooms = isJsonObject(sync.rooms) ? sync.rooms : {};
  for (const section of ["join", "leave"]) {
    const byRoom = isJsonObject(rooms[section]) ? rooms[section] : {};
    for (const [roomId, room] of Object.entries(byRoom)) {
      out.push(...withRoom(objectsAt(room, "timeline", "events"), roomId));
      out.push(...withRoom(objectsAt(room, "ephemeral", "events"), roomId));
    }
  }
  const invites = isJsonObject(rooms.invite) ? rooms.invite : {};
  for (const [roomId, room] of Object.entries(invites)) {
    out.push(...withRoom(objectsAt(room, "invite_state", "events"), roomId).filter((e) => e.type === "m.room.member"));
  }
  out.push(...objectsAt(sync, "presence", "events"));
  return out;
}

/** How often a peek that found nothing looks again, until its timeout. */
const PEEK_POLL_MS = 1_000;

/**
 * GET /events?room_id= (peeking_events.yaml): the events of one room the user may read without
 * being in it (world-readable history). Tokens are the room's `t<ordering>` (as
 * /rooms/{roomId}/initialSync hands out); a /sync token means "now". The room has no wake-up
 * for readers outside it, so an empty peek looks again every second until its timeout.
 */
async function peekEvents(ctx: Ctx, userId: string, roomId: string, fromRaw: string | undefined, timeout: number): Promise<Response> {
  if (!isValidRoomId(roomId)) throw invalidParam("Invalid room ID");
  let from: number | undefined;
  if (fromRaw !== undefined && /^t\d+$/.test(fromRaw)) from = Number(fromRaw.slice(1));
  else if (fromRaw !== undefined && !STREAM_TOKEN.test(fromRaw)) throw invalidParam("Invalid from token");
  const room = roomStub(ctx.env, roomId);
  if (!(await room.exists())) throw forbidden("You may not peek into this room");
  const deadline = Date.now() + timeout;
  for (;;) {
    // The room's current end first, so nothing that arrives meanwhile is skipped.
    const now = (await room.messages(userId, { dir: "b", limit: 1 })).start;
    const start = from ?? now;
    const page = await room.messages(userId, { dir: "f", from: start, to: now, limit: 100 });
    const end = page.end ?? now;
    if (page.chunk.length > 0 || Date.now() + PEEK_POLL_MS > deadline) return json({ chunk: page.chunk, start: `t${start}`, end: `t${end}` });
    from = end;
    await new Promise((r) => setTimeout(r, PEEK_POLL_MS));
  }
}

async function events(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  const timeout = Math.min(Math.max(queryInt(ctx.url, "timeout") ?? DEFAULT_TIMEOUT_MS, 0), MAX_TIMEOUT_MS);
  const peekRoom = ctx.url.searchParams.get("room_id");
  if (peekRoom !== null) return peekEvents(ctx, session.userId, peekRoom, ctx.url.searchParams.get("from") ?? undefined, timeout);
  // Synapse's rule: a guest's stream is a peek into one room.
  if (session.isGuest) throw badRequest("Guest users must specify room_id param");
  const token = accessTokenOf(req, ctx.url) ?? "";
  const ip = clientAddress(req);
  let from = ctx.url.searchParams.get("from") ?? undefined;
  if (from !== undefined && !STREAM_TOKEN.test(from)) throw invalidParam("Invalid from token");
  // As /sync without set_presence, and as Synapse's /events, streaming marks the user online;
  // without `from`, before the stream's start is taken, so the change is not in it.
  // Without `from`, the stream starts now (Synapse): only what happens from here on is returned.
  if (from === undefined) {
    const now = await syncBody(ctx, token, session.userId, ip, { fullState: false, filter: NOTHING, leaveToDevice: true, setPresence: "online" }, 0);
    from = String(now.next_batch);
  }
  const sync = await syncBody(ctx, token, session.userId, ip, { since: from, fullState: false, filter: STREAM, leaveToDevice: true, setPresence: "online" }, timeout);
  return json({ chunk: eventsOfSync(sync), start: from, end: String(sync.next_batch ?? from) });
}

async function eventById(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  const eventId = param(req, "eventId");
  // The server's event index is filled after delivery; until then, the event is looked for in the
  // user's rooms. The room applies history visibility, as for GET /rooms/{roomId}/event/{eventId}.
  const indexed = await serverStub(ctx.env).roomOfEvent(eventId);
  if (!indexed) checkRateLimit(ctx.config, "eventLookup", session.userId);
  const rooms = indexed ? [indexed] : await userStub(ctx.env, session.userId).joinedRooms();
  for (const roomId of rooms) {
    const ev = await eventIfVisible(roomStub(ctx.env, roomId), session.userId, eventId);
    if (ev) return json(ev);
  }
  throw notFound("Event not found");
}

/** The txn-less send: each call is a new event, with no transaction to remember for retries. */
async function sendWithoutTxn(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  checkRateLimit(ctx.config, "send", session.userId);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const roomId = param(req, "roomId");
  if (!isValidRoomId(roomId)) throw invalidParam("Invalid room ID");
  const sent = await roomStub(ctx.env, roomId).send({ sender: session.userId, type: param(req, "eventType"), content: body }, {});
  return json({ event_id: sent.event_id });
}

export function registerLegacyEventRoutes(): void {
  clientRoute("GET", "/events", events);
  clientRoute("GET", "/events/:eventId", eventById);
  clientRoute("POST", "/rooms/:roomId/send/:eventType", sendWithoutTxn);
}
