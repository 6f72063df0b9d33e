/** LazyMembersStore (durable-objects/user/lazyMembersStore.ts), run inside workerd by test/unit/stores.test.ts. */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { USER_MIGRATIONS } from "../../../schema/user.js";
import { LazyMembersStore } from "../../../durable-objects/user/lazyMembersStore.js";

function freshStore(sql: SqlStorage): LazyMembersStore {
  migrate(sql, USER_MIGRATIONS);
  return new LazyMembersStore(sql);
}

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "a member event counts as received once the device syncs from the token of the response that carried it"(sql) {
    const store = freshStore(sql);
    store.record("DEV", "!r:x", new Map([["@b:x", "$b1"]]), 10);
    assert.deepEqual([...store.sentBy("DEV", "!r:x")], [], "not before the device syncs from 10");
    store.confirm("DEV", 10);
    assert.deepEqual([...store.sentBy("DEV", "!r:x")], [["@b:x", "$b1"]]);
    assert.deepEqual([...store.sentBy("OTHER", "!r:x")], []);
    assert.deepEqual([...store.sentBy("DEV", "!s:x")], []);
  },

  "a later token does not confirm a response the device never continued from (it retried from an older one)"(sql) {
    const store = freshStore(sql);
    store.record("DEV", "!r:x", new Map([["@b:x", "$b1"]]), 10); // answer from 5, lost
    store.confirm("DEV", 5); // the retry from 5
    store.record("DEV", "!r:x", new Map([["@c:x", "$c1"]]), 12); // its answer, which arrives
    store.confirm("DEV", 12);
    assert.deepEqual([...store.sentBy("DEV", "!r:x")], [["@c:x", "$c1"]]);
  },

  "the same event sent again stays confirmed; a changed membership is unconfirmed until its response is"(sql) {
    const store = freshStore(sql);
    store.record("DEV", "!r:x", new Map([["@b:x", "$b1"]]), 10);
    store.confirm("DEV", 10);
    store.record("DEV", "!r:x", new Map([["@b:x", "$b1"]]), 20);
    store.confirm("DEV", 25);
    assert.deepEqual([...store.sentBy("DEV", "!r:x")], [["@b:x", "$b1"]]);
    store.record("DEV", "!r:x", new Map([["@b:x", "$b2"]]), 30);
    assert.deepEqual([...store.sentBy("DEV", "!r:x")], []);
    store.confirm("DEV", 30);
    assert.deepEqual([...store.sentBy("DEV", "!r:x")], [["@b:x", "$b2"]]);
  },

  "an initial sync forgets what the device was sent"(sql) {
    const store = freshStore(sql);
    store.record("DEV", "!r:x", new Map([["@b:x", "$b1"]]), 10);
    store.record("OTHER", "!r:x", new Map([["@b:x", "$b1"]]), 10);
    store.confirm("DEV", 10);
    store.confirm("OTHER", 10);
    store.forget("DEV");
    assert.deepEqual([...store.sentBy("DEV", "!r:x")], []);
    assert.deepEqual([...store.sentBy("OTHER", "!r:x")], [["@b:x", "$b1"]]);
  },

  "a deleted device's rows go with it"(sql) {
    const store = freshStore(sql);
    sql.exec("INSERT INTO devices (device_id, created_ts) VALUES ('KEPT', 0)");
    store.record("KEPT", "!r:x", new Map([["@b:x", "$b1"]]), 10);
    store.record("GONE", "!r:x", new Map([["@b:x", "$b1"]]), 10);
    store.dropGoneDevices();
    store.confirm("KEPT", 10);
    store.confirm("GONE", 10);
    assert.deepEqual([...store.sentBy("KEPT", "!r:x")], [["@b:x", "$b1"]]);
    assert.deepEqual([...store.sentBy("GONE", "!r:x")], []);
  },
};
