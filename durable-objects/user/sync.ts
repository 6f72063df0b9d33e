import type { JsonObject } from "../../protocol/json.js";
import type { ClientEvent } from "../../protocol/clientEvent.js";
import { formatSyncToken, type SyncToken } from "./syncToken.js";
import { deviceListChanges } from "./deviceLists.js";
import { oneTimeKeyCounts } from "./e2ee.js";
import type { StreamStore } from "./streamStore.js";
import type { RoomRow, RoomViewStore } from "./roomViewStore.js";
import type { EncryptionKeyStore } from "./encryptionKeyStore.js";
import type { AccountDataStore } from "./accountDataStore.js";
import type { ToDeviceStore } from "./toDeviceStore.js";
import { dedupeByType, eventForDevice, mergeReceipts } from "./streamData.js";
import { invitedByIgnoredUser } from "./ignoredUsers.js";

/**
 * Builds /sync responses (spec: GET /_matrix/client/v3/sync) from the user's stream. The stream
 * already holds exactly what the user may see, in order; this file only selects and shapes it.
 */

export interface SyncOptions {
  deviceId: string;
  since?: SyncToken;
  fullState: boolean;
  timelineLimit: number;
  lazyLoadMembers: boolean;
  includeLeave: boolean;
  /** No to-device messages in the response (SyncParams.leaveToDevice). */
  leaveToDevice?: boolean;
  /** Room IDs to include (undefined = all) and to exclude. */
  rooms?: string[];
  notRooms?: string[];
  /** Event predicate for timeline events from the filter. */
  timelineFilter?: (ev: ClientEvent) => boolean;
  ignoredUsers: Set<string>;
}

/** What a sync reads: the user's stores. */
export interface SyncSources {
  stream: StreamStore;
  rooms: RoomViewStore;
  keys: EncryptionKeyStore;
  accountData: AccountDataStore;
  toDevice: ToDeviceStore;
}

/** Most to-device messages one /sync hands out. */
const TO_DEVICE_BATCH = 100;

export function buildSync(src: SyncSources, userId: string, opts: SyncOptions): { body: JsonObject; empty: boolean } {
  const { stream } = src;
  const since = opts.since?.stream ?? 0;
  const maxPos = stream.maxPos();
  const toDeviceRows = opts.leaveToDevice ? [] : src.toDevice.batch(opts.deviceId, opts.since?.toDevice ?? 0, TO_DEVICE_BATCH);
  const toDevicePos = toDeviceRows.length > 0 ? toDeviceRows[toDeviceRows.length - 1].pos : (opts.since?.toDevice ?? 0);

  const rooms = src.rooms.unforgottenRooms();
  const join: Record<string, JsonObject> = {};
  const invite: Record<string, JsonObject> = {};
  const leave: Record<string, JsonObject> = {};
  const knock: Record<string, JsonObject> = {};

  for (const room of rooms) {
    if (opts.rooms && !opts.rooms.includes(room.room_id)) continue;
    if (opts.notRooms?.includes(room.room_id)) continue;
    const changedMembership = room.membership_pos > since;
    if (room.membership === "invite") {
      // Spec (ignoring users): invites from ignored users are not sent to clients.
      if (invitedByIgnoredUser(room.invite_state, userId, opts.ignoredUsers)) continue;
      if (changedMembership || !opts.since) invite[room.room_id] = { invite_state: { events: JSON.parse(room.invite_state ?? "[]") as JsonObject[] } };
      continue;
    }
    if (room.membership === "knock") {
      if (changedMembership || !opts.since) knock[room.room_id] = { knock_state: { events: JSON.parse(room.invite_state ?? "[]") } };
      continue;
    }
    if (room.membership === "join") {
      const fresh = !opts.since || changedMembership || opts.fullState;
      const section = joinedRoomSection(src, userId, room, since, fresh, opts);
      if (section) join[room.room_id] = section;
      continue;
    }
    // leave / ban: show the room once, up to the membership change, if it changed since `since`.
    if ((changedMembership && opts.since) || (opts.includeLeave && !opts.since)) {
      const section = leftRoomSection(src, userId, room, since, opts);
      if (section) leave[room.room_id] = section;
    }
  }

  const accountData = stream.dataSince("account_data", opts.since ? since : -1);
  const globalData = opts.since ? dedupeByType(accountData) : src.accountData.all("");

  const deviceLists = opts.since ? deviceListChanges(stream, since, maxPos) : { changed: [], left: [] };
  const presence = presenceSince(stream, opts.since ? since : -1);
  const body: JsonObject = {
    next_batch: formatSyncToken({ stream: maxPos, toDevice: toDevicePos }),
    rooms: { join, invite, leave, knock },
    account_data: { events: globalData },
    presence: { events: presence },
    to_device: { events: toDeviceRows.map((r) => r.event) },
    // Only an incremental sync reports device list changes (spec: end-to-end encryption).
    device_lists: deviceLists,
    device_one_time_keys_count: oneTimeKeyCounts(src.keys, opts.deviceId),
    device_unused_fallback_key_types: src.keys.unusedFallbackKeyTypes(opts.deviceId),
  };
  const empty =
    Object.keys(join).length + Object.keys(invite).length + Object.keys(leave).length + Object.keys(knock).length === 0 &&
    globalData.length === 0 &&
    toDeviceRows.length === 0 &&
    presence.length === 0 &&
    deviceLists.changed.length + deviceLists.left.length === 0;
  return { body, empty };
}

function timelineOf(stream: StreamStore, roomId: string, fromPos: number, toPos: number, opts: SyncOptions): { events: JsonObject[]; limited: boolean; firstOrdering?: number; stateIds: Set<string> } {
  const rows = stream.latestRoomEvents(roomId, fromPos, toPos, opts.timelineLimit + 1);
  const limited = rows.length > opts.timelineLimit;
  const kept = rows.slice(0, opts.timelineLimit).reverse();
  const events: JsonObject[] = [];
  const stateIds = new Set<string>();
  for (const r of kept) {
    const stored = r.stored;
    const ev = stored.event;
    if (opts.ignoredUsers.has(ev.sender) && ev.state_key === undefined) continue;
    if (opts.timelineFilter && !opts.timelineFilter(ev)) continue;
    if (ev.state_key !== undefined) stateIds.add(ev.event_id);
    events.push(eventForDevice(stored, opts.deviceId));
  }
  return { events, limited, firstOrdering: kept[0]?.roomOrdering ?? undefined, stateIds };
}

function stateSection(rooms: RoomViewStore, roomId: string, since: number, fresh: boolean, timelineState: Set<string>, timelineSenders: Set<string>, userId: string, opts: SyncOptions): JsonObject[] {
  const rows = fresh ? rooms.state(roomId) : rooms.state(roomId, since);
  const out: JsonObject[] = [];
  for (const r of rows) {
    if (timelineState.has(r.event_id)) continue;
    if (opts.lazyLoadMembers && r.type === "m.room.member" && r.state_key !== userId && !timelineSenders.has(r.state_key)) continue;
    out.push(JSON.parse(r.json) as JsonObject);
  }
  return out;
}

function ephemeralOf(src: SyncSources, roomId: string, since: number, fresh: boolean): JsonObject[] {
  const out: JsonObject[] = [];
  for (const r of src.rooms.ephemeral(roomId)) {
    if (fresh || r.pos > since) out.push({ type: r.type, content: r.content });
  }
  const receipts = src.stream.roomDataSince(roomId, "receipt", fresh ? -1 : since);
  if (receipts.length > 0) out.push({ type: "m.receipt", content: mergeReceipts(receipts) });
  return out;
}

function summaryOf(rooms: RoomViewStore, roomId: string, userId: string): JsonObject {
  const members = rooms.memberEvents(roomId).map((r) => ({ user: r.stateKey, membership: r.event.content.membership }));
  const joined = members.filter((m) => m.membership === "join");
  const invited = members.filter((m) => m.membership === "invite");
  const heroes = [...joined, ...invited]
    .map((m) => m.user)
    .filter((u) => u !== userId)
    .sort()
    .slice(0, 5);
  return { "m.heroes": heroes, "m.joined_member_count": joined.length, "m.invited_member_count": invited.length };
}

function joinedRoomSection(src: SyncSources, userId: string, room: RoomRow, since: number, fresh: boolean, opts: SyncOptions): JsonObject | undefined {
  const { stream } = src;
  const maxPos = Number.MAX_SAFE_INTEGER;
  const timeline = timelineOf(stream, room.room_id, fresh && !opts.since ? 0 : since, maxPos, opts);
  const ephemeral = ephemeralOf(src, room.room_id, since, fresh);
  const roomData = stream.roomDataSince(room.room_id, "room_account_data", fresh ? -1 : since);
  const accountData = fresh ? src.accountData.all(room.room_id) : dedupeByType(roomData);
  const unreadChanged = room.read_moved_pos > since;
  if (!fresh && timeline.events.length === 0 && ephemeral.length === 0 && accountData.length === 0 && !unreadChanged && !timeline.limited) return undefined;
  const senders = new Set<string>();
  for (const e of timeline.events) senders.add(String(e.sender));
  const state = stateSection(src.rooms, room.room_id, since, fresh || timeline.limited, timeline.stateIds, senders, userId, opts);
  const tl: JsonObject = { events: timeline.events, limited: timeline.limited || (fresh && !!opts.since && timeline.events.length > 0) };
  if (timeline.firstOrdering !== undefined) tl.prev_batch = `t${timeline.firstOrdering}`;
  return {
    timeline: tl,
    state: { events: state },
    ephemeral: { events: ephemeral },
    account_data: { events: accountData },
    summary: summaryOf(src.rooms, room.room_id, userId),
    unread_notifications: stream.unreadCounts(room.room_id, room.read_pos),
  };
}

function leftRoomSection(src: SyncSources, userId: string, room: RoomRow, since: number, opts: SyncOptions): JsonObject | undefined {
  const timeline = timelineOf(src.stream, room.room_id, since, room.membership_pos, opts);
  const senders = new Set<string>();
  const state = stateSection(src.rooms, room.room_id, since, timeline.limited || !opts.since, timeline.stateIds, senders, userId, { ...opts, lazyLoadMembers: false });
  const tl: JsonObject = { events: timeline.events, limited: timeline.limited };
  if (timeline.firstOrdering !== undefined) tl.prev_batch = `t${timeline.firstOrdering}`;
  return { timeline: tl, state: { events: state }, account_data: { events: [] } };
}

/** The latest presence of each user that changed since `since` (spec: m.presence in /sync). */
function presenceSince(stream: StreamStore, since: number): JsonObject[] {
  const latest = new Map<string, JsonObject>();
  for (const ev of stream.dataSince("presence", since)) latest.set(String(ev.sender), ev);
  return [...latest.values()];
}
