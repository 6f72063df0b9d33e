import type { EventRow } from "./eventStore.js";
import type { SearchableText, SearchOrder, SortKey } from "../../protocol/search/index.js";
import { tieAfter } from "../../protocol/search/index.js";

/**
 * The `event_search` table: an SQLite FTS5 index of the searchable text of the room's events
 * (spec: "Server Side Search"), one row per event whose rowid is the event's stream ordering, with
 * one column per searchable key (body, name, topic). It is written when an accepted event is
 * stored and its row removed when the event is redacted; reads join `events` (read-only).
 */
export type SearchRow = EventRow & { score: number };

/** Events clients may see at all (as eventStore's SHOWN), and not redacted. */
const SHOWN = "e.outlier = 0 AND e.soft_failed = 0 AND e.rejected IS NULL AND e.redacted_by IS NULL";

export class SearchStore {
  constructor(private sql: SqlStorage) {}

  index(ordering: number, text: SearchableText): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO event_search (rowid, body, name, topic) VALUES (?, ?, ?, ?)",
      ordering,
      text.body ?? null,
      text.name ?? null,
      text.topic ?? null,
    );
  }

  remove(ordering: number): void {
    this.sql.exec("DELETE FROM event_search WHERE rowid = ?", ordering);
  }

  /**
   * Up to `limit` matches of the FTS5 expression `match`, best first in `order`, strictly after
   * `after` (a sort key; see protocol/search/resultOrder.ts), among events up to ordering `upTo`. `score` is the negated bm25 (higher
   * is better). Visibility and filters are the caller's: this returns every shown match.
   */
  matches(match: string, order: SearchOrder, roomId: string, after: SortKey | undefined, upTo: number, limit: number): SearchRow[] {
    const primary = order === "rank" ? "s.score" : "e.origin_server_ts";
    const args: (string | number)[] = [match, upTo];
    let cursor = "";
    if (after) {
      const tie = tieAfter(after, roomId);
      const tieSql = "all" in tie ? "1" : "below" in tie ? "e.ordering < ?" : "0";
      cursor = `AND (${primary} < ? OR (${primary} = ? AND ${tieSql}))`;
      args.push(after.primary, after.primary);
      if ("below" in tie) args.push(tie.below);
    }
    args.push(limit);
    return this.sql
      .exec<SearchRow>(
        `SELECT e.*, s.score FROM (SELECT rowid AS ordering, -bm25(event_search) AS score FROM event_search WHERE event_search MATCH ? AND rowid <= ?) s
           JOIN events e ON e.ordering = s.ordering
          WHERE ${SHOWN} ${cursor}
          ORDER BY ${primary} DESC, e.ordering DESC LIMIT ?`,
        ...args,
      )
      .toArray();
  }

  /**
   * How many shown events match, among those with ordering in [`from`, `upTo`] (an estimate for
   * `count`). Only shown events are indexed (storeEvent skips soft-failed ones, a redaction removes
   * its target's row), but the count checks again as `matches` does: it must never reveal what
   * clients are never shown.
   */
  count(match: string, from: number, upTo: number): number {
    return this.sql
      .exec<{ n: number }>(
        `SELECT count(*) AS n FROM (SELECT rowid AS ordering FROM event_search WHERE event_search MATCH ? AND rowid BETWEEN ? AND ?) s
           JOIN events e ON e.ordering = s.ordering
          WHERE ${SHOWN}`,
        match,
        from,
        upTo,
      )
      .one().n;
  }
}
