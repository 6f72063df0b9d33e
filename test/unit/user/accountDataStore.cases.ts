/** AccountDataStore (durable-objects/user/accountDataStore.ts), run inside workerd by test/unit/stores.test.ts. */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { USER_MIGRATIONS } from "../../../schema/user.js";
import { AccountDataStore } from "../../../durable-objects/user/accountDataStore.js";

function freshStore(sql: SqlStorage): AccountDataStore {
  migrate(sql, USER_MIGRATIONS);
  return new AccountDataStore(sql);
}

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "account data is replaced per (room, type), global and per-room apart (so the ignored user list is the global item only)"(sql) {
    const store = freshStore(sql);
    store.set("", "m.x", { v: 1 });
    store.set("", "m.x", { v: 2 });
    store.set("!r:x", "m.x", { v: 3 });
    assert.deepEqual(store.get("", "m.x"), { v: 2 });
    assert.deepEqual(store.get("!r:x", "m.x"), { v: 3 });
    assert.equal(store.get("!other:x", "m.x"), undefined);
    assert.deepEqual(store.all(""), [{ type: "m.x", content: { v: 2 } }]);
    assert.deepEqual(store.all("!r:x"), [{ type: "m.x", content: { v: 3 } }]);
    store.set("!r:x", "m.ignored_user_list", { ignored_users: { "@room:x": {} } });
    assert.equal(store.get("", "m.ignored_user_list"), undefined);
    store.set("", "m.ignored_user_list", { ignored_users: { "@a:x": {} } });
    assert.deepEqual(store.get("", "m.ignored_user_list"), { ignored_users: { "@a:x": {} } });
  },

  "filters get new IDs and read back; push rules are one document, replaced"(sql) {
    const store = freshStore(sql);
    const a = store.createFilter({ room: { timeline: { limit: 5 } } });
    const b = store.createFilter({});
    assert.notEqual(a, b);
    assert.deepEqual(store.filter(a), { room: { timeline: { limit: 5 } } });
    assert.equal(store.filter(b + 100), undefined);
    assert.equal(store.pushRules(), undefined);
    store.setPushRules({ user: { override: [] } });
    store.setPushRules({ user: { content: [] } });
    assert.deepEqual(store.pushRules(), { user: { content: [] } });
  },
};
