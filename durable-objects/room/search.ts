import type { JsonObject } from "../../protocol/json.js";
import { stateKey } from "../../protocol/pdu.js";
import { eventMatchesFilter } from "../../protocol/filters/index.js";
import type { RoomSearchHit, RoomSearchRequest, RoomSearchResult, SearchContextRequest } from "../../platform/rpc/room.js";
import type { SortKey } from "../../protocol/search/index.js";
import type { RoomStores } from "./stores.js";
import { Visibility } from "./visibility.js";
import { Timeline } from "./timeline.js";

/**
 * One room's part of server-side search (spec: "Server Side Search"). The Worker fans a search
 * out to the rooms the user has been in; each room answers from its own FTS5 index
 * (searchStore.ts) with the matches the user may see, in the requested order, after the page
 * being resumed. History visibility applies as for /messages; in a room the user has left, only
 * events up to their leave are searched ("it won't include events in rooms that happened after
 * you left"); an encrypted room is not searched at all.
 */
const NOTHING: RoomSearchResult = { hits: [], more: false, count: 0 };

/** The most matches one room looks at for one request (each costs a visibility check). */
const SCAN_BUDGET = 1000;
/** The most events one result's context looks at on each side. */
const CONTEXT_SCAN = 500;

/** The highest ordering the user's search may reach, or undefined when they were never in the room. */
function searchBound(stores: RoomStores, userId: string): number | undefined {
  const memberId = stores.events.currentStateIds().get(stateKey("m.room.member", userId));
  const row = memberId ? stores.events.getRow(memberId) : undefined;
  if (!row) return undefined;
  const membership = (JSON.parse(row.json) as { content: { membership?: unknown } }).content.membership;
  return membership === "leave" || membership === "ban" ? row.ordering : Number.MAX_SAFE_INTEGER;
}

/**
 * The `count` of the room's matches, without visiting each (the spec's count is approximate). In a
 * room whose history is visible only from a member's invite or join on, the count starts at the
 * user's first membership: counting earlier matches would tell them how often words were said
 * before they could see the room, which visibility hides.
 */
function countFrom(stores: RoomStores, match: string, userId: string, upTo: number): number {
  const hv = stores.events.currentEvent("m.room.history_visibility", "")?.content.history_visibility;
  const from = hv === "joined" || hv === "invited" ? (stores.events.membershipHistory(userId)[0]?.ordering ?? upTo + 1) : 0;
  return stores.search.count(match, from, upTo);
}

export function searchRoom(stores: RoomStores, roomId: string, userId: string, req: RoomSearchRequest): RoomSearchResult {
  // Spec: "The search will not include rooms that are end to end encrypted."
  if (stores.events.currentEvent("m.room.encryption", "")) return NOTHING;
  const upTo = searchBound(stores, userId);
  if (upTo === undefined) return NOTHING;
  const vis = new Visibility(stores.events, userId);
  const timeline = new Timeline(stores.events, stores.relations, roomId);
  const hits: RoomSearchHit[] = [];
  let after: SortKey | undefined = req.after;
  let more = false;
  let scanned = 0;
  // Candidates come in batches: visibility and the filter drop some, so a page may need more than
  // one. Each batch re-runs the FTS5 query (bm25 and the sort cover every match), so there are at
  // most two: a first of twice the page, then the rest of the scan budget. The budget bounds one
  // request's work in a room where the user may see few of many matches (joined late to a
  // `joined`-visibility room, an ignored spammer): the room then answers with what it found and
  // where it stopped, and the next page resumes from there.
  let batch = Math.min(Math.max(req.limit * 2, 20), SCAN_BUDGET);
  scan: for (;;) {
    const rows = stores.search.matches(req.match, req.order, roomId, after, upTo, batch);
    for (const row of rows) {
      const key: SortKey = { primary: req.order === "rank" ? row.score : row.origin_server_ts, roomId, ordering: row.ordering };
      after = key;
      scanned++;
      if (!vis.canSee(row)) continue;
      if (row.state_key === null && req.ignoredSenders?.includes(row.sender)) continue;
      const event = timeline.clientEventOf(row, vis);
      if (!eventMatchesFilter(event, req.filter)) continue;
      if (hits.length === req.limit) {
        more = true;
        break scan;
      }
      hits.push({ ...key, rank: row.score, event });
    }
    if (rows.length < batch) break;
    if (scanned >= SCAN_BUDGET) {
      // `after` is the last match looked at; there may be more beyond it.
      return { hits, more: true, count: countFrom(stores, req.match, userId, upTo), scannedTo: after };
    }
    batch = SCAN_BUDGET - scanned;
  }
  return { hits, more, count: countFrom(stores, req.match, userId, upTo) };
}

/**
 * The context of each result (spec: search.yaml, "Event Context"): the visible events just
 * before and after it (through the search's filter, as Synapse does), pagination tokens as
 * /context gives them, and with include_profile the senders' profiles as of the result.
 */
export function searchContexts(stores: RoomStores, roomId: string, userId: string, req: SearchContextRequest): Record<string, JsonObject> {
  const vis = new Visibility(stores.events, userId);
  const timeline = new Timeline(stores.events, stores.relations, roomId);
  const filter = req.filter ? { ...req.filter, lazy_load_members: undefined } : undefined;
  const out: Record<string, JsonObject> = {};
  const hi = stores.events.orderingBounds().hi ?? 0;
  for (const eventId of req.eventIds) {
    const row = timeline.visibleRow(eventId, vis);
    // Each side looks at no more than CONTEXT_SCAN events: a narrow filter (a rare sender) would
    // otherwise walk the whole room, for each of up to 100 results. Where a side stops at its
    // bound, its token resumes from there.
    const low = row.ordering - CONTEXT_SCAN;
    const high = row.ordering + 1 + CONTEXT_SCAN;
    const b = timeline.messages(vis, { from: row.ordering, to: low, dir: "b", limit: req.before, filter, ignoredSenders: req.ignoredSenders });
    const f = timeline.messages(vis, { from: row.ordering + 1, to: high, dir: "f", limit: req.after, filter, ignoredSenders: req.ignoredSenders });
    const context: JsonObject = {
      events_before: b.chunk as unknown as JsonObject[],
      events_after: f.chunk as unknown as JsonObject[],
      start: `t${b.end ?? Math.max(low, 0)}`,
      end: `t${f.end ?? (high <= hi ? high : row.ordering + 1 + f.chunk.length)}`,
    };
    if (req.includeProfile) {
      // The senders' member events in the state after the result: their profile at that time.
      const state = row.state_group_after === null ? new Map<string, string>() : stores.events.stateAtGroup(row.state_group_after);
      const profiles: JsonObject = {};
      for (const sender of new Set([row.sender, ...b.chunk.map((e) => e.sender), ...f.chunk.map((e) => e.sender)])) {
        const id = state.get(stateKey("m.room.member", sender));
        const content = id ? stores.events.getEvent(id)?.content : undefined;
        if (!content) continue;
        const profile: JsonObject = {};
        if (typeof content.displayname === "string") profile.displayname = content.displayname;
        if (typeof content.avatar_url === "string") profile.avatar_url = content.avatar_url;
        profiles[sender] = profile;
      }
      context.profile_info = profiles;
    }
    out[eventId] = context;
  }
  return out;
}
