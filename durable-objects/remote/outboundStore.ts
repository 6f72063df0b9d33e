/**
 * RemoteDO's outbound queue (tables outbound_pdus, outbound_edus, outbound_txn): PDUs and EDUs in
 * arrival order, and the one transaction in flight with the queue rows it covers.
 */
import type { JsonObject } from "../../protocol/json.js";

export interface PendingTxn {
  txnId: string;
  body: JsonObject;
  /** The last queue rows (seq) the transaction covers; 0 for none. */
  lastPdu: number;
  lastEdu: number;
}

export interface QueuedItem {
  seq: number;
  json: JsonObject;
}

export class OutboundStore {
  constructor(private sql: SqlStorage) {}

  enqueuePdus(pdus: JsonObject[]): void {
    this.enqueue("outbound_pdus", pdus);
  }

  enqueueEdus(edus: JsonObject[]): void {
    this.enqueue("outbound_edus", edus);
  }

  private enqueue(table: "outbound_pdus" | "outbound_edus", items: JsonObject[]): void {
    for (const item of items) this.sql.exec(`INSERT INTO ${table} (json) VALUES (?)`, JSON.stringify(item));
  }

  /** The transaction in flight, if any. */
  inFlight(): PendingTxn | undefined {
    const row = this.sql
      .exec<{ txn_id: string; body: string; last_pdu: number; last_edu: number }>("SELECT txn_id, body, last_pdu, last_edu FROM outbound_txn WHERE id = 1")
      .toArray()[0];
    return row ? { txnId: row.txn_id, body: JSON.parse(row.body) as JsonObject, lastPdu: row.last_pdu, lastEdu: row.last_edu } : undefined;
  }

  inFlightTxnId(): string | undefined {
    return this.sql.exec<{ txn_id: string }>("SELECT txn_id FROM outbound_txn").toArray()[0]?.txn_id;
  }

  /** The first `limit` queued PDUs, oldest first. */
  headPdus(limit: number): QueuedItem[] {
    return this.head("outbound_pdus", limit);
  }

  /** The first `limit` queued EDUs, oldest first. */
  headEdus(limit: number): QueuedItem[] {
    return this.head("outbound_edus", limit);
  }

  private head(table: "outbound_pdus" | "outbound_edus", limit: number): QueuedItem[] {
    return this.sql
      .exec<{ seq: number; json: string }>(`SELECT seq, json FROM ${table} ORDER BY seq LIMIT ?`, limit)
      .toArray()
      .map((r) => ({ seq: r.seq, json: JSON.parse(r.json) as JsonObject }));
  }

  /** Records `txn` as the transaction in flight; there must be none already (id is always 1). */
  setInFlight(txn: PendingTxn): void {
    this.sql.exec(
      "INSERT INTO outbound_txn (id, txn_id, body, last_pdu, last_edu) VALUES (1, ?, ?, ?, ?)",
      txn.txnId,
      JSON.stringify(txn.body),
      txn.lastPdu,
      txn.lastEdu,
    );
  }

  /** The transaction left for good: its PDUs and EDUs leave the queue and nothing is in flight. */
  removeSent(txn: PendingTxn): void {
    this.sql.exec("DELETE FROM outbound_pdus WHERE seq <= ?", txn.lastPdu);
    this.sql.exec("DELETE FROM outbound_edus WHERE seq <= ?", txn.lastEdu);
    this.sql.exec("DELETE FROM outbound_txn WHERE id = 1");
  }

  lengths(): { pdus: number; edus: number } {
    const pdus = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbound_pdus").one().n;
    const edus = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbound_edus").one().n;
    return { pdus, edus };
  }
}
