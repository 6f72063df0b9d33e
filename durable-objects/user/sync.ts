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
import type { RoomEventFilter } from "../../protocol/filters/index.js";
import type { LazyMembersStore } from "./lazyMembersStore.js";
import { roomSectionState, type RoomStateOptions } from "./syncRoomState.js";
import { withBundledAggregations } from "./syncAggregations.js";

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
  /** The state filter's include_redundant_members (send lazily loaded members every time). */
  includeRedundantMembers?: boolean;
  /** The filter's room.state. */
  stateFilter?: RoomEventFilter;
  /** use_state_after (spec v1.16): rooms carry `state_after` instead of `state`. */
  useStateAfter?: boolean;
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
  /** What lazy-loading devices were sent (absent: every sync sends the members it needs). */
  lazyMembers?: LazyMembersStore;
}

/** Most to-device messages one /sync hands out. */
const TO_DEVICE_BATCH = 100;

export function buildSync(src: SyncSources, userId: string, opts: SyncOptions): { body: JsonObject; empty: boolean } {
  const { stream } = src;
  const since = opts.since?.stream ?? 0;
  const maxPos = stream.maxPos();
  const toDeviceRows = opts.leaveToDevice ? [] : src.toDevice.batch(opts.deviceId, opts.since?.toDevice ?? 0, TO_DEVICE_BATCH);
  const toDevicePos = toDeviceRows.length > 0 ? toDeviceRows[toDeviceRows.length - 1].pos : (opts.since?.toDevice ?? 0);

  // A sync without `since` starts the device over: it remembers no member events. One from
  // `since` shows which earlier response reached it (lazyMembersStore.ts), lazily loading or not.
  if (!opts.since && opts.lazyLoadMembers) src.lazyMembers?.forget(opts.deviceId);
  if (opts.since) src.lazyMembers?.confirm(opts.deviceId, opts.since.stream);
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
      const section = joinedRoomSection(src, userId, room, since, fresh, { ...opts, maxPos });
      if (section) join[room.room_id] = section;
      continue;
    }
    // leave / ban: show the room once, up to the membership change, if it changed since `since`.
    if ((changedMembership && opts.since) || (opts.includeLeave && !opts.since)) {
      const section = leftRoomSection(src, userId, room, since, { ...opts, maxPos });
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

function timelineOf(stream: StreamStore, roomId: string, fromPos: number, toPos: number, opts: SyncOptions): { events: JsonObject[]; limited: boolean; firstOrdering?: number; firstPos?: number; seen: number } {
  const rows = stream.latestRoomEvents(roomId, fromPos, toPos, opts.timelineLimit + 1);
  const limited = rows.length > opts.timelineLimit;
  const kept = rows.slice(0, opts.timelineLimit).reverse();
  const events: JsonObject[] = [];
  for (const r of kept) {
    const stored = r.stored;
    const ev = stored.event;
    if (opts.ignoredUsers.has(ev.sender) && ev.state_key === undefined) continue;
    if (opts.timelineFilter && !opts.timelineFilter(ev)) continue;
    events.push(eventForDevice(stored, opts.deviceId));
  }
  return { events, limited, firstOrdering: kept[0]?.roomOrdering ?? undefined, firstPos: kept[0]?.pos, seen: kept.length };
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

/** The room section's state field: `state_after` when asked for (use_state_after), `state` otherwise. */
function stateField(opts: SyncOptions): "state" | "state_after" {
  return opts.useStateAfter ? "state_after" : "state";
}

/** How a room section's state is read: the sync's options, "since" as that section needs it. */
function stateOptions(opts: SyncOptions & { maxPos: number }, src: SyncSources, since: number | undefined): RoomStateOptions {
  return {
    deviceId: opts.deviceId,
    since,
    deviceSince: opts.since?.stream,
    lazyLoadMembers: opts.lazyLoadMembers,
    includeRedundantMembers: opts.includeRedundantMembers === true,
    stateFilter: opts.stateFilter,
    nextBatch: opts.maxPos,
    lazyMembers: src.lazyMembers,
    stateAfter: opts.useStateAfter === true,
  };
}

function joinedRoomSection(src: SyncSources, userId: string, room: RoomRow, since: number, fresh: boolean, opts: SyncOptions & { maxPos: number }): JsonObject | undefined {
  const { stream } = src;
  const maxPos = Number.MAX_SAFE_INTEGER;
  // After a leave and rejoin since `since`, the timeline starts after the leave: the state copied
  // at the rejoin holds what changed while the user was away, which older timeline events would
  // otherwise seem to come after (the gap shows as a limited timeline).
  const departed = opts.since && room.membership_pos > since ? stream.lastDepartureAfter(room.room_id, userId, since) : undefined;
  const timeline = timelineOf(stream, room.room_id, fresh && !opts.since ? 0 : (departed ?? since), maxPos, opts);
  const ephemeral = ephemeralOf(src, room.room_id, since, fresh);
  const roomData = stream.roomDataSince(room.room_id, "room_account_data", fresh ? -1 : since);
  const accountData = fresh ? src.accountData.all(room.room_id) : dedupeByType(roomData);
  const unreadChanged = room.read_moved_pos > since;
  const quiet = !fresh && timeline.events.length === 0 && ephemeral.length === 0 && accountData.length === 0 && !unreadChanged && !timeline.limited;
  // Nothing reached the room's stream: nothing (state included) can have changed.
  if (quiet && timeline.seen === 0) return undefined;
  // State at the timeline's start: all of it for a fresh room, else what changed since `since`.
  const { state, summary } = roomSectionState(src.rooms, room.room_id, userId, timeline, undefined, stateOptions(opts, src, fresh ? undefined : since));
  // Events the timeline filter left out still count when they changed the state.
  if (quiet && state.length === 0) return undefined;
  const tl: JsonObject = { events: bundled(src, room.room_id, timeline.events, userId, opts), limited: timeline.limited || (fresh && !!opts.since && timeline.events.length > 0) };
  if (timeline.firstOrdering !== undefined) tl.prev_batch = `t${timeline.firstOrdering}`;
  return {
    timeline: tl,
    [stateField(opts)]: { events: state },
    ephemeral: { events: ephemeral },
    account_data: { events: accountData },
    summary: summary ?? {},
    unread_notifications: stream.unreadCounts(room.room_id, room.read_pos),
  };
}

function leftRoomSection(src: SyncSources, userId: string, room: RoomRow, since: number, opts: SyncOptions & { maxPos: number }): JsonObject | undefined {
  const timeline = timelineOf(src.stream, room.room_id, since, room.membership_pos, opts);
  // The state up to the leave: at the timeline's start, what changed since `since` (all of it on an initial sync).
  const { state } = roomSectionState(src.rooms, room.room_id, userId, timeline, room.membership_pos, stateOptions(opts, src, opts.since ? since : undefined));
  const tl: JsonObject = { events: bundled(src, room.room_id, timeline.events, userId, opts), limited: timeline.limited };
  if (timeline.firstOrdering !== undefined) tl.prev_batch = `t${timeline.firstOrdering}`;
  return { timeline: tl, [stateField(opts)]: { events: state }, account_data: { events: [] } };
}

/** Timeline events with their bundled aggregations (user/syncAggregations.ts). */
function bundled(src: SyncSources, roomId: string, events: JsonObject[], userId: string, opts: SyncOptions): JsonObject[] {
  return withBundledAggregations(src.stream, roomId, events, { userId, ignored: opts.ignoredUsers });
}

/** The latest presence of each user that changed since `since` (spec: m.presence in /sync). */
function presenceSince(stream: StreamStore, since: number): JsonObject[] {
  const latest = new Map<string, JsonObject>();
  for (const ev of stream.dataSince("presence", since)) latest.set(String(ev.sender), ev);
  return [...latest.values()];
}
