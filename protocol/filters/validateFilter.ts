import { FilterError } from "./errors.js";
import type { EventFilter, EventFormat, Filter, RoomEventFilter, RoomFilter } from "./types.js";

/**
 * Checks a filter a client sent and returns it typed, with only the fields the spec defines
 * (unknown keys are dropped rather than rejected, so newer clients keep working).
 *
 * A `null` field is treated as absent: it carries no filtering intent and refusing it would
 * break a client's whole sync over nothing.
 */
export function validateFilter(json: unknown): Filter {
  const obj = object(json, "filter");
  const filter: Filter = {};
  const eventFields = stringList(obj.event_fields, "event_fields");
  if (eventFields) filter.event_fields = eventFields;
  const format = obj.event_format;
  if (format !== undefined && format !== null) {
    if (typeof format !== "string") throw badJson("event_format must be a string");
    if (format !== "client" && format !== "federation") {
      throw new FilterError("M_INVALID_PARAM", "event_format must be 'client' or 'federation'");
    }
    filter.event_format = format satisfies EventFormat;
  }
  if (present(obj.presence)) filter.presence = validateEventFilter(obj.presence, "presence");
  if (present(obj.account_data)) filter.account_data = validateEventFilter(obj.account_data, "account_data");
  if (present(obj.room)) filter.room = validateRoomFilter(obj.room, "room");
  return filter;
}

/** For the `filter` query parameter of /sync and /messages when it is inline JSON. */
export function parseFilterJson(text: string): Filter {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new FilterError("M_NOT_JSON", "The filter is not valid JSON");
  }
  return validateFilter(json);
}

export function validateEventFilter(json: unknown, path = "filter"): EventFilter {
  const obj = object(json, path);
  const filter: EventFilter = {};
  const limit = obj.limit;
  if (present(limit)) {
    if (typeof limit !== "number" || !Number.isInteger(limit)) throw badJson(`${path}.limit must be an integer`);
    if (limit <= 0) throw new FilterError("M_INVALID_PARAM", `${path}.limit must be greater than 0`);
    filter.limit = limit;
  }
  const types = stringList(obj.types, `${path}.types`);
  if (types) filter.types = types;
  const notTypes = stringList(obj.not_types, `${path}.not_types`);
  if (notTypes) filter.not_types = notTypes;
  const senders = idList(obj.senders, `${path}.senders`, "@");
  if (senders) filter.senders = senders;
  const notSenders = idList(obj.not_senders, `${path}.not_senders`, "@");
  if (notSenders) filter.not_senders = notSenders;
  return filter;
}

export function validateRoomEventFilter(json: unknown, path = "filter"): RoomEventFilter {
  const obj = object(json, path);
  const filter: RoomEventFilter = validateEventFilter(obj, path);
  const rooms = idList(obj.rooms, `${path}.rooms`, "!");
  if (rooms) filter.rooms = rooms;
  const notRooms = idList(obj.not_rooms, `${path}.not_rooms`, "!");
  if (notRooms) filter.not_rooms = notRooms;
  for (const key of ["contains_url", "lazy_load_members", "include_redundant_members", "unread_thread_notifications"] as const) {
    const value = boolean(obj[key], `${path}.${key}`);
    if (value !== undefined) filter[key] = value;
  }
  return filter;
}

function validateRoomFilter(json: unknown, path: string): RoomFilter {
  const obj = object(json, path);
  const filter: RoomFilter = {};
  const rooms = idList(obj.rooms, `${path}.rooms`, "!");
  if (rooms) filter.rooms = rooms;
  const notRooms = idList(obj.not_rooms, `${path}.not_rooms`, "!");
  if (notRooms) filter.not_rooms = notRooms;
  const includeLeave = boolean(obj.include_leave, `${path}.include_leave`);
  if (includeLeave !== undefined) filter.include_leave = includeLeave;
  for (const key of ["ephemeral", "state", "timeline", "account_data"] as const) {
    if (present(obj[key])) filter[key] = validateRoomEventFilter(obj[key], `${path}.${key}`);
  }
  return filter;
}

const badJson = (message: string) => new FilterError("M_BAD_JSON", message);

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function object(json: unknown, path: string): Record<string, unknown> {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw badJson(`${path} must be a JSON object`);
  return json as Record<string, unknown>;
}

function stringList(value: unknown, path: string): string[] | undefined {
  if (!present(value)) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw badJson(`${path} must be an array of strings`);
  }
  return [...(value as string[])];
}

/** The schema gives user IDs the pattern ^@ and room IDs ^!. */
function idList(value: unknown, path: string, sigil: "@" | "!"): string[] | undefined {
  const list = stringList(value, path);
  const wrong = list?.find((id) => !id.startsWith(sigil));
  if (wrong !== undefined) {
    const what = sigil === "@" ? "user IDs" : "room IDs";
    throw new FilterError("M_INVALID_PARAM", `${path} must contain ${what} (starting with '${sigil}'), not ${JSON.stringify(wrong)}`);
  }
  return list;
}

function boolean(value: unknown, path: string): boolean | undefined {
  if (!present(value)) return undefined;
  if (typeof value !== "boolean") throw badJson(`${path} must be a boolean`);
  return value;
}
