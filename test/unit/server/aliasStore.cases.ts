/** AliasStore (durable-objects/server/aliasStore.ts), run inside workerd by test/unit/stores.test.ts. */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { SERVER_MIGRATIONS } from "../../../schema/server.js";
import { AliasStore } from "../../../durable-objects/server/aliasStore.js";

function freshStore(sql: SqlStorage): AliasStore {
  migrate(sql, SERVER_MIGRATIONS);
  return new AliasStore(sql);
}

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "an alias resolves to its room once created, and no longer once deleted"(sql) {
    const store = freshStore(sql);
    assert.equal(store.roomOf("#a:x"), null);
    assert.equal(store.exists("#a:x"), false);
    assert.equal(store.create("#a:x", "!r:x", "@alice:x", 1000), true);
    assert.equal(store.roomOf("#a:x"), "!r:x");
    assert.equal(store.exists("#a:x"), true);
    assert.deepEqual(store.info("#a:x"), { room_id: "!r:x", creator: "@alice:x" });
    assert.equal(store.delete("#a:x"), "!r:x");
    assert.equal(store.roomOf("#a:x"), null);
    assert.equal(store.info("#a:x"), null);
    assert.equal(store.delete("#a:x"), undefined, "deleting twice finds nothing");
  },

  "creating an alias that exists fails and leaves the first one as it was"(sql) {
    const store = freshStore(sql);
    assert.equal(store.create("#a:x", "!r1:x", "@alice:x", 1000), true);
    assert.equal(store.create("#a:x", "!r2:x", "@bob:x", 2000), false);
    assert.deepEqual(store.info("#a:x"), { room_id: "!r1:x", creator: "@alice:x" });
    // Once deleted, the alias is free again.
    store.delete("#a:x");
    assert.equal(store.create("#a:x", "!r2:x", "@bob:x", 3000), true);
    assert.equal(store.roomOf("#a:x"), "!r2:x");
  },

  "a room's aliases are listed sorted, and only that room's"(sql) {
    const store = freshStore(sql);
    store.create("#c:x", "!r:x", "@a:x", 1);
    store.create("#a:x", "!r:x", "@a:x", 2);
    store.create("#b:x", "!other:x", "@a:x", 3);
    assert.deepEqual(store.aliasesOf("!r:x"), ["#a:x", "#c:x"]);
    assert.deepEqual(store.aliasesOf("!none:x"), []);
  },
};
