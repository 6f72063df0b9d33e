import type { StoredTimelineEvent } from "../streamStore.js";
import type { PushAction } from "../../../protocol/pushRules/index.js";

/** One notified event as GET /notifications lists it. */
export interface NotificationEntry {
  pos: number;
  roomId: string;
  actions: PushAction[];
  ts: number;
  /** The user's read position in the room (the event is read when pos <= readPos). */
  readPos: number;
  stored: StoredTimelineEvent;
}

interface EntryRow extends Record<string, SqlStorageValue> {
  pos: number;
  room_id: string;
  actions: string;
  ts: number;
  read_pos: number | null;
  json: string;
}

/**
 * The events the user was notified about (table `notifications`), keyed by their stream position;
 * the event itself stays in the stream, so a redaction there shows here too.
 */
export class NotificationStore {
  constructor(private readonly sql: SqlStorage) {}

  add(pos: number, roomId: string, actions: PushAction[], highlight: boolean, ts: number): void {
    this.sql.exec("INSERT OR IGNORE INTO notifications (pos, room_id, actions, highlight, ts) VALUES (?, ?, ?, ?, ?)", pos, roomId, JSON.stringify(actions), highlight ? 1 : 0, ts);
  }

  /** Newest first, before stream position `before`, at most `limit`; only highlights when asked. */
  page(before: number, limit: number, onlyHighlight: boolean): NotificationEntry[] {
    return this.sql
      .exec<EntryRow>(
        `SELECT n.pos, n.room_id, n.actions, n.ts, r.read_pos, s.json FROM notifications n
         JOIN stream s ON s.pos = n.pos LEFT JOIN rooms r ON r.room_id = n.room_id
         WHERE n.pos < ? ${onlyHighlight ? "AND n.highlight = 1" : ""} ORDER BY n.pos DESC LIMIT ?`,
        before,
        limit,
      )
      .toArray()
      .map((r) => ({
        pos: r.pos,
        roomId: r.room_id,
        actions: JSON.parse(r.actions) as PushAction[],
        ts: r.ts,
        readPos: r.read_pos ?? 0,
        stored: JSON.parse(r.json) as StoredTimelineEvent,
      }));
  }
}
