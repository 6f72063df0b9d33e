/**
 * RemoteDO's outbound queue (spec: "Transactions"): PDUs and EDUs for one destination wait in
 * SQLite in arrival order and leave in transactions of at most 50 PDUs and 100 EDUs. The
 * transaction in flight is stored with its ID and body, so a retry — even after a restart —
 * resends the very same transaction and the receiver's de-duplication makes it idempotent.
 */
import type { JsonObject } from "../../protocol/json.js";

export const MAX_PDUS_PER_TXN = 50;
export const MAX_EDUS_PER_TXN = 100;

export interface PendingTxn {
  txnId: string;
  body: JsonObject;
  lastPdu: number;
  lastEdu: number;
}

export function enqueue(sql: SqlStorage, table: "outbound_pdus" | "outbound_edus", items: JsonObject[]): void {
  for (const item of items) sql.exec(`INSERT INTO ${table} (json) VALUES (?)`, JSON.stringify(item));
}

export function pendingTxn(sql: SqlStorage): PendingTxn | undefined {
  const row = sql
    .exec<{ txn_id: string; body: string; last_pdu: number; last_edu: number }>("SELECT txn_id, body, last_pdu, last_edu FROM outbound_txn WHERE id = 1")
    .toArray()[0];
  return row ? { txnId: row.txn_id, body: JSON.parse(row.body) as JsonObject, lastPdu: row.last_pdu, lastEdu: row.last_edu } : undefined;
}

function newTxnId(): string {
  const rand = crypto.getRandomValues(new Uint8Array(6));
  return `${Date.now().toString(36)}${Array.from(rand, (b) => b.toString(36).padStart(2, "0")).join("")}`;
}

/** The transaction in flight, or a new one from the head of the queue; undefined when idle. */
export function nextTxn(sql: SqlStorage, origin: string): PendingTxn | undefined {
  const existing = pendingTxn(sql);
  if (existing) return existing;
  const pdus = sql.exec<{ seq: number; json: string }>("SELECT seq, json FROM outbound_pdus ORDER BY seq LIMIT ?", MAX_PDUS_PER_TXN).toArray();
  const edus = sql.exec<{ seq: number; json: string }>("SELECT seq, json FROM outbound_edus ORDER BY seq LIMIT ?", MAX_EDUS_PER_TXN).toArray();
  if (pdus.length === 0 && edus.length === 0) return undefined;
  const txn: PendingTxn = {
    txnId: newTxnId(),
    body: {
      origin,
      origin_server_ts: Date.now(),
      pdus: pdus.map((r) => JSON.parse(r.json) as JsonObject),
      edus: edus.map((r) => JSON.parse(r.json) as JsonObject),
    },
    lastPdu: pdus.length ? pdus[pdus.length - 1].seq : 0,
    lastEdu: edus.length ? edus[edus.length - 1].seq : 0,
  };
  sql.exec(
    "INSERT INTO outbound_txn (id, txn_id, body, last_pdu, last_edu) VALUES (1, ?, ?, ?, ?)",
    txn.txnId,
    JSON.stringify(txn.body),
    txn.lastPdu,
    txn.lastEdu,
  );
  return txn;
}

/** The transaction was accepted (or rejected for good): its PDUs and EDUs leave the queue. */
export function completeTxn(sql: SqlStorage, txn: PendingTxn): void {
  sql.exec("DELETE FROM outbound_pdus WHERE seq <= ?", txn.lastPdu);
  sql.exec("DELETE FROM outbound_edus WHERE seq <= ?", txn.lastEdu);
  sql.exec("DELETE FROM outbound_txn WHERE id = 1");
}

export function queueLength(sql: SqlStorage): { pdus: number; edus: number } {
  const pdus = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbound_pdus").one().n;
  const edus = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbound_edus").one().n;
  return { pdus, edus };
}

/** Backoff after `failures` consecutive failures: 1 s, 2 s, 4 s … capped at one hour. */
export function backoffMs(failures: number): number {
  return Math.min(3600_000, 1000 * 2 ** Math.max(0, Math.min(failures - 1, 22)));
}
