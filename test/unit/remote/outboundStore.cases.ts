/**
 * OutboundStore (durable-objects/remote/outboundStore.ts) with the queue logic over it
 * (remote/outboundQueue.ts), run inside workerd by test/unit/stores.test.ts.
 */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { REMOTE_MIGRATIONS } from "../../../schema/remote.js";
import { OutboundStore } from "../../../durable-objects/remote/outboundStore.js";
import { MAX_EDUS_PER_TXN, MAX_PDUS_PER_TXN, nextTxn } from "../../../durable-objects/remote/outboundQueue.js";
import type { JsonObject } from "../../../protocol/json.js";

function freshStore(sql: SqlStorage): OutboundStore {
  migrate(sql, REMOTE_MIGRATIONS);
  return new OutboundStore(sql);
}

const pdu = (n: number): JsonObject => ({ event_id: `$${n}` });
const edu = (n: number): JsonObject => ({ edu_type: "m.typing", content: { n } });

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "queued items come out in arrival order, as queued"(sql) {
    const store = freshStore(sql);
    store.enqueuePdus([pdu(1), pdu(2)]);
    store.enqueueEdus([edu(1)]);
    store.enqueuePdus([pdu(3)]);
    assert.deepEqual(store.headPdus(10).map((i) => i.json), [pdu(1), pdu(2), pdu(3)]);
    assert.deepEqual(store.headEdus(10).map((i) => i.json), [edu(1)]);
    assert.deepEqual(store.headPdus(2).map((i) => i.json), [pdu(1), pdu(2)]);
    assert.deepEqual(store.lengths(), { pdus: 3, edus: 1 });
  },

  "a transaction takes at most 50 PDUs and 100 EDUs from the head of the queue"(sql) {
    const store = freshStore(sql);
    store.enqueuePdus(Array.from({ length: MAX_PDUS_PER_TXN + 5 }, (_, i) => pdu(i)));
    store.enqueueEdus(Array.from({ length: MAX_EDUS_PER_TXN + 1 }, (_, i) => edu(i)));
    const txn = nextTxn(store, "me.example");
    assert.ok(txn);
    assert.equal(txn.body.origin, "me.example");
    const pdus = txn.body.pdus as JsonObject[];
    const edus = txn.body.edus as JsonObject[];
    assert.equal(pdus.length, MAX_PDUS_PER_TXN);
    assert.equal(edus.length, MAX_EDUS_PER_TXN);
    assert.deepEqual(pdus[0], pdu(0));
    assert.deepEqual(pdus[MAX_PDUS_PER_TXN - 1], pdu(MAX_PDUS_PER_TXN - 1));
  },

  "the transaction in flight is resent unchanged until it is sent, then the queue moves on"(sql) {
    const store = freshStore(sql);
    assert.equal(nextTxn(store, "me.example"), undefined, "nothing queued");
    store.enqueuePdus([pdu(1), pdu(2)]);
    const first = nextTxn(store, "me.example");
    assert.ok(first);
    assert.equal(store.inFlightTxnId(), first.txnId);
    // Items queued meanwhile wait for the next transaction; a retry gets the same one.
    store.enqueuePdus([pdu(3)]);
    store.enqueueEdus([edu(1)]);
    assert.deepEqual(nextTxn(store, "me.example"), first);
    assert.deepEqual(store.inFlight(), first);

    store.removeSent(first);
    assert.equal(store.inFlightTxnId(), undefined);
    assert.deepEqual(store.lengths(), { pdus: 1, edus: 1 });
    const second = nextTxn(store, "me.example");
    assert.ok(second);
    assert.notEqual(second.txnId, first.txnId);
    assert.deepEqual(second.body.pdus, [pdu(3)]);
    assert.deepEqual(second.body.edus, [edu(1)]);

    store.removeSent(second);
    assert.deepEqual(store.lengths(), { pdus: 0, edus: 0 });
    assert.equal(nextTxn(store, "me.example"), undefined);
  },
};
