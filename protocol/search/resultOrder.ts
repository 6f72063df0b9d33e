/**
 * The order of search results across rooms, and where a page ends.
 *
 * Each result has a sort key (primary, roomId, ordering): `primary` is its rank for
 * order_by=rank (FTS5's bm25 score negated, so higher is better) or its origin_server_ts for
 * order_by=recent; ties go to the lower room ID, then to the later event in the room (its stream
 * ordering, which is per room and so only compared within one). The order is total, so a page can
 * end at any result and the next page starts strictly after it: no result is shown twice or
 * skipped, whatever the rooms return.
 *
 * Ranks from different rooms are each room's own bm25 score (each room indexes its own events, so
 * a word's rarity is measured within the room). They are comparable enough to interleave: a
 * better match of the same words scores higher in any room; a room-local rarity boost is the
 * usual cost of a sharded index.
 */
export type SearchOrder = "rank" | "recent";

export interface SortKey {
  primary: number;
  roomId: string;
  ordering: number;
}

/** Negative when `a` comes before `b` in the results. */
export function compareKeys(a: SortKey, b: SortKey): number {
  if (a.primary !== b.primary) return b.primary - a.primary;
  if (a.roomId !== b.roomId) return a.roomId < b.roomId ? -1 : 1;
  return b.ordering - a.ordering;
}

/**
 * For one room's query: which of its events with primary === cursor.primary come after the
 * cursor — all of them, those with an ordering below `below`, or none.
 */
export function tieAfter(cursor: SortKey, roomId: string): { all: true } | { below: number } | { none: true } {
  if (roomId > cursor.roomId) return { all: true };
  if (roomId === cursor.roomId) return { below: cursor.ordering };
  return { none: true };
}

export interface RoomCandidates<H extends SortKey> {
  /** The room's first results after the cursor, in order, at most `limit`. */
  hits: H[];
  /** Whether the room has more results after these. */
  more: boolean;
  /**
   * Set when the room stopped at its scan budget before finding `limit` results: it looked at
   * every match up to this key (inclusive) and none after it, so results of other rooms beyond it
   * can't be shown yet without skipping ones of this room.
   */
  scannedTo?: SortKey;
}

/**
 * Merges the rooms' candidates into one page of at most `limit` results. Each room sent its first
 * `limit` results after the cursor, or all it found up to its `scannedTo`; so the page's results
 * are exactly the first `limit` of all rooms, cut at the earliest `scannedTo`. `more` says whether
 * any result may be left after them, and `next` is where the next page starts: the page's last
 * result, or the cut when the page ended there (possibly with no result at all).
 */
export function mergeCandidates<H extends SortKey>(rooms: readonly RoomCandidates<H>[], limit: number): { page: H[]; rest: H[]; more: boolean; next: SortKey | undefined } {
  const cut = rooms.reduce<SortKey | undefined>((c, r) => (r.scannedTo && (!c || compareKeys(r.scannedTo, c) < 0) ? r.scannedTo : c), undefined);
  const all = rooms.flatMap((r) => r.hits).sort(compareKeys);
  const shown = cut ? all.filter((h) => compareKeys(h, cut) <= 0) : all;
  const page = shown.slice(0, limit);
  const rest = all.slice(page.length);
  const more = rest.length > 0 || rooms.some((r) => r.more);
  const next = page.length === limit || !cut ? page.at(-1) : cut;
  return { page, rest, more, next: more ? next : undefined };
}
