/** IDs of the transactions a remote server sent us (table inbound_txns), for de-duplication. */
export class InboundTxnStore {
  constructor(private sql: SqlStorage) {}

  /** True the first time `txnId` is claimed; IDs older than `ttlMs` are forgotten on the way. */
  claim(txnId: string, now: number, ttlMs: number): boolean {
    this.sql.exec("DELETE FROM inbound_txns WHERE received_ts < ?", now - ttlMs);
    const rows = this.sql.exec("INSERT INTO inbound_txns (txn_id, received_ts) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING txn_id", txnId, now).toArray();
    return rows.length > 0;
  }

  /** Forgets a claim, so the same transaction can be claimed again. */
  release(txnId: string): void {
    this.sql.exec("DELETE FROM inbound_txns WHERE txn_id = ?", txnId);
  }
}
