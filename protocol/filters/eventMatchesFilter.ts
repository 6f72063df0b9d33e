import type { EventFilter, RoomEventFilter } from "./types.js";

/** The parts of an event filters look at. Ephemeral and account-data events may lack sender/room. */
export interface FilterableEvent {
  type: string;
  sender?: string;
  room_id?: string;
  content?: unknown;
}

/**
 * Whether an event passes an EventFilter or RoomEventFilter. Exclusions win over inclusions;
 * an absent list excludes/includes nothing, but a present empty `types` / `senders` / `rooms`
 * list includes nothing. Sender and room checks apply only to events that have a sender / room_id
 * (ephemeral events in /sync carry neither; check their room with roomMatchesFilter).
 * `limit` is not applied here: see limitEvents.
 */
export function eventMatchesFilter(event: FilterableEvent, filter: EventFilter | RoomEventFilter | undefined): boolean {
  if (!filter) return true;
  if (event.room_id !== undefined && !roomMatchesFilter(event.room_id, filter as RoomEventFilter)) return false;
  if (event.sender !== undefined) {
    if (filter.not_senders?.includes(event.sender)) return false;
    if (filter.senders && !filter.senders.includes(event.sender)) return false;
  }
  if (filter.not_types?.some((pattern) => typeMatches(pattern, event.type))) return false;
  if (filter.types && !filter.types.some((pattern) => typeMatches(pattern, event.type))) return false;
  const containsUrl = (filter as RoomEventFilter).contains_url;
  if (containsUrl !== undefined && hasUrl(event) !== containsUrl) return false;
  return true;
}

/** `rooms` / `not_rooms` of a RoomFilter or RoomEventFilter (not_rooms wins). */
export function roomMatchesFilter(roomId: string, filter: { rooms?: string[]; not_rooms?: string[] } | undefined): boolean {
  if (!filter) return true;
  if (filter.not_rooms?.includes(roomId)) return false;
  return !filter.rooms || filter.rooms.includes(roomId);
}

/**
 * An event type against a filter pattern where `*` matches any sequence of characters (the only
 * wildcard filters define) and everything else is literal and case-sensitive. With `*` as the only
 * wildcard, matching the pieces between stars leftmost-first is exact and linear.
 */
export function typeMatches(pattern: string, type: string): boolean {
  const pieces = pattern.split("*");
  if (pieces.length === 1) return pattern === type;
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  if (type.length < first.length + last.length || !type.startsWith(first) || !type.endsWith(last)) return false;
  let at = first.length;
  const end = type.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const found = type.indexOf(pieces[i], at);
    if (found < 0 || found + pieces[i].length > end) return false;
    at = found + pieces[i].length;
  }
  return true;
}

/** The events that pass the filter, in their original order. */
export function filterEvents<E extends FilterableEvent>(
  events: readonly E[],
  filter: EventFilter | RoomEventFilter | undefined,
): E[] {
  return filter ? events.filter((e) => eventMatchesFilter(e, filter)) : [...events];
}

function hasUrl(event: FilterableEvent): boolean {
  const content = event.content;
  return typeof content === "object" && content !== null && !Array.isArray(content) && Object.hasOwn(content, "url");
}
