/**
 * The `txns` table: client transaction IDs per user and device, so a retried
 * PUT /rooms/{roomId}/send/{eventType}/{txnId} answers with the event it already sent.
 */
export class TxnStore {
  constructor(private sql: SqlStorage) {}

  eventFor(userId: string, deviceId: string, txnId: string): string | undefined {
    return this.sql
      .exec<{ event_id: string }>("SELECT event_id FROM txns WHERE user_id = ? AND device_id = ? AND txn_id = ?", userId, deviceId, txnId)
      .toArray()[0]?.event_id;
  }

  record(userId: string, deviceId: string, txnId: string, eventId: string): void {
    this.sql.exec("INSERT OR IGNORE INTO txns (user_id, device_id, txn_id, event_id) VALUES (?, ?, ?, ?)", userId, deviceId, txnId, eventId);
  }
}
