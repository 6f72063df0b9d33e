/** EventIndexStore (durable-objects/server/eventIndexStore.ts), run inside workerd by test/unit/stores.test.ts. */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { SERVER_MIGRATIONS } from "../../../schema/server.js";
import { EventIndexStore } from "../../../durable-objects/server/eventIndexStore.js";

function freshStore(sql: SqlStorage): EventIndexStore {
  migrate(sql, SERVER_MIGRATIONS);
  return new EventIndexStore(sql);
}

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "indexed events name their room; unknown events name none"(sql) {
    const store = freshStore(sql);
    store.index("!r1:x", ["$a", "$b"]);
    store.index("!r2:x", ["$c"]);
    assert.equal(store.roomOf("$a"), "!r1:x");
    assert.equal(store.roomOf("$b"), "!r1:x");
    assert.equal(store.roomOf("$c"), "!r2:x");
    assert.equal(store.roomOf("$nope"), null);
  },

  "indexing an event again, even under another room, keeps its first room"(sql) {
    const store = freshStore(sql);
    store.index("!r1:x", ["$a"]);
    store.index("!r1:x", ["$a", "$b"]);
    store.index("!evil:y", ["$a"]);
    assert.equal(store.roomOf("$a"), "!r1:x");
    assert.equal(store.roomOf("$b"), "!r1:x");
    store.index("!r1:x", []); // nothing to index: no statement, no error
    assert.equal(store.roomOf("$a"), "!r1:x");
  },
};
