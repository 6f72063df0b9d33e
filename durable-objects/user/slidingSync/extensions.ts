import type { JsonObject } from "../../../protocol/json.js";
import type { Extensions, ExtensionScope } from "../../../protocol/slidingSync/request.js";
import { deviceListChanges } from "../deviceLists.js";
import { oneTimeKeyCounts } from "../e2ee.js";
import { dedupeByType, mergeReceipts } from "../streamData.js";
import type { SyncSources } from "../sync.js";

/**
 * The extensions of a sliding sync response: to-device messages (MSC3885), end-to-end encryption
 * (MSC3884), account data (MSC3959), receipts (MSC3960) and typing (MSC3961). Each reads the
 * user's stream after the connection's previous position, like /sync does.
 */

export interface ExtensionContext {
  src: SyncSources;
  deviceId: string;
  /** The stream position of the request's pos; undefined on a connection's first request. */
  prevStreamPos: number | undefined;
  maxPos: number;
  /** The rooms each list's window holds, and the subscribed rooms the user may see. */
  listRooms: ReadonlyMap<string, readonly string[]>;
  subscribedRooms: readonly string[];
  /** Rooms sent with `initial` in this response: their room-bound data is sent whole. */
  initialRooms: ReadonlySet<string>;
}

/** The extension results, and whether any carries something new (else a long-poll waits on). */
export function buildExtensions(ctx: ExtensionContext, ext: Extensions): { body: JsonObject; fresh: boolean } {
  const body: JsonObject = {};
  let fresh = false;
  const since = ctx.prevStreamPos;

  if (ext.toDevice) {
    // The parser took only a next_batch this server gives (digits) as `since`.
    const after = Number(ext.toDevice.since ?? 0);
    // The client has the messages up to `since`: they can go (spec: send-to-device messaging).
    if (after > 0) ctx.src.toDevice.deleteUpTo(ctx.deviceId, after);
    const rows = ctx.src.toDevice.batch(ctx.deviceId, after, ext.toDevice.limit);
    body.to_device = { next_batch: String(rows.length > 0 ? rows[rows.length - 1].pos : after), events: rows.map((r) => r.event) };
    if (rows.length > 0) fresh = true;
  }

  if (ext.e2ee) {
    const lists = since !== undefined ? deviceListChanges(ctx.src.stream, since, ctx.maxPos) : { changed: [], left: [] };
    body.e2ee = {
      device_lists: lists,
      device_one_time_keys_count: oneTimeKeyCounts(ctx.src.keys, ctx.deviceId),
      device_unused_fallback_key_types: ctx.src.keys.unusedFallbackKeyTypes(ctx.deviceId),
    };
    if (lists.changed.length + lists.left.length > 0) fresh = true;
  }

  if (ext.accountData) {
    const global = since !== undefined ? dedupeByType(ctx.src.stream.dataSince("account_data", since)) : ctx.src.accountData.all("");
    const rooms: Record<string, JsonObject[]> = {};
    const scope = roomsInScope(ctx, ext.accountData);
    for (const roomId of scope) if (ctx.initialRooms.has(roomId) || since === undefined) addNonEmpty(rooms, roomId, ctx.src.accountData.all(roomId));
    if (since !== undefined) {
      for (const [roomId, events] of changedInScope(ctx, "room_account_data", since, scope)) addNonEmpty(rooms, roomId, dedupeByType(events));
    }
    body.account_data = { global, rooms };
    if (global.length > 0 || Object.keys(rooms).length > 0) fresh = true;
  }

  if (ext.receipts) {
    const rooms: Record<string, JsonObject> = {};
    const scope = roomsInScope(ctx, ext.receipts);
    const byRoom = new Map<string, JsonObject[]>();
    for (const roomId of scope) if (ctx.initialRooms.has(roomId)) byRoom.set(roomId, ctx.src.stream.roomDataSince(roomId, "receipt", -1));
    if (since !== undefined) for (const [roomId, contents] of changedInScope(ctx, "receipt", since, scope)) byRoom.set(roomId, contents);
    for (const [roomId, contents] of byRoom) if (contents.length > 0) rooms[roomId] = { type: "m.receipt", content: mergeReceipts(contents) };
    body.receipts = { rooms };
    if (Object.keys(rooms).length > 0) fresh = true;
  }

  if (ext.typing) {
    const rooms: Record<string, JsonObject> = {};
    const typing = ctx.src.rooms.ephemeralOfType("m.typing");
    for (const roomId of roomsInScope(ctx, ext.typing)) {
      const e = typing.get(roomId);
      if (!e) continue;
      const isNew = ctx.initialRooms.has(roomId) ? Array.isArray(e.content.user_ids) && e.content.user_ids.length > 0 : since === undefined || e.pos > since;
      if (isNew) rooms[roomId] = { type: "m.typing", content: e.content };
    }
    body.typing = { rooms };
    if (Object.keys(rooms).length > 0) fresh = true;
  }
  return { body, fresh };
}

/** The rooms an extension covers: those of its lists (default all) and its subscriptions (default all). */
function roomsInScope(ctx: ExtensionContext, scope: ExtensionScope): Set<string> {
  const out = new Set<string>();
  for (const [name, rooms] of ctx.listRooms) if (!scope.lists || scope.lists.includes(name)) for (const r of rooms) out.add(r);
  for (const r of ctx.subscribedRooms) if (!scope.rooms || scope.rooms.includes(r)) out.add(r);
  return out;
}

/** A room-bound kind's stream entries after `since`, by room, for the rooms in scope that are not sent whole (initial). */
function changedInScope(ctx: ExtensionContext, kind: "receipt" | "room_account_data", since: number, scope: ReadonlySet<string>): Map<string, JsonObject[]> {
  const out = new Map<string, JsonObject[]>();
  for (const r of ctx.src.stream.roomDataAfter(kind, since)) {
    if (!scope.has(r.roomId) || ctx.initialRooms.has(r.roomId)) continue;
    const list = out.get(r.roomId);
    if (list) list.push(r.data);
    else out.set(r.roomId, [r.data]);
  }
  return out;
}

function addNonEmpty(rooms: Record<string, JsonObject[]>, roomId: string, events: JsonObject[]): void {
  if (events.length > 0) rooms[roomId] = events;
}
