import type { JsonObject, JsonValue } from "../../../protocol/json.js";

/** One waiting gateway request: a notification for some of the user's pushers on one gateway URL. */
export interface QueuedPush {
  id: number;
  url: string;
  /** The notification without its devices (protocol/push/notification.ts). */
  notification: JsonObject;
  /** [app_id, pushkey] of the pushers it goes to; those deleted meanwhile are skipped. */
  pushers: Array<[string, string]>;
  /** The matched rule's tweaks; undefined for a badge update. */
  tweaks?: Record<string, JsonValue>;
  createdTs: number;
  failures: number;
}

interface QueueRow extends Record<string, SqlStorageValue> {
  id: number;
  url: string;
  notification: string;
  pushers: string;
  tweaks: string | null;
  created_ts: number;
  failures: number;
}

/** The user's outgoing push queue (table `push_queue`); this store is its only writer. */
export class PushQueueStore {
  constructor(private readonly sql: SqlStorage) {}

  add(url: string, notification: JsonObject, pushers: Array<[string, string]>, tweaks: Record<string, JsonValue> | undefined, nowMs: number): void {
    this.sql.exec(
      "INSERT INTO push_queue (url, notification, pushers, tweaks, created_ts, next_attempt_ts) VALUES (?, ?, ?, ?, ?, ?)",
      url,
      JSON.stringify(notification),
      JSON.stringify(pushers),
      tweaks === undefined ? null : JSON.stringify(tweaks),
      nowMs,
      nowMs,
    );
  }

  /** The requests due at `nowMs`, oldest first, at most `limit`. */
  due(nowMs: number, limit: number): QueuedPush[] {
    return this.sql
      .exec<QueueRow>("SELECT * FROM push_queue WHERE next_attempt_ts <= ? ORDER BY id LIMIT ?", nowMs, limit)
      .toArray()
      .map((r) => {
        const q: QueuedPush = {
          id: r.id,
          url: r.url,
          notification: JSON.parse(r.notification) as JsonObject,
          pushers: JSON.parse(r.pushers) as Array<[string, string]>,
          createdTs: r.created_ts,
          failures: r.failures,
        };
        if (r.tweaks !== null) q.tweaks = JSON.parse(r.tweaks) as Record<string, JsonValue>;
        return q;
      });
  }

  /** When the next request is due, if any is waiting. */
  nextDue(): number | undefined {
    return this.sql.exec<{ t: number | null }>("SELECT MIN(next_attempt_ts) AS t FROM push_queue").one().t ?? undefined;
  }

  remove(id: number): void {
    this.sql.exec("DELETE FROM push_queue WHERE id = ?", id);
  }

  /** A failed attempt: tried again at `nextMs`. */
  retryAt(id: number, failures: number, nextMs: number): void {
    this.sql.exec("UPDATE push_queue SET failures = ?, next_attempt_ts = ? WHERE id = ?", failures, nextMs, id);
  }
}
