import type { JsonObject } from "../../protocol/json.js";

/**
 * Each device's inbox of to-device messages (table `to_device`, spec: send_to_device.md) and the
 * transaction IDs of messages this user's devices sent (table `to_device_txns`). This store is
 * their only writer.
 */

/** A message in a device's inbox: its position (the to-device half of a sync token) and the event. */
export interface InboxMessage {
  pos: number;
  event: JsonObject;
}

export class ToDeviceStore {
  constructor(private readonly sql: SqlStorage) {}

  /** Puts the event (already serialised once for all its recipients) into a device's inbox. */
  add(deviceId: string, eventJson: string): void {
    this.sql.exec("INSERT INTO to_device (device_id, json) VALUES (?, ?)", deviceId, eventJson);
  }

  /** The next messages after `after`, oldest first, at most `limit`. */
  batch(deviceId: string, after: number, limit: number): InboxMessage[] {
    return this.sql
      .exec<{ pos: number; json: string }>("SELECT pos, json FROM to_device WHERE device_id = ? AND pos > ? ORDER BY pos LIMIT ?", deviceId, after, limit)
      .toArray()
      .map((r) => ({ pos: r.pos, event: JSON.parse(r.json) as JsonObject }));
  }

  /** The device has had the messages up to `pos`: they can go. */
  deleteUpTo(deviceId: string, pos: number): void {
    this.sql.exec("DELETE FROM to_device WHERE device_id = ? AND pos <= ?", deviceId, pos);
  }

  /** Empties a deleted device's inbox. */
  deleteInbox(deviceId: string): void {
    this.sql.exec("DELETE FROM to_device WHERE device_id = ?", deviceId);
  }

  txnSeen(deviceId: string, txnId: string): boolean {
    return this.sql.exec("SELECT 1 FROM to_device_txns WHERE device_id = ? AND txn_id = ?", deviceId, txnId).toArray().length > 0;
  }

  recordTxn(deviceId: string, txnId: string): void {
    this.sql.exec("INSERT INTO to_device_txns (device_id, txn_id) VALUES (?, ?) ON CONFLICT DO NOTHING", deviceId, txnId);
  }
}
