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
    assert.deepEqual([...store.sentBy("DEV", "!r:x", 9)], []);
    assert.deepEqual([...store.sentBy("DEV", "!r:x", 10)], [["@b:x", "$b1"]]);
    assert.deepEqual([...store.sentBy("OTHER", "!r:x", 10)], []);
    assert.deepEqual([...store.sentBy("DEV", "!s:x", 10)], []);
  },

  "the same event sent again keeps its earliest token; a changed membership takes the new one"(sql) {
    const store = freshStore(sql);
    store.record("DEV", "!r:x", new Map([["@b:x", "$b1"]]), 10);
    store.record("DEV", "!r:x", new Map([["@b:x", "$b1"]]), 20);
    assert.deepEqual([...store.sentBy("DEV", "!r:x", 10)], [["@b:x", "$b1"]]);
    store.record("DEV", "!r:x", new Map([["@b:x", "$b2"]]), 30);
    assert.deepEqual([...store.sentBy("DEV", "!r:x", 29)], []);
    assert.deepEqual([...store.sentBy("DEV", "!r:x", 30)], [["@b:x", "$b2"]]);
  },

  "an initial sync forgets what the device was sent"(sql) {
    const store = freshStore(sql);
    store.record("DEV", "!r:x", new Map([["@b:x", "$b1"]]), 10);
    store.record("OTHER", "!r:x", new Map([["@b:x", "$b1"]]), 10);
    store.forget("DEV");
    assert.deepEqual([...store.sentBy("DEV", "!r:x", 100)], []);
    assert.deepEqual([...store.sentBy("OTHER", "!r:x", 100)], [["@b:x", "$b1"]]);
  },
};
