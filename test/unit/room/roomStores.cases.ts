/**
 * The small room stores (durable-objects/room/{room,outbox,txn,receipt}Store.ts), run inside
 * workerd by test/unit/stores.test.ts.
 */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { ROOM_MIGRATIONS } from "../../../schema/room.js";
import { RoomStore } from "../../../durable-objects/room/roomStore.js";
import { OutboxStore } from "../../../durable-objects/room/outboxStore.js";
import { TxnStore } from "../../../durable-objects/room/txnStore.js";
import { ReceiptStore } from "../../../durable-objects/room/receiptStore.js";

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "a room has no metadata until created, then one row that tracks its state group and index"(sql) {
    migrate(sql, ROOM_MIGRATIONS);
    const room = new RoomStore(sql);
    assert.equal(room.meta(), undefined);
    room.create("!r:x", "10", 1000);
    assert.deepEqual({ ...room.meta() }, { room_id: "!r:x", room_version: "10", state_group: null });
    assert.throws(() => room.create("!other:x", "10", 1000), "a second room never replaces the first");
    room.setStateGroup(7);
    assert.equal(room.meta()?.state_group, 7);
    assert.equal(room.indexedUpto(), 0);
    room.setIndexedUpto(42);
    assert.equal(room.indexedUpto(), 42);
  },

  "the outbox hands out the oldest events first and forgets what was delivered"(sql) {
    migrate(sql, ROOM_MIGRATIONS);
    const outbox = new OutboxStore(sql);
    assert.equal(outbox.hasPending(), false);
    for (const o of [5, 2, 9, 7]) outbox.add(o);
    assert.deepEqual(outbox.next(3), [2, 5, 7]);
    assert.equal(outbox.hasPending(1), false, "nothing at or below 1 waits");
    assert.equal(outbox.hasPending(2), true);
    outbox.deliveredUpto(5);
    assert.deepEqual(outbox.next(10), [7, 9]);
    assert.equal(outbox.hasPending(6), false);
    outbox.deliveredUpto(9);
    assert.equal(outbox.hasPending(), false);
  },

  "a transaction ID names one event per user and device, and the first one stays"(sql) {
    migrate(sql, ROOM_MIGRATIONS);
    const txns = new TxnStore(sql);
    txns.record("@a:x", "DEV", "t1", "$first");
    txns.record("@a:x", "DEV", "t1", "$retry");
    assert.equal(txns.eventFor("@a:x", "DEV", "t1"), "$first");
    assert.equal(txns.eventFor("@a:x", "OTHER", "t1"), undefined, "another device's t1 is another transaction");
    assert.equal(txns.eventFor("@b:x", "DEV", "t1"), undefined);
  },

  "a user's receipt of a type and thread replaces the previous one"(sql) {
    migrate(sql, ROOM_MIGRATIONS);
    const receipts = new ReceiptStore(sql);
    receipts.put("@a:x", "m.read", "", "$1", 10);
    receipts.put("@a:x", "m.read", "", "$2", 20);
    receipts.put("@a:x", "m.read", "$root", "$3", 30);
    // The table is written here and read by nothing else yet: look at it directly.
    const rows = sql.exec<{ thread_id: string; event_id: string; ts: number }>("SELECT thread_id, event_id, ts FROM receipts ORDER BY thread_id").toArray();
    assert.deepEqual(rows.map((r) => ({ ...r })), [
      { thread_id: "", event_id: "$2", ts: 20 },
      { thread_id: "$root", event_id: "$3", ts: 30 },
    ]);
  },
};
