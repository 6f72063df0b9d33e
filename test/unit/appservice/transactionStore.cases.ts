/**
 * AppServiceDO's queue (durable-objects/appservice/transactionStore.ts) with the transaction
 * logic over it (appservice/transactionQueue.ts), run inside workerd by test/unit/stores.test.ts.
 */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { APPSERVICE_MIGRATIONS } from "../../../schema/appservice.js";
import { TransactionStore } from "../../../durable-objects/appservice/transactionStore.js";
import { MAX_EVENTS_PER_TXN, nextAppServiceTxn } from "../../../durable-objects/appservice/transactionQueue.js";
import type { JsonObject } from "../../../protocol/json.js";

function freshStore(sql: SqlStorage): TransactionStore {
  migrate(sql, APPSERVICE_MIGRATIONS);
  return new TransactionStore(sql);
}

const ev = (n: number): JsonObject => ({ event_id: `$${n}`, type: "m.room.message" });

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "a transaction takes at most 100 events from the head of the queue, in order"(sql) {
    const store = freshStore(sql);
    store.enqueue(Array.from({ length: MAX_EVENTS_PER_TXN + 3 }, (_, i) => ev(i)));
    const txn = nextAppServiceTxn(store);
    assert.ok(txn);
    const events = txn.body.events as JsonObject[];
    assert.equal(events.length, MAX_EVENTS_PER_TXN);
    assert.deepEqual(events[0], ev(0));
    assert.deepEqual(events[MAX_EVENTS_PER_TXN - 1], ev(MAX_EVENTS_PER_TXN - 1));
    assert.deepEqual(Object.keys(txn.body), ["events"]);
  },

  "the transaction in flight is resent unchanged until acknowledged; IDs count up"(sql) {
    const store = freshStore(sql);
    assert.equal(nextAppServiceTxn(store), undefined, "nothing queued");
    store.enqueue([ev(1), ev(2)]);
    const first = nextAppServiceTxn(store);
    assert.ok(first);
    assert.equal(first.txnId, "1");
    // Events queued meanwhile wait for the next transaction; a retry gets the same one.
    store.enqueue([ev(3)]);
    assert.deepEqual(nextAppServiceTxn(store), first);
    assert.deepEqual(store.inFlight(), first);
    store.removeSent(first);
    assert.equal(store.inFlight(), undefined);
    assert.equal(store.queued(), 1);
    const second = nextAppServiceTxn(store);
    assert.ok(second);
    assert.equal(second.txnId, "2");
    assert.deepEqual(second.body.events, [ev(3)]);
    store.removeSent(second);
    assert.equal(store.queued(), 0);
    assert.equal(nextAppServiceTxn(store), undefined);
  },

  "meta values are set, replaced and deleted"(sql) {
    const store = freshStore(sql);
    store.set("failures", "1");
    store.set("failures", "2");
    assert.equal(store.get("failures"), "2");
    store.set("failures", undefined);
    assert.equal(store.get("failures"), undefined);
  },
};
