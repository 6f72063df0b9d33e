/** PresenceStore (durable-objects/user/presenceStore.ts), run inside workerd by test/unit/stores.test.ts. */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { USER_MIGRATIONS } from "../../../schema/user.js";
import { PresenceStore } from "../../../durable-objects/user/presenceStore.js";

function freshStore(sql: SqlStorage): PresenceStore {
  migrate(sql, USER_MIGRATIONS);
  return new PresenceStore(sql);
}

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "no presence until set; a new state without a status message keeps the old message"(sql) {
    const store = freshStore(sql);
    assert.equal(store.current()?.presence, undefined);
    assert.equal(store.current(), undefined);
    store.set("online", "busy", 100);
    store.set("unavailable", undefined, 200);
    assert.deepEqual(store.current(), { presence: "unavailable", status_msg: "busy", last_active_ts: 200 });
    store.set("online", "free", 300);
    assert.equal(store.current()?.status_msg, "free");
  },

  "touching moves only the last-active time"(sql) {
    const store = freshStore(sql);
    store.touch(50);
    assert.equal(store.current(), undefined);
    store.set("online", undefined, 100);
    store.touch(500);
    assert.deepEqual(store.current(), { presence: "online", status_msg: null, last_active_ts: 500 });
    assert.equal(store.current()?.presence, "online");
  },
};
