import type { RoomEventFilter } from "../filters/index.js";
import { validateRoomEventFilter } from "../filters/index.js";
import { SearchError } from "./searchError.js";
import { SEARCH_COLUMNS, SEARCH_KEYS, type SearchKey } from "./searchableText.js";
import type { SearchOrder } from "./resultOrder.js";

/**
 * The request body of POST /search (spec: search.yaml), checked and typed. Only the
 * `room_events` category is specified; it is required here as it is in Synapse (a request
 * without it has nothing to search). A field of the wrong type is M_BAD_JSON; a value outside the
 * spec's enums is M_INVALID_PARAM. Absent optional fields get the spec's defaults.
 */
export type GroupKey = "room_id" | "sender";

export interface EventContextRequest {
  beforeLimit: number;
  afterLimit: number;
  includeProfile: boolean;
}

export interface RoomEventsCriteria {
  searchTerm: string;
  keys: SearchKey[];
  filter: RoomEventFilter;
  orderBy: SearchOrder;
  eventContext?: EventContextRequest;
  includeState: boolean;
  groupBy: GroupKey[];
}

/** Results per page when the filter sets no limit (as Synapse), and the most a filter may ask. */
export const DEFAULT_SEARCH_LIMIT = 10;
export const MAX_SEARCH_LIMIT = 100;
/** The spec's default context size, and a cap so a request can't ask for whole rooms. */
export const DEFAULT_CONTEXT_LIMIT = 5;
export const MAX_CONTEXT_LIMIT = 50;

const badJson = (m: string) => new SearchError("M_BAD_JSON", m);
const invalid = (m: string) => new SearchError("M_INVALID_PARAM", m);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Optional field: absent and null both mean "use the default". */
function opt(obj: Record<string, unknown>, key: string): unknown {
  return obj[key] === null ? undefined : obj[key];
}

export function parseSearchRequest(body: Record<string, unknown>): RoomEventsCriteria {
  const categories = body.search_categories;
  if (!isObject(categories)) throw badJson("search_categories must be an object");
  const room = categories.room_events;
  if (!isObject(room)) throw badJson("search_categories.room_events must be an object");
  const searchTerm = room.search_term;
  if (typeof searchTerm !== "string") throw badJson("search_term must be a string");

  const keysRaw = opt(room, "keys");
  let keys: SearchKey[] = [...SEARCH_KEYS];
  if (keysRaw !== undefined) {
    if (!Array.isArray(keysRaw) || !keysRaw.every((k) => typeof k === "string")) throw badJson("keys must be an array of strings");
    const unknown = keysRaw.find((k) => !(k in SEARCH_COLUMNS));
    if (unknown !== undefined) throw invalid(`Unknown search key ${JSON.stringify(unknown)}`);
    keys = keysRaw as SearchKey[];
  }

  const orderRaw = opt(room, "order_by") ?? "rank";
  if (typeof orderRaw !== "string") throw badJson("order_by must be a string");
  if (orderRaw !== "rank" && orderRaw !== "recent") throw invalid(`Invalid order_by ${JSON.stringify(orderRaw)}: must be 'rank' or 'recent'`);

  const filterRaw = opt(room, "filter");
  // A FilterError (M_BAD_JSON / M_INVALID_PARAM) passes through as the spec's error.
  const filter = filterRaw === undefined ? {} : validateRoomEventFilter(filterRaw, "filter");

  const includeState = opt(room, "include_state") ?? false;
  if (typeof includeState !== "boolean") throw badJson("include_state must be a boolean");

  const criteria: RoomEventsCriteria = { searchTerm, keys, filter, orderBy: orderRaw, includeState, groupBy: parseGroupings(opt(room, "groupings")) };
  const contextRaw = opt(room, "event_context");
  if (contextRaw !== undefined) criteria.eventContext = parseEventContext(contextRaw);
  return criteria;
}

function parseGroupings(raw: unknown): GroupKey[] {
  if (raw === undefined) return [];
  if (!isObject(raw)) throw badJson("groupings must be an object");
  const groupBy = opt(raw, "group_by");
  if (groupBy === undefined) return [];
  if (!Array.isArray(groupBy)) throw badJson("groupings.group_by must be an array");
  const keys: GroupKey[] = [];
  for (const g of groupBy) {
    if (!isObject(g) || typeof g.key !== "string") throw badJson("Each group must be an object with a string key");
    if (g.key !== "room_id" && g.key !== "sender") throw invalid(`Invalid group key ${JSON.stringify(g.key)}: must be 'room_id' or 'sender'`);
    if (!keys.includes(g.key)) keys.push(g.key);
  }
  return keys;
}

function parseEventContext(raw: unknown): EventContextRequest {
  if (!isObject(raw)) throw badJson("event_context must be an object");
  const limit = (key: string): number => {
    const v = opt(raw, key);
    if (v === undefined) return DEFAULT_CONTEXT_LIMIT;
    if (typeof v !== "number" || !Number.isInteger(v)) throw badJson(`event_context.${key} must be an integer`);
    if (v < 0) throw invalid(`event_context.${key} must not be negative`);
    return Math.min(v, MAX_CONTEXT_LIMIT);
  };
  const includeProfile = opt(raw, "include_profile") ?? false;
  if (typeof includeProfile !== "boolean") throw badJson("event_context.include_profile must be a boolean");
  return { beforeLimit: limit("before_limit"), afterLimit: limit("after_limit"), includeProfile };
}

/** The page size: the filter's limit (already checked > 0), capped. */
export function searchLimit(filter: RoomEventFilter): number {
  return Math.min(filter.limit ?? DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT);
}
