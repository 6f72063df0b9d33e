import type { IRequest } from "itty-router";
import { clientRoute, param, type Ctx } from "../router.js";
import { json, queryInt } from "../http.js";
import { forbidden, invalidParam, unlessStatus } from "../../platform/errors.js";
import { accessTokenOf, authenticate, clientAddress } from "../auth.js";
import { roomStub, serverStub, userStub } from "../../platform/stubs.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { isValidRoomId } from "../../protocol/identifiers.js";
import { syncBody } from "./sync.js";
import { objectsAt, withRoom } from "./legacyEvents.js";

// Spec: the deprecated GET /initialSync (old_sync.yaml) and GET /rooms/{roomId}/initialSync
// (room_initial_sync.yaml), which older clients and bots still call. Both are snapshots built
// from what /sync and /messages already answer.

/** Messages per room when `limit` is not given (Synapse's default). */
const DEFAULT_LIMIT = 10;

function limitParam(ctx: Ctx): number {
  const limit = queryInt(ctx.url, "limit") ?? DEFAULT_LIMIT;
  if (limit < 0) throw invalidParam("limit must not be negative");
  return Math.min(limit, 100);
}

/** The state after a sync room's timeline: its `state` (before the timeline) updated by the timeline's state events. */
function stateAfterTimeline(state: JsonObject[], timeline: JsonObject[]): JsonObject[] {
  const byKey = new Map<string, JsonObject>();
  for (const e of [...state, ...timeline]) {
    if (typeof e.state_key !== "string") continue;
    byKey.set(`${String(e.type)}\u0000${e.state_key}`, e);
  }
  return [...byKey.values()];
}

async function initialSync(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  const limit = limitParam(ctx);
  const archivedRaw = ctx.url.searchParams.get("archived");
  if (archivedRaw !== null && archivedRaw !== "true" && archivedRaw !== "false") throw invalidParam("archived must be true or false");
  // The snapshot has no place for to-device messages: its `end` must not count them as received.
  const filter = JSON.stringify({ room: { timeline: { limit: Math.max(limit, 1) }, include_leave: archivedRaw === "true" } });
  const sync = await syncBody(ctx, accessTokenOf(req, ctx.url) ?? "", session.userId, clientAddress(req), { fullState: true, filter, leaveToDevice: true }, 0);
  const end = String(sync.next_batch);
  const rooms = isJsonObject(sync.rooms) ? sync.rooms : {};
  const server = serverStub(ctx.env);
  const out: JsonObject[] = [];
  for (const membership of ["join", "leave"] as const) {
    const section = isJsonObject(rooms[membership]) ? rooms[membership] : {};
    for (const [roomId, room] of Object.entries(section)) {
      const timeline = objectsAt(room, "timeline", "events");
      const prev = isJsonObject(room) && isJsonObject(room.timeline) ? room.timeline.prev_batch : undefined;
      // A sync filter's limit can't be 0, so limit=0 asks for one event and hands out none: the
      // empty chunk starts where it ends.
      const messages: JsonObject = { chunk: limit === 0 ? [] : withRoom(timeline, roomId), end };
      if (limit === 0) messages.start = end;
      else if (typeof prev === "string") messages.start = prev;
      out.push({
        room_id: roomId,
        membership,
        messages,
        state: withRoom(stateAfterTimeline(objectsAt(room, "state", "events"), timeline), roomId),
        account_data: objectsAt(room, "account_data", "events"),
        visibility: (await server.isPublished(roomId)) ? "public" : "private",
      });
    }
  }
  const invites = isJsonObject(rooms.invite) ? rooms.invite : {};
  for (const [roomId, room] of Object.entries(invites)) {
    const invite = objectsAt(room, "invite_state", "events").find((e) => e.type === "m.room.member" && e.state_key === session.userId);
    const entry: JsonObject = { room_id: roomId, membership: "invite" };
    if (invite) {
      entry.invite = { ...invite, room_id: roomId };
      if (typeof invite.sender === "string") entry.inviter = invite.sender;
    }
    out.push(entry);
  }
  return json({
    end,
    rooms: out,
    presence: objectsAt(sync, "presence", "events"),
    account_data: objectsAt(sync, "account_data", "events"),
  });
}

/** The room account data a room snapshot carries (Synapse: tags and the read marker). */
const ROOM_ACCOUNT_DATA = ["m.tag", "m.fully_read"];

async function roomInitialSync(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  const limit = limitParam(ctx);
  const roomId = param(req, "roomId");
  if (!isValidRoomId(roomId)) throw invalidParam("Invalid room ID");
  const room = roomStub(ctx.env, roomId);
  if (!(await room.exists())) throw forbidden("You are not in this room");
  // messages() refuses a reader who may not see the room (not a member, not world-readable).
  const page = await room.messages(session.userId, { dir: "b", limit: Math.max(limit, 1), ignoredSenders: session.ignoredUsers });
  const chunk = limit === 0 ? [] : [...page.chunk].reverse();
  const messages: Record<string, unknown> = { chunk, end: `t${page.start}` };
  if (page.end !== undefined) messages.start = `t${page.end}`;
  const membership = await room.membership(session.userId);
  const user = userStub(ctx.env, session.userId);
  const accountData: JsonObject[] = [];
  for (const type of ROOM_ACCOUNT_DATA) {
    const content = await unlessStatus([404], user.getAccountData(roomId, type));
    if (content) accountData.push({ type, content });
  }
  return json({
    room_id: roomId,
    membership,
    messages,
    state: await room.getState(session.userId),
    visibility: (await serverStub(ctx.env).isPublished(roomId)) ? "public" : "private",
    account_data: accountData,
  });
}

export function registerLegacyInitialSyncRoutes(): void {
  clientRoute("GET", "/initialSync", initialSync);
  clientRoute("GET", "/rooms/:roomId/initialSync", roomInitialSync);
}
