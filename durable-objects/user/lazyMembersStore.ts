/**
 * Which member events a lazy-loading /sync has sent to each device (table `lazy_members_sent`),
 * so later syncs skip the redundant ones (spec: "Lazy-loading room members"). Each is recorded
 * with the next_batch of the response that carried it, unconfirmed; only when the device syncs
 * from exactly that token is the response known to have reached it (confirm). A later token does
 * not prove it: a client that lost a response retries from the older token, and the retry's own
 * next_batch is past the lost one's. This store is the table's only writer.
 */

/** sent_at of a confirmed row: below any stream position, so MIN() in record keeps it confirmed. */
const CONFIRMED = -1;

export class LazyMembersStore {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * The device syncs from `since`: what the response with that next_batch carried has reached it.
   * Other unconfirmed rows are from responses it did not continue from, so they are dropped (at
   * worst a member is sent twice, never missed).
   */
  confirm(deviceId: string, since: number): void {
    this.sql.exec("UPDATE lazy_members_sent SET sent_at = ? WHERE device_id = ? AND sent_at = ?", CONFIRMED, deviceId, since);
    this.sql.exec("DELETE FROM lazy_members_sent WHERE device_id = ? AND sent_at <> ?", deviceId, CONFIRMED);
  }

  /** The member events (by user ID) of a room the device is known to have (after confirm). */
  sentBy(deviceId: string, roomId: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const r of this.sql.exec<{ user_id: string; event_id: string }>(
      "SELECT user_id, event_id FROM lazy_members_sent WHERE device_id = ? AND room_id = ? AND sent_at = ?",
      deviceId,
      roomId,
      CONFIRMED,
    )) {
      out.set(r.user_id, r.event_id);
    }
    return out;
  }

  /** Notes member events sent in a response whose next_batch is at `sentAt`; an event the device already has stays confirmed. */
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

  /** After devices are deleted: what they were sent goes with them. */
  dropGoneDevices(): void {
    this.sql.exec("DELETE FROM lazy_members_sent WHERE device_id NOT IN (SELECT device_id FROM devices)");
  }
}
