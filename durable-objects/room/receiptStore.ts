/** The `receipts` table: each user's latest receipt per type and thread. */

export type ReceiptRow = {
  user_id: string;
  receipt_type: string;
  /** "" for an unthreaded receipt. */
  thread_id: string;
  event_id: string;
  ts: number;
};

export class ReceiptStore {
  constructor(private sql: SqlStorage) {}

  /** The latest receipts (each user's per type and thread), newest first, at most `limit`. */
  latest(limit: number): ReceiptRow[] {
    return this.sql.exec<ReceiptRow>("SELECT user_id, receipt_type, thread_id, event_id, ts FROM receipts ORDER BY ts DESC LIMIT ?", limit).toArray();
  }

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
