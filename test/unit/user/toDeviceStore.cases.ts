/** ToDeviceStore (durable-objects/user/toDeviceStore.ts), run inside workerd by test/unit/stores.test.ts. */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { USER_MIGRATIONS } from "../../../schema/user.js";
import { ToDeviceStore } from "../../../durable-objects/user/toDeviceStore.js";

function freshStore(sql: SqlStorage): ToDeviceStore {
  migrate(sql, USER_MIGRATIONS);
  return new ToDeviceStore(sql);
}

const msg = (n: number) => JSON.stringify({ sender: "@s:x", type: "m.test", content: { n } });

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "each device reads its own inbox in order, from a position, in batches"(sql) {
    const inbox = freshStore(sql);
    for (let n = 0; n < 5; n++) inbox.add("A", msg(n));
    inbox.add("B", msg(99));
    const all = inbox.batch("A", 0, 10);
    assert.deepEqual(all.map((m) => (m.event.content as { n: number }).n), [0, 1, 2, 3, 4]);
    assert.deepEqual(inbox.batch("A", all[1].pos, 2).map((m) => m.pos), [all[2].pos, all[3].pos]);
    assert.deepEqual(inbox.batch("B", 0, 100).map((m) => m.event), [{ sender: "@s:x", type: "m.test", content: { n: 99 } }]);
  },

  "a batch of 100 (as /sync takes) holds at most 100 messages"(sql) {
    const inbox = freshStore(sql);
    for (let n = 0; n < 105; n++) inbox.add("A", msg(n));
    const first = inbox.batch("A", 0, 100);
    assert.equal(first.length, 100);
    assert.equal(inbox.batch("A", first[99].pos, 100).length, 5);
  },

  "acknowledged messages go; deleting an inbox empties only that device's"(sql) {
    const inbox = freshStore(sql);
    for (let n = 0; n < 3; n++) inbox.add("A", msg(n));
    inbox.add("B", msg(9));
    const [a0, a1, a2] = inbox.batch("A", 0, 10);
    inbox.deleteUpTo("A", a1.pos);
    assert.deepEqual(inbox.batch("A", 0, 10).map((m) => m.pos), [a2.pos]);
    assert.ok(a0.pos < a1.pos);
    inbox.deleteInbox("A");
    assert.deepEqual(inbox.batch("A", 0, 10), []);
    assert.equal(inbox.batch("B", 0, 10).length, 1);
  },

  "a transaction ID is seen once recorded, per device"(sql) {
    const inbox = freshStore(sql);
    assert.equal(inbox.txnSeen("A", "t1"), false);
    inbox.recordTxn("A", "t1");
    inbox.recordTxn("A", "t1");
    assert.equal(inbox.txnSeen("A", "t1"), true);
    assert.equal(inbox.txnSeen("B", "t1"), false);
  },
};
