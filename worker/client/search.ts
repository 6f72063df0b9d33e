import type { IRequest } from "itty-router";
import { clientRoute, type Ctx } from "../router.js";
import { json, readJsonObject } from "../http.js";
import { authenticate } from "../auth.js";
import { invalidParam, unlessStatus } from "../../platform/errors.js";
import { roomStub, userStub } from "../../platform/stubs.js";
import { boundedMap } from "../../platform/boundedMap.js";
import type { RoomSearchHit, RoomSearchResult } from "../../platform/rpc/room.js";
import type { JsonObject } from "../../protocol/json.js";
import { roomMatchesFilter, type RoomEventFilter } from "../../protocol/filters/index.js";
import {
  decodeNextBatch,
  encodeNextBatch,
  highlights,
  mergeCandidates,
  parseSearchRequest,
  searchableText,
  searchLimit,
  toFtsQuery,
  type NextBatch,
  type RoomEventsCriteria,
} from "../../protocol/search/index.js";

// Spec: search.yaml — POST /search, category room_events (client-server-api "Server Side Search").

/** How many RoomDOs one search asks at once. */
const FAN_OUT = 8;

/**
 * POST /search: each room the user is or was in (and has not forgotten) searches its own index
 * (durable-objects/room/search.ts) for its first `limit` visible results after the page being
 * resumed; the Worker merges them into one page in the requested order (protocol/search/
 * resultOrder.ts), then asks only the rooms of that page for context and state.
 */
async function search(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  const criteria = parseSearchRequest(body);
  const token = ctx.url.searchParams.get("next_batch");
  const resume = token === null ? undefined : decodeNextBatch(token);
  if (resume && resume.order !== criteria.orderBy) throw invalidParam("next_batch belongs to a search in another order_by");
  const query = toFtsQuery(criteria.searchTerm, criteria.keys);
  const filter = groupFilter(criteria.filter, resume);
  const userId = session.userId;
  const rooms = (await userStub(ctx.env, userId).joinedRooms(true)).filter((r) => roomMatchesFilter(r, filter)).sort();
  const match = query.match;
  if (match === undefined || rooms.length === 0) return json({ search_categories: { room_events: { results: [], count: 0, highlights: [] } } });

  const limit = searchLimit(criteria.filter);
  const searchIn = (roomId: string) => roomStub(ctx.env, roomId).search(userId, { match, order: criteria.orderBy, after: resume?.after, limit, filter, ignoredSenders: session.ignoredUsers });
  // A room in the user's list that this server does not hold (an invite rejected before joining)
  // has nothing to search; any other failure is real.
  const answers = await boundedMap(rooms, FAN_OUT, async (roomId): Promise<RoomSearchResult> => (await unlessStatus([404], searchIn(roomId))) ?? { hits: [], more: false, count: 0 });
  const { page, rest, next } = mergeCandidates(answers, limit);
  const result: JsonObject = {
    count: answers.reduce((n, a) => n + a.count, 0),
    highlights: highlights(query.terms, page.flatMap((h) => Object.values(searchableText(h.event.type, h.event.content) ?? {}))),
    results: await resultsWithContext(ctx, userId, session.ignoredUsers, criteria, filter, page),
  };
  if (next) result.next_batch = encodeNextBatch({ order: criteria.orderBy, after: next, group: resume?.group });
  if (criteria.includeState) result.state = await currentStates(ctx, userId, [...new Set(page.map((h) => h.roomId))]);
  if (criteria.groupBy.length > 0) result.groups = groups(criteria, page, rest, new Map(rooms.map((r, i) => [r, answers[i].more])));
  return json({ search_categories: { room_events: result } });
}

/** A group's next_batch pages through that group only (spec: "Pagination"): its room or its sender. */
function groupFilter(filter: RoomEventFilter, resume: NextBatch | undefined): RoomEventFilter {
  const group = resume?.group;
  if (!group) return filter;
  if (group.key === "room_id") return { ...filter, rooms: (filter.rooms ?? [group.value]).filter((r) => r === group.value) };
  return { ...filter, senders: (filter.senders ?? [group.value]).filter((s) => s === group.value) };
}

async function resultsWithContext(ctx: Ctx, userId: string, ignoredSenders: string[] | undefined, criteria: RoomEventsCriteria, filter: RoomEventFilter, page: RoomSearchHit[]): Promise<JsonObject[]> {
  const results = page.map((h): JsonObject => ({ rank: h.rank, result: h.event as unknown as JsonObject }));
  const want = criteria.eventContext;
  if (!want) return results;
  const byRoom = new Map<string, string[]>();
  for (const h of page) byRoom.set(h.roomId, [...(byRoom.get(h.roomId) ?? []), h.event.event_id]);
  const contexts = new Map<string, JsonObject>();
  await boundedMap([...byRoom], FAN_OUT, async ([roomId, eventIds]) => {
    const got = await roomStub(ctx.env, roomId).searchContexts(userId, { eventIds, before: want.beforeLimit, after: want.afterLimit, includeProfile: want.includeProfile, filter, ignoredSenders });
    for (const [id, c] of Object.entries(got)) contexts.set(id, c);
  });
  return results.map((r, i) => {
    const c = contexts.get(page[i].event.event_id);
    return c ? { ...r, context: c } : r;
  });
}

async function currentStates(ctx: Ctx, userId: string, roomIds: string[]): Promise<JsonObject> {
  const state: JsonObject = {};
  await boundedMap(roomIds, FAN_OUT, async (roomId) => {
    state[roomId] = (await roomStub(ctx.env, roomId).getState(userId)) as unknown as JsonObject[];
  });
  return state;
}

/**
 * Spec: "Groups" — the page's results by room and/or sender, each group with its event IDs, its
 * `order` (where its first result is in the page) and, if more of it may follow, a next_batch that
 * resumes within it after its last result shown. More may follow when merged candidates of the
 * group were left over, or when a room that holds the group had more results than it sent (for a
 * sender group, any room).
 */
function groups(criteria: RoomEventsCriteria, page: RoomSearchHit[], rest: RoomSearchHit[], roomMore: Map<string, boolean>): JsonObject {
  const anyRoomMore = [...roomMore.values()].some((m) => m);
  const out: JsonObject = {};
  for (const key of criteria.groupBy) {
    const valueOf = (h: RoomSearchHit) => (key === "room_id" ? h.roomId : h.event.sender);
    const members = new Map<string, RoomSearchHit[]>();
    for (const h of page) members.set(valueOf(h), [...(members.get(valueOf(h)) ?? []), h]);
    const byValue: JsonObject = {};
    let order = 1;
    for (const [value, hits] of members) {
      const group: JsonObject = { order: order++, results: hits.map((h) => h.event.event_id) };
      const more = rest.some((h) => valueOf(h) === value) || (key === "room_id" ? roomMore.get(value) === true : anyRoomMore);
      if (more) group.next_batch = encodeNextBatch({ order: criteria.orderBy, after: hits[hits.length - 1], group: { key, value } });
      byValue[value] = group;
    }
    out[key] = byValue;
  }
  return out;
}

export function registerSearchRoutes(): void {
  clientRoute("POST", "/search", search);
}
