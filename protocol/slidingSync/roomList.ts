import type { ListFilters } from "./request.js";

/**
 * The server's room list of simplified sliding sync (MSC4186, "Lists"): the user's rooms, most
 * recent activity first, filtered per list and cut by the list's ranges.
 */

/** What the list rules need to know of one room. */
export interface ListedRoom {
  roomId: string;
  membership: string;
  /** Larger = more recent activity; the list order. */
  activity: number;
  isDm: boolean;
  isEncrypted: boolean;
  /** `type` of the create event (null: none; undefined: unknown, e.g. an invite without it). */
  roomType: string | null | undefined;
  tags: readonly string[];
}

/** Most recent first; equal activity falls back to the room ID so the order is stable. */
export function orderByActivity<T extends ListedRoom>(rooms: readonly T[]): T[] {
  return [...rooms].sort((a, b) => b.activity - a.activity || (a.roomId < b.roomId ? -1 : a.roomId > b.roomId ? 1 : 0));
}

/**
 * SlidingRoomFilter. `spaceChildren` is the set of rooms named by `m.space.child` in the listed
 * spaces the user is joined to (the caller reads it; subspaces are not followed).
 */
export function matchesFilters(room: ListedRoom, f: ListFilters, spaceChildren?: ReadonlySet<string>): boolean {
  if (f.isDm !== undefined && room.isDm !== f.isDm) return false;
  if (f.isEncrypted !== undefined && room.isEncrypted !== f.isEncrypted) return false;
  if (f.isInvited !== undefined && (room.membership === "invite") !== f.isInvited) return false;
  const type = room.roomType ?? null;
  // not_room_types wins over room_types.
  if (f.notRoomTypes && f.notRoomTypes.includes(type)) return false;
  if (f.roomTypes && !f.roomTypes.includes(type)) return false;
  if (f.spaces && !(spaceChildren?.has(room.roomId) ?? false)) return false;
  // not_tags wins over tags.
  if (f.notTags && room.tags.some((t) => f.notTags?.includes(t))) return false;
  if (f.tags && !room.tags.some((t) => f.tags?.includes(t))) return false;
  return true;
}

export function inRanges(index: number, ranges: ReadonlyArray<readonly [number, number]> | undefined): boolean {
  if (!ranges) return true;
  return ranges.some(([a, b]) => index >= a && index <= b);
}

/** One list's result: its count (ignoring ranges), and the rooms inside its ranges, in order. */
export function windowOf<T extends ListedRoom>(
  ordered: readonly T[],
  filters: ListFilters,
  ranges: ReadonlyArray<readonly [number, number]> | undefined,
  spaceChildren?: ReadonlySet<string>,
): { count: number; rooms: T[] } {
  const matching = ordered.filter((r) => matchesFilters(r, filters, spaceChildren));
  return { count: matching.length, rooms: matching.filter((_, i) => inRanges(i, ranges)) };
}
