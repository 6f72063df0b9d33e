import type { EventRow } from "./eventStore.js";

/**
 * The `relations` table: which event relates to which, and how (spec: "Forming relationships
 * between events", m.relates_to). It is an index over `events`, written when an event is stored;
 * its reads join `events` (read-only) so a parent's children come back in one indexed query.
 */

/** A child of a parent event, without its JSON unless it is an edit (whose content must be checked). */
export type ChildRow = EventRow & { rel_type: string; json: string | null };

/** The rel_types the spec bundles into a parent's unsigned["m.relations"]. */
const AGGREGATED = "('m.thread', 'm.replace', 'm.reference')";
/** Children that count: shown to clients and not redacted (a redaction strips m.relates_to). */
const SHOWN_CHILD = "e.outlier = 0 AND e.soft_failed = 0 AND e.rejected IS NULL AND e.redacted_by IS NULL";

export class RelationStore {
  constructor(private sql: SqlStorage) {}

  record(eventId: string, relatesTo: string, relType: string): void {
    this.sql.exec("INSERT OR IGNORE INTO relations (event_id, relates_to, rel_type) VALUES (?, ?, ?)", eventId, relatesTo, relType);
  }

  /** The children of `parentId` whose rel_types are aggregated, oldest first. */
  aggregatedChildren(parentId: string): ChildRow[] {
    return this.sql
      .exec<ChildRow>(
        `SELECT r.rel_type, e.ordering, e.event_id, e.type, e.state_key, e.sender, e.depth, e.origin_server_ts,
                e.state_group, e.state_group_after, e.outlier, e.soft_failed, e.rejected, e.redacted_by, e.txn_device, e.txn_id,
                CASE WHEN r.rel_type = 'm.replace' THEN e.json ELSE NULL END AS json
         FROM relations r JOIN events e ON e.event_id = r.event_id
         WHERE r.relates_to = ? AND r.rel_type IN ${AGGREGATED} AND ${SHOWN_CHILD}
         ORDER BY e.ordering ASC`,
        parentId,
      )
      .toArray();
  }

  /**
   * Shown children of `parentId` below ordering `before`, newest first, optionally of one
   * rel_type and event type (spec: GET /relations); `limit` rows at most.
   */
  children(parentId: string, relType: string | undefined, eventType: string | undefined, before: number, limit: number): EventRow[] {
    return this.sql
      .exec<EventRow>(
        `SELECT e.* FROM relations r JOIN events e ON e.event_id = r.event_id
         WHERE r.relates_to = ? AND (? IS NULL OR r.rel_type = ?) AND (? IS NULL OR e.type = ?) AND e.ordering < ?
           AND e.outlier = 0 AND e.soft_failed = 0 AND e.rejected IS NULL
         ORDER BY e.ordering DESC LIMIT ?`,
        parentId,
        relType ?? null,
        relType ?? null,
        eventType ?? null,
        eventType ?? null,
        before,
        limit,
      )
      .toArray();
  }

  /**
   * Thread roots by their latest shown reply below ordering `before`, most recent first (spec:
   * GET /threads); with `participatedOnly`, only threads `viewer` started or replied to.
   */
  threadRoots(viewer: string, before: number, participatedOnly: boolean, limit: number): Array<{ root: string; latest: number }> {
    return this.sql
      .exec<{ root: string; latest: number }>(
        `SELECT r.relates_to AS root, MAX(e.ordering) AS latest, MAX(e.sender = ?) AS replied
         FROM relations r JOIN events e ON e.event_id = r.event_id
         WHERE r.rel_type = 'm.thread' AND e.outlier = 0 AND e.soft_failed = 0 AND e.rejected IS NULL AND e.redacted_by IS NULL
         GROUP BY r.relates_to
         HAVING latest < ? AND (? = 0 OR replied = 1 OR EXISTS (SELECT 1 FROM events p WHERE p.event_id = r.relates_to AND p.sender = ?))
         ORDER BY latest DESC LIMIT ?`,
        viewer,
        before,
        participatedOnly ? 1 : 0,
        viewer,
        limit,
      )
      .toArray();
  }
}
