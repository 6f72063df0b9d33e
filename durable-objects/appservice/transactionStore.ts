/**
 * AppServiceDO's queue (tables queued_events, txn, meta): events in arrival order, the one
 * transaction in flight with the queue rows it covers, and small counters.
 */
import type { JsonObject } from "../../protocol/json.js";

export interface AppServiceTxn {
  txnId: string;
  body: JsonObject;
  /** The last queue row (seq) the transaction covers. */
  lastSeq: number;
}

/** Small facts kept in table meta. */
export type TxnMetaKey =
  /** The service ID, kept for alarms (which run without the name the object was addressed by). */
  | "service_id"
  /** The number of the last transaction created: transaction IDs count up from 1. */
  | "last_txn"
  /** Consecutive failed sends. */
  | "failures"
  /** When the next send is due after a failure (ms since the epoch). */
  | "retry_at";

export class TransactionStore {
  constructor(private sql: SqlStorage) {}

  enqueue(events: JsonObject[]): void {
    for (const e of events) this.sql.exec("INSERT INTO queued_events (json) VALUES (?)", JSON.stringify(e));
  }

  /** The first `limit` queued events, oldest first. */
  head(limit: number): Array<{ seq: number; json: JsonObject }> {
    return this.sql
      .exec<{ seq: number; json: string }>("SELECT seq, json FROM queued_events ORDER BY seq LIMIT ?", limit)
      .toArray()
      .map((r) => ({ seq: r.seq, json: JSON.parse(r.json) as JsonObject }));
  }

  inFlight(): AppServiceTxn | undefined {
    const row = this.sql.exec<{ txn_id: string; body: string; last_seq: number }>("SELECT txn_id, body, last_seq FROM txn WHERE id = 1").toArray()[0];
    return row ? { txnId: row.txn_id, body: JSON.parse(row.body) as JsonObject, lastSeq: row.last_seq } : undefined;
  }

  setInFlight(txn: AppServiceTxn): void {
    this.sql.exec("INSERT INTO txn (id, txn_id, body, last_seq) VALUES (1, ?, ?, ?)", txn.txnId, JSON.stringify(txn.body), txn.lastSeq);
  }

  /** The service acknowledged `txn`: its events leave the queue and nothing is in flight. */
  removeSent(txn: AppServiceTxn): void {
    this.sql.exec("DELETE FROM queued_events WHERE seq <= ?", txn.lastSeq);
    this.sql.exec("DELETE FROM txn WHERE id = 1");
  }

  queued(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM queued_events").one().n;
  }

  get(k: TxnMetaKey): string | undefined {
    return this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = ?", k).toArray()[0]?.v;
  }

  set(k: TxnMetaKey, v: string | undefined): void {
    if (v === undefined) this.sql.exec("DELETE FROM meta WHERE k = ?", k);
    else this.sql.exec("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", k, v);
  }
}
