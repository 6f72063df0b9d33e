/**
 * RemoteDO's outbound queue (spec: "Transactions"): PDUs and EDUs for one destination wait in
 * SQLite in arrival order and leave in transactions of at most 50 PDUs and 100 EDUs. The
 * transaction in flight is stored with its ID and body, so a retry — even after a restart —
 * resends the very same transaction and the receiver's de-duplication makes it idempotent.
 */
import type { OutboundStore, PendingTxn } from "./outboundStore.js";

export const MAX_PDUS_PER_TXN = 50;
export const MAX_EDUS_PER_TXN = 100;

function newTxnId(): string {
  const rand = crypto.getRandomValues(new Uint8Array(6));
  return `${Date.now().toString(36)}${Array.from(rand, (b) => b.toString(36).padStart(2, "0")).join("")}`;
}

/** The transaction in flight, or a new one from the head of the queue; undefined when idle. */
export function nextTxn(store: OutboundStore, origin: string): PendingTxn | undefined {
  const existing = store.inFlight();
  if (existing) return existing;
  const pdus = store.headPdus(MAX_PDUS_PER_TXN);
  const edus = store.headEdus(MAX_EDUS_PER_TXN);
  if (pdus.length === 0 && edus.length === 0) return undefined;
  const txn: PendingTxn = {
    txnId: newTxnId(),
    body: {
      origin,
      origin_server_ts: Date.now(),
      pdus: pdus.map((r) => r.json),
      edus: edus.map((r) => r.json),
    },
    lastPdu: pdus.length ? pdus[pdus.length - 1].seq : 0,
    lastEdu: edus.length ? edus[edus.length - 1].seq : 0,
  };
  store.setInFlight(txn);
  return txn;
}
