import type { JsonObject } from "../../protocol/json.js";
import type { RoomEventFilter } from "../../protocol/filters/index.js";
import { syncState, type StateEntry, type TimelineItem } from "../../protocol/syncState.js";
import { isNamed, roomSummary, type MemberEntry, type RoomSummary } from "../../protocol/roomSummary.js";
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
  /** The request's own `since` (undefined on an initial sync): what the device is known to have received. */
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

/** Stream positions past any real one: "now". */
const NOW = Number.MAX_SAFE_INTEGER;

/**
 * The `state` of a room section, and for a joined room its `summary`. `endPos` is where the
 * timeline ends (a left room's leave; undefined for now).
 */
export function roomSectionState(
  rooms: RoomViewStore,
  roomId: string,
  userId: string,
  timeline: TimelineSpan,
  endPos: number | undefined,
  opts: RoomStateOptions,
): { state: JsonObject[]; summary: RoomSummary } {
  const end = rooms.stateAt(roomId, endPos ?? NOW).map(entryOf);
  const start = timeline.firstPos !== undefined ? rooms.stateAt(roomId, timeline.firstPos - 1).map(entryOf) : end;
  const content = (type: string) => end.find((e) => e.type === type && e.stateKey === "")?.event.content as JsonObject | undefined;
  const summary = roomSummary(membersOf(end), userId, isNamed(content("m.room.name"), content("m.room.canonical_alias")));
  const lazy = opts.lazyLoadMembers;
  let alreadySent: Map<string, string> | undefined;
  if (lazy && !opts.includeRedundantMembers && opts.lazyMembers && opts.deviceSince !== undefined) {
    alreadySent = opts.lazyMembers.sentBy(opts.deviceId, roomId, opts.deviceSince);
  }
  const { events, membersSent } = syncState<JsonObject>({
    start,
    end,
    timeline: timeline.events as unknown as TimelineItem[],
    since: opts.since,
    limited: timeline.limited,
    userId,
    lazyLoad: lazy ? { extraMembers: summary["m.heroes"] ?? [], alreadySent: opts.includeRedundantMembers ? undefined : (alreadySent ?? new Map()) } : undefined,
    filter: opts.stateFilter,
    mode: opts.stateAfter ? "after" : "start",
    filterable: (e) => e as { type: string; sender?: string; room_id?: string; content?: unknown },
  });
  if (lazy && !opts.includeRedundantMembers && opts.lazyMembers && membersSent.size > 0) opts.lazyMembers.record(opts.deviceId, roomId, membersSent, opts.nextBatch);
  return { state: events, summary };
}

function entryOf(r: PositionedStateRow): StateEntry<JsonObject> {
  return { eventId: r.event_id, type: r.type, stateKey: r.state_key, pos: r.pos, event: JSON.parse(r.json) as JsonObject };
}

function membersOf(state: readonly StateEntry<JsonObject>[]): MemberEntry[] {
  const out: MemberEntry[] = [];
  for (const e of state) {
    if (e.type !== "m.room.member") continue;
    const content = (e.event.content ?? {}) as JsonObject;
    out.push({ userId: e.stateKey, membership: String(content.membership ?? ""), pos: e.pos, ts: Number(e.event.origin_server_ts ?? 0) });
  }
  return out;
}
