/**
 * AppServiceDO's transactions (spec: application-service-api "Pushing events"): events wait in
 * SQLite in arrival order and leave in transactions of at most MAX_EVENTS_PER_TXN (Synapse's
 * limit). The transaction in flight is stored with its ID and body, so a retry — even after a
 * restart — resends the very same transaction, which the service de-duplicates by its ID.
 */
import type { AppServiceTxn, TransactionStore } from "./transactionStore.js";

export const MAX_EVENTS_PER_TXN = 100;

/** The transaction in flight, or a new one from the head of the queue; undefined when idle. */
export function nextAppServiceTxn(store: TransactionStore): AppServiceTxn | undefined {
  const existing = store.inFlight();
  if (existing) return existing;
  const events = store.head(MAX_EVENTS_PER_TXN);
  if (events.length === 0) return undefined;
  // IDs count up per service (as Synapse's): unique for the service's de-duplication, and
  // readable in its logs.
  const txnId = String(Number(store.get("last_txn") ?? "0") + 1);
  store.set("last_txn", txnId);
  const txn: AppServiceTxn = { txnId, body: { events: events.map((e) => e.json) }, lastSeq: events[events.length - 1].seq };
  store.setInFlight(txn);
  return txn;
}
