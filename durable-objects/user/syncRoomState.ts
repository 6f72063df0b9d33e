import type { JsonObject } from "../../protocol/json.js";
import type { RoomEventFilter } from "../../protocol/filters/index.js";
import { lazyMembersToLoad, syncState, type StateEntry, type TimelineItem } from "../../protocol/syncState.js";
import { isNamed, roomSummary, type RoomSummary } from "../../protocol/roomSummary.js";
import type { PositionedStateRow, RoomViewStore } from "./roomViewStore.js";
import type { LazyMembersStore } from "./lazyMembersStore.js";

/**
 * Reads a room's state for one /sync room section from the user's state copy (the state at the
 * timeline's start and end, see RoomViewStore.stateAt) and hands it to protocol/syncState.ts;
 * records what a lazy-loading device was sent.
 */

export interface RoomStateOptions {
  deviceId: string;
  /** undefined: the whole state up to the timeline (initial sync, full_state, a newly joined room). */
  since: number | undefined;
  /** The request's own `since` (undefined on an initial sync, when the device has been sent nothing). */
  deviceSince: number | undefined;
  lazyLoadMembers: boolean;
  includeRedundantMembers: boolean;
  stateFilter?: RoomEventFilter;
  /** The response's next_batch stream position (when lazily loaded members count as received). */
  nextBatch: number;
  lazyMembers?: LazyMembersStore;
  /** use_state_after: the state at the timeline's end (`state_after`). */
  stateAfter?: boolean;
}

export interface TimelineSpan {
  events: JsonObject[];
  limited: boolean;
  /** Stream position of the timeline's first event (before the timeline filter), if any. */
  firstPos?: number;
}

/** The state a room summary is made from (protocol/roomSummary.ts). */
const SUMMARY_TYPES: ReadonlySet<string> = new Set(["m.room.member", "m.room.name", "m.room.canonical_alias"]);

/** Stream positions past any real one: "now". */
const NOW = Number.MAX_SAFE_INTEGER;

/**
 * The `state` of a room section, and for a joined room (`endPos` undefined: the timeline runs to
 * now) its `summary`; a left room's timeline ends at `endPos`, its leave.
 */
export function roomSectionState(
  rooms: RoomViewStore,
  roomId: string,
  userId: string,
  timeline: TimelineSpan,
  endPos: number | undefined,
  opts: RoomStateOptions,
): { state: JsonObject[]; summary?: RoomSummary } {
  const lazy = opts.lazyLoadMembers;
  const mode = opts.stateAfter ? "after" : "start";
  const endAt = endPos ?? NOW;
  const startAt = timeline.firstPos !== undefined ? timeline.firstPos - 1 : endAt;
  // An incremental answer needs only what changed since `since`, plus (lazily loaded) the
  // memberships of the timeline's senders and heroes whenever they were set.
  const changedAfter = opts.since ?? -1;
  const end = rooms.stateAt(roomId, endAt, changedAfter).map(entryOf);
  // The state at the start is the end's entries already set then, plus the versions replaced
  // in between: no second read of the whole state.
  const start = startAt === endAt ? end : [...end.filter((e) => e.pos <= startAt), ...rooms.replacedBetween(roomId, startAt, endAt, changedAfter).map(entryOf)];
  // The spec lets an unchanged summary be left out: only a change to the members, the name or the
  // canonical alias since `since` changes it, and reading every member of a big room is costly.
  const summaryChanged = opts.since === undefined || end.some((e) => SUMMARY_TYPES.has(e.type));
  const summary = endPos === undefined && summaryChanged ? summaryOf(rooms, roomId, userId) : undefined;
  const heroes = summary?.["m.heroes"] ?? [];
  if (lazy && opts.since !== undefined) {
    const wanted = [...lazyMembersToLoad(timeline.events as unknown as TimelineItem[], userId, false, heroes, mode)];
    const older = (at: number) => rooms.stateAt(roomId, at, -1, wanted).filter((r) => r.pos <= changedAfter).map(entryOf);
    end.push(...older(endAt));
    if (start !== end) start.push(...older(startAt));
  }
  let alreadySent: Map<string, string> | undefined;
  if (lazy && !opts.includeRedundantMembers && opts.lazyMembers && opts.deviceSince !== undefined) {
    alreadySent = opts.lazyMembers.sentBy(opts.deviceId, roomId);
  }
  const { events, membersSent } = syncState<PositionedStateRow>({
    start,
    end,
    timeline: timeline.events as unknown as TimelineItem[],
    since: opts.since,
    limited: timeline.limited,
    userId,
    lazyLoad: lazy ? { extraMembers: heroes, alreadySent: opts.includeRedundantMembers ? undefined : (alreadySent ?? new Map()) } : undefined,
    filter: opts.stateFilter,
    mode,
    filterable: (r) => JSON.parse(r.json) as { type: string; sender?: string; room_id?: string; content?: unknown },
  });
  if (lazy && !opts.includeRedundantMembers && opts.lazyMembers && membersSent.size > 0) opts.lazyMembers.record(opts.deviceId, roomId, membersSent, opts.nextBatch);
  return { state: events.map((r) => JSON.parse(r.json) as JsonObject), summary };
}

/** A row as protocol/syncState.ts reads it; its JSON is parsed only once kept (a lazy-loading sync drops most members of a big room). */
function entryOf(r: PositionedStateRow): StateEntry<PositionedStateRow> {
  return { eventId: r.event_id, type: r.type, stateKey: r.state_key, pos: r.pos, event: r };
}

/** The joined room's summary, from its current state. */
function summaryOf(rooms: RoomViewStore, roomId: string, userId: string): RoomSummary {
  const content = (type: string) => rooms.stateEvent(roomId, type, "")?.content as { name?: unknown; alias?: unknown } | undefined;
  return roomSummary(rooms.memberships(roomId), userId, isNamed(content("m.room.name"), content("m.room.canonical_alias")));
}
