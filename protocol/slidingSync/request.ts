import { isJsonObject, setOwn, type JsonObject, type JsonValue } from "../json.js";
import { SlidingSyncRequestError } from "./errors.js";
import { parseRequiredState, type RequiredState } from "./requiredState.js";

/**
 * The request of simplified sliding sync (MSC4186, "Request Body"), read into plain data. The
 * unstable endpoint's clients still send some fields in older forms (matrix-rust-sdk and
 * matrix-js-sdk): `pos` and `timeout` in the query string, `ranges` (a list of ranges) instead of
 * `range`, `is_invite` instead of `is_invited`; both are accepted.
 */

/** Most lists, and most room subscriptions, one request may carry (MSC4186). */
export const MAX_LISTS = 100;
export const MAX_SUBSCRIPTIONS = 100;
/** Largest timeline a room gets, whatever the client asks (the MSC lets the server cap it). */
export const MAX_TIMELINE_LIMIT = 1000;
/** Longest long-poll we hold. */
export const MAX_TIMEOUT_MS = 60_000;

export interface RoomConfig {
  timelineLimit: number;
  requiredState: RequiredState;
}

/** SlidingRoomFilter: an omitted field does not filter. */
export interface ListFilters {
  isDm?: boolean;
  isEncrypted?: boolean;
  isInvited?: boolean;
  roomTypes?: Array<string | null>;
  notRoomTypes?: Array<string | null>;
  spaces?: string[];
  tags?: string[];
  notTags?: string[];
}

export interface ListConfig extends RoomConfig {
  /** Inclusive index ranges into the filtered, ordered room list; undefined = the whole list. */
  ranges?: Array<[number, number]>;
  filters: ListFilters;
  /**
   * The list came with its ranges only (matrix-js-sdk resends an unchanged list that way): its
   * other fields are the ones the connection's previous request gave the same list.
   */
  rangesOnly: boolean;
}

/** Which lists and rooms an extension covers; undefined means all of the request's. */
export interface ExtensionScope {
  lists?: string[];
  rooms?: string[];
}

export interface Extensions {
  toDevice?: { since?: string; limit: number };
  e2ee?: Record<string, never>;
  accountData?: ExtensionScope;
  receipts?: ExtensionScope;
  typing?: ExtensionScope;
}

export interface SlidingSyncRequest {
  connId: string;
  /** matrix-js-sdk's `txn_id`, echoed in the response so it can match its request. */
  txnId?: string;
  pos?: string;
  timeout: number;
  setPresence?: "online" | "offline" | "unavailable";
  lists: Record<string, ListConfig>;
  subscriptions: Record<string, RoomConfig>;
  /**
   * MSC3575's `unsubscribe_rooms`, which matrix-js-sdk still sends: room subscriptions of the
   * connection to drop (see withStickySubscriptions in slidingSync.ts).
   */
  unsubscribeRooms?: string[];
  extensions: Extensions;
}

const bad = (text: string) => new SlidingSyncRequestError("M_BAD_JSON", text);
const invalid = (text: string) => new SlidingSyncRequestError("M_INVALID_PARAM", text);

/** The "opaque identifier" grammar of the spec's appendices, which list keys follow. */
const OPAQUE_ID = /^[A-Za-z0-9._~-]{1,255}$/;
const PRESENCE = ["online", "offline", "unavailable"] as const;

/** Reads the body and query of one request; throws SlidingSyncRequestError when it is wrong. */
export function parseSlidingSyncRequest(body: JsonObject, query: URLSearchParams): SlidingSyncRequest {
  const connId = optString(body.conn_id, "conn_id") ?? "";
  if (connId.length > 255) throw invalid("conn_id is too long");
  const pos = optString(body.pos, "pos") ?? query.get("pos") ?? undefined;
  const timeout = timeoutOf(body.timeout ?? query.get("timeout") ?? undefined);
  const presence = body.set_presence ?? query.get("set_presence") ?? undefined;
  if (presence !== undefined && !PRESENCE.includes(presence as (typeof PRESENCE)[number])) throw invalid("Unknown set_presence");

  const lists: Record<string, ListConfig> = {};
  const rawLists = optObject(body.lists, "lists") ?? {};
  if (Object.keys(rawLists).length > MAX_LISTS) throw invalid(`At most ${MAX_LISTS} lists`);
  for (const [key, raw] of Object.entries(rawLists)) {
    if (!OPAQUE_ID.test(key)) throw invalid(`List key ${JSON.stringify(key)} is not an opaque identifier`);
    setOwn(lists, key, listConfig(raw, `lists.${key}`));
  }

  const subscriptions: Record<string, RoomConfig> = {};
  const rawSubs = optObject(body.room_subscriptions, "room_subscriptions") ?? {};
  if (Object.keys(rawSubs).length > MAX_SUBSCRIPTIONS) throw invalid(`At most ${MAX_SUBSCRIPTIONS} room subscriptions`);
  for (const [roomId, raw] of Object.entries(rawSubs)) {
    if (!roomId.startsWith("!")) throw invalid(`${JSON.stringify(roomId)} is not a room ID`);
    const obj = requireObject(raw, `room_subscriptions.${roomId}`);
    subscriptions[roomId] = roomConfig(obj, `room_subscriptions.${roomId}`);
  }

  const txnId = optString(body.txn_id, "txn_id");
  const unsubscribeRooms = optStrings(body.unsubscribe_rooms, "unsubscribe_rooms");
  return {
    connId,
    ...(txnId !== undefined ? { txnId } : {}),
    pos: pos === "" ? undefined : pos,
    timeout,
    setPresence: presence as SlidingSyncRequest["setPresence"],
    lists,
    subscriptions,
    ...(unsubscribeRooms !== undefined && unsubscribeRooms.length > 0 ? { unsubscribeRooms } : {}),
    extensions: extensionsOf(optObject(body.extensions, "extensions") ?? {}),
  };
}

function timeoutOf(raw: JsonValue | string | undefined): number {
  if (raw === undefined) return 0;
  const n = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) throw invalid("timeout must be a non-negative integer");
  return Math.min(n, MAX_TIMEOUT_MS);
}

function roomConfig(obj: JsonObject, where: string): RoomConfig {
  return { timelineLimit: timelineLimitOf(obj.timeline_limit, where), requiredState: parseRequiredState(obj.required_state, where) };
}

function timelineLimitOf(raw: JsonValue | undefined, where: string): number {
  if (raw === undefined) return 0;
  if (typeof raw !== "number" || !Number.isSafeInteger(raw) || raw < 0) throw invalid(`${where}.timeline_limit must be a non-negative integer`);
  return Math.min(raw, MAX_TIMELINE_LIMIT);
}

function listConfig(raw: JsonValue, where: string): ListConfig {
  const obj = requireObject(raw, where);
  let ranges: Array<[number, number]> | undefined;
  if (obj.range !== undefined) ranges = [rangeOf(obj.range, `${where}.range`)];
  else if (obj.ranges !== undefined) {
    if (!Array.isArray(obj.ranges)) throw invalid(`${where}.ranges must be a list of ranges`);
    ranges = obj.ranges.map((r, i) => rangeOf(r, `${where}.ranges[${i}]`));
  }
  const rangesOnly = obj.timeline_limit === undefined && obj.required_state === undefined && obj.filters === undefined;
  return { ...roomConfig(obj, where), ranges, filters: filtersOf(obj.filters, `${where}.filters`), rangesOnly };
}

function rangeOf(raw: JsonValue, where: string): [number, number] {
  if (!Array.isArray(raw) || raw.length !== 2) throw invalid(`${where} must be a pair of integers`);
  const [a, b] = raw;
  if (typeof a !== "number" || typeof b !== "number" || !Number.isSafeInteger(a) || !Number.isSafeInteger(b) || a < 0 || b < a) {
    throw invalid(`${where} must be [start, end] with 0 <= start <= end`);
  }
  return [a, b];
}

function filtersOf(raw: JsonValue | undefined, where: string): ListFilters {
  if (raw === undefined) return {};
  const obj = requireObject(raw, where);
  const f: ListFilters = {};
  f.isDm = optBool(obj.is_dm, `${where}.is_dm`);
  f.isEncrypted = optBool(obj.is_encrypted, `${where}.is_encrypted`);
  f.isInvited = optBool(obj.is_invited ?? obj.is_invite, `${where}.is_invited`);
  f.roomTypes = optRoomTypes(obj.room_types, `${where}.room_types`);
  f.notRoomTypes = optRoomTypes(obj.not_room_types, `${where}.not_room_types`);
  f.spaces = optStrings(obj.spaces, `${where}.spaces`);
  f.tags = optStrings(obj.tags, `${where}.tags`);
  f.notTags = optStrings(obj.not_tags, `${where}.not_tags`);
  for (const k of Object.keys(f) as Array<keyof ListFilters>) if (f[k] === undefined) delete f[k];
  return f;
}

function extensionsOf(obj: JsonObject): Extensions {
  const out: Extensions = {};
  const enabled = (name: string): JsonObject | undefined => {
    const raw = obj[name];
    if (raw === undefined) return undefined;
    const ext = requireObject(raw, `extensions.${name}`);
    const on = optBool(ext.enabled, `extensions.${name}.enabled`);
    return on === true ? ext : undefined;
  };
  const scope = (ext: JsonObject, name: string): ExtensionScope => {
    const s: ExtensionScope = {};
    const lists = optStrings(ext.lists, `extensions.${name}.lists`);
    const rooms = optStrings(ext.rooms, `extensions.${name}.rooms`);
    // "*" (or no field) means every list / every subscribed room of the request.
    if (lists && !lists.includes("*")) s.lists = lists;
    if (rooms && !rooms.includes("*")) s.rooms = rooms;
    return s;
  };
  const toDevice = enabled("to_device");
  if (toDevice) {
    const limit = toDevice.limit;
    if (limit !== undefined && (typeof limit !== "number" || !Number.isSafeInteger(limit) || limit < 1)) throw invalid("extensions.to_device.limit must be a positive integer");
    const since = optString(toDevice.since, "extensions.to_device.since");
    if (since !== undefined && !/^\d{1,15}$/.test(since)) throw invalid("extensions.to_device.since is not a next_batch this server gave");
    out.toDevice = { since, limit: Math.min(limit ?? 100, 1000) };
  }
  if (enabled("e2ee")) out.e2ee = {};
  const accountData = enabled("account_data");
  if (accountData) out.accountData = scope(accountData, "account_data");
  const receipts = enabled("receipts");
  if (receipts) out.receipts = scope(receipts, "receipts");
  const typing = enabled("typing");
  if (typing) out.typing = scope(typing, "typing");
  return out;
}

function requireObject(raw: JsonValue, where: string): JsonObject {
  if (!isJsonObject(raw)) throw bad(`${where} must be an object`);
  return raw;
}
function optObject(raw: JsonValue | undefined, where: string): JsonObject | undefined {
  return raw === undefined || raw === null ? undefined : requireObject(raw, where);
}
function optString(raw: JsonValue | undefined, where: string): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "string") throw bad(`${where} must be a string`);
  return raw;
}
function optBool(raw: JsonValue | undefined, where: string): boolean | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "boolean") throw bad(`${where} must be a boolean`);
  return raw;
}
function optStrings(raw: JsonValue | undefined, where: string): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw) || !raw.every((s) => typeof s === "string")) throw bad(`${where} must be a list of strings`);
  return raw as string[];
}
function optRoomTypes(raw: JsonValue | undefined, where: string): Array<string | null> | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw) || !raw.every((s) => typeof s === "string" || s === null)) throw bad(`${where} must be a list of strings or nulls`);
  return raw as Array<string | null>;
}
