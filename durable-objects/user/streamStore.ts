import type { JsonObject } from "../../protocol/json.js";
import type { ClientEvent } from "../../protocol/clientEvent.js";

/**
 * The user's stream (table `stream`): one row per thing the user should learn about, in the
 * order they learn it; `pos` is the sync token's inner form. This store is its only writer.
 */

/** What a stream row of kind 'event' holds: the event, and the sender's transaction when it was this user's. */
export interface StoredTimelineEvent {
  event: ClientEvent;
  txn?: { deviceId: string; txnId: string };
}

/** A room event of the stream, as /sync's timeline reads it. */
export interface StreamEvent {
  pos: number;
  /** The event's ordering in its room (for prev_batch tokens). */
  roomOrdering: number | null;
  stored: StoredTimelineEvent;
}

export class StreamStore {
  constructor(private readonly sql: SqlStorage) {}

  /** Appends one entry; `notify`/`highlight` are the push-rule outcome (room events only). Returns its position. */
  append(kind: string, roomId: string | null, eventId: string | null, data: unknown, roomOrdering: number | null, notify: number, highlight: number): number {
    const row = this.sql
      .exec<{ pos: number }>(
        "INSERT INTO stream (kind, room_id, event_id, room_ordering, json, notify, highlight) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING pos",
        kind,
        roomId,
        eventId,
        roomOrdering,
        JSON.stringify(data),
        notify,
        highlight,
      )
      .one();
    return row.pos;
  }

  /** The stored copy of a redacted event loses its content, so later syncs never show it. */
  redactEvent(roomId: string, redacted: ClientEvent): void {
    this.sql.exec("UPDATE stream SET json = json_set(json, '$.event', json(?)) WHERE room_id = ? AND event_id = ?", JSON.stringify(redacted), roomId, redacted.event_id);
  }

  /** The position of a room event in the stream, if the user has it. */
  posOfEvent(roomId: string, eventId: string): number | undefined {
    return this.sql.exec<{ pos: number }>("SELECT pos FROM stream WHERE room_id = ? AND event_id = ?", roomId, eventId).toArray()[0]?.pos;
  }

  /** The latest position (0 for an empty stream). */
  maxPos(): number {
    return this.sql.exec<{ m: number | null }>("SELECT MAX(pos) AS m FROM stream").one().m ?? 0;
  }

  /** The data of the entries of one kind (not tied to a room) after `since`, oldest first. */
  dataSince(kind: "account_data" | "presence", since: number): JsonObject[] {
    return this.sql
      .exec<{ json: string }>("SELECT json FROM stream WHERE kind = ? AND pos > ? ORDER BY pos", kind, since)
      .toArray()
      .map((r) => JSON.parse(r.json) as JsonObject);
  }

  /** The data of the 'device_list' entries in (from, to], oldest first. */
  deviceListData(from: number, to: number): JsonObject[] {
    const out: JsonObject[] = [];
    for (const r of this.sql.exec<{ json: string }>("SELECT json FROM stream WHERE kind = 'device_list' AND pos > ? AND pos <= ? ORDER BY pos", from, to)) out.push(JSON.parse(r.json) as JsonObject);
    return out;
  }

  /** A room's events in (fromPos, toPos], newest first, at most `limit`. */
  latestRoomEvents(roomId: string, fromPos: number, toPos: number, limit: number): StreamEvent[] {
    return this.sql
      .exec<{ pos: number; room_ordering: number | null; json: string }>(
        "SELECT * FROM stream WHERE room_id = ? AND kind = 'event' AND pos > ? AND pos <= ? ORDER BY pos DESC LIMIT ?",
        roomId,
        fromPos,
        toPos,
        limit,
      )
      .toArray()
      .map((r) => ({ pos: r.pos, roomOrdering: r.room_ordering, stored: JSON.parse(r.json) as StoredTimelineEvent }));
  }

  /** Position of the user's latest own membership event in the room after `after` that is not a join (a leave, kick, ban…), if any. */
  lastDepartureAfter(roomId: string, userId: string, after: number): number | undefined {
    return (
      this.sql
        .exec<{ pos: number | null }>(
          `SELECT MAX(pos) AS pos FROM stream WHERE room_id = ? AND kind = 'event' AND pos > ?
             AND json_extract(json, '$.event.type') = 'm.room.member' AND json_extract(json, '$.event.state_key') = ?
             AND json_extract(json, '$.event.content.membership') IS NOT 'join'`,
          roomId,
          after,
          userId,
        )
        .one().pos ?? undefined
    );
  }

  /** Position of the room's `n`-th latest event in the stream (1: the latest), if it has that many. */
  nthLatestRoomEventPos(roomId: string, n: number): number | undefined {
    return this.sql.exec<{ pos: number }>("SELECT pos FROM stream WHERE room_id = ? AND kind = 'event' ORDER BY pos DESC LIMIT 1 OFFSET ?", roomId, n - 1).toArray()[0]?.pos;
  }

  /**
   * The room events of the stream whose m.relates_to names one of `parentIds`, oldest first
   * (bundled aggregations). INDEXED BY: without statistics SQLite would rather walk the room's
   * whole stream by stream_room for the ORDER BY; the expression matches stream_relates_to's.
   */
  childrenOf(roomId: string, parentIds: string[]): StoredTimelineEvent[] {
    if (parentIds.length === 0) return [];
    return this.sql
      .exec<{ json: string }>(
        `SELECT json FROM stream INDEXED BY stream_relates_to WHERE room_id = ? AND kind = 'event'
           AND json_extract(json, '$.event.content."m.relates_to".event_id') IN (SELECT value FROM json_each(?)) ORDER BY pos`,
        roomId,
        JSON.stringify(parentIds),
      )
      .toArray()
      .map((r) => JSON.parse(r.json) as StoredTimelineEvent);
  }

  /** The data of a room's entries of one kind after `since`, oldest first. */
  roomDataSince(roomId: string, kind: "receipt" | "room_account_data", since: number): JsonObject[] {
    return this.sql
      .exec<{ json: string }>("SELECT json FROM stream WHERE room_id = ? AND kind = ? AND pos > ? ORDER BY pos", roomId, kind, since)
      .toArray()
      .map((r) => JSON.parse(r.json) as JsonObject);
  }

  /** The entries of one room-bound kind after `since`, from every room, oldest first. */
  roomDataAfter(kind: "receipt" | "room_account_data", since: number): Array<{ roomId: string; data: JsonObject }> {
    return this.sql
      .exec<{ room_id: string; json: string }>("SELECT room_id, json FROM stream WHERE kind = ? AND pos > ? AND room_id IS NOT NULL ORDER BY pos", kind, since)
      .toArray()
      .map((r) => ({ roomId: r.room_id, data: JSON.parse(r.json) as JsonObject }));
  }

  /** Unread counts: the push-rule outcomes of the room's events after `readPos`. */
  unreadCounts(roomId: string, readPos: number): { notification_count: number; highlight_count: number } {
    const r = this.sql
      .exec<{ n: number; h: number }>(
        "SELECT COALESCE(SUM(notify), 0) AS n, COALESCE(SUM(highlight), 0) AS h FROM stream WHERE room_id = ? AND kind = 'event' AND pos > ?",
        roomId,
        readPos,
      )
      .one();
    return { notification_count: r.n, highlight_count: r.h };
  }

  /**
   * The badge a phone shows (push gateway counts.unread): the unread notifications of every room
   * the user is joined to, each counted after the user's read position there.
   */
  unreadNotificationsTotal(): number {
    return this.sql
      .exec<{ n: number }>(
        `SELECT COUNT(*) AS n FROM rooms r JOIN stream s INDEXED BY stream_notifying ON s.room_id = r.room_id AND s.pos > r.read_pos AND s.notify = 1
         WHERE r.membership = 'join'`,
      )
      .one().n;
  }
}
