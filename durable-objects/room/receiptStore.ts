/** The `receipts` table: each user's latest receipt per type and thread. */
export class ReceiptStore {
  constructor(private sql: SqlStorage) {}

  /** Records a user's latest receipt of a type (per thread), replacing the previous one. */
  put(userId: string, receiptType: string, threadId: string, eventId: string, ts: number): void {
    this.sql.exec(
      "INSERT INTO receipts (user_id, receipt_type, thread_id, event_id, ts) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET event_id = excluded.event_id, ts = excluded.ts",
      userId,
      receiptType,
      threadId,
      eventId,
      ts,
    );
  }
}
