/**
 * Which member events a lazy-loading /sync has sent to each device (table `lazy_members_sent`),
 * so later syncs skip the redundant ones (spec: "Lazy-loading room members"). Each is recorded
 * with the next_batch of the response that carried it: only once the device syncs from that
 * token or a later one is it known to have the event (a response that never reached the client,
 * or is built twice for one request, does not count). This store is the table's only writer.
 */
export class LazyMembersStore {
  constructor(private readonly sql: SqlStorage) {}

  /** The member events (by user ID) of a room the device had received as of its token `since`. */
  sentBy(deviceId: string, roomId: string, since: number): Map<string, string> {
    const out = new Map<string, string>();
    for (const r of this.sql.exec<{ user_id: string; event_id: string }>(
      "SELECT user_id, event_id FROM lazy_members_sent WHERE device_id = ? AND room_id = ? AND sent_at <= ?",
      deviceId,
      roomId,
      since,
    )) {
      out.set(r.user_id, r.event_id);
    }
    return out;
  }

  /** Notes member events sent in a response whose next_batch is at `sentAt`; an event already noted keeps its earliest token. */
  record(deviceId: string, roomId: string, members: ReadonlyMap<string, string>, sentAt: number): void {
    for (const [userId, eventId] of members) {
      this.sql.exec(
        `INSERT INTO lazy_members_sent (device_id, room_id, user_id, event_id, sent_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (device_id, room_id, user_id) DO UPDATE SET
           sent_at = CASE WHEN event_id = excluded.event_id THEN MIN(sent_at, excluded.sent_at) ELSE excluded.sent_at END,
           event_id = excluded.event_id`,
        deviceId,
        roomId,
        userId,
        eventId,
        sentAt,
      );
    }
  }

  /** A sync without `since` starts over: the device is assumed to remember nothing. */
  forget(deviceId: string): void {
    this.sql.exec("DELETE FROM lazy_members_sent WHERE device_id = ?", deviceId);
  }
}
