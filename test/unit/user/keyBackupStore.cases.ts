/** KeyBackupStore (durable-objects/user/keyBackupStore.ts), run inside workerd by test/unit/stores.test.ts. */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { USER_MIGRATIONS } from "../../../schema/user.js";
import { KeyBackupStore } from "../../../durable-objects/user/keyBackupStore.js";
import type { KeyBackupData } from "../../../platform/rpc/user.js";

function freshStore(sql: SqlStorage): KeyBackupStore {
  migrate(sql, USER_MIGRATIONS);
  return new KeyBackupStore(sql);
}

function key(firstMessageIndex: number, data = "x"): KeyBackupData {
  return { first_message_index: firstMessageIndex, forwarded_count: 0, is_verified: false, session_data: { ciphertext: data } };
}

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "the current version is the newest one not deleted, and a deleted number is never reused"(sql) {
    const store = freshStore(sql);
    assert.equal(store.current(), undefined);
    const v1 = store.createVersion("alg", { k: 1 });
    const v2 = store.createVersion("alg", { k: 2 });
    assert.equal(store.current()?.version, v2);
    store.deleteVersion(v2);
    assert.equal(store.current()?.version, v1);
    assert.equal(store.byVersion(v2), undefined);
    assert.ok(store.createVersion("alg", {}) > v2);
    store.setAuthData(v1, { k: "new" });
    assert.deepEqual(JSON.parse(store.byVersion(v1)?.auth_data ?? "null"), { k: "new" });
  },

  "session keys are replaced in place, counted per version, and deleted at each level"(sql) {
    const store = freshStore(sql);
    const v = store.createVersion("alg", {});
    const other = store.createVersion("alg", {});
    store.putSessionKey(v, "!a:x", "s1", key(5));
    store.putSessionKey(v, "!a:x", "s1", key(2, "better"));
    store.putSessionKey(v, "!a:x", "s2", key(0));
    store.putSessionKey(v, "!b:x", "s3", { ...key(0), is_verified: true });
    store.putSessionKey(other, "!a:x", "s1", key(0));
    assert.equal(store.keyCount(v), 3);
    const s1 = store.sessionKey(v, "!a:x", "s1");
    assert.equal(s1?.first_message_index, 2);
    assert.deepEqual(JSON.parse(s1?.session_data ?? "null"), { ciphertext: "better" });
    assert.equal(store.sessionKey(v, "!b:x", "s3")?.is_verified, 1);
    assert.equal(store.keys(v).length, 3);
    assert.equal(store.keys(v, "!a:x").length, 2);
    assert.equal(store.keys(v, "!a:x", "s2").length, 1);
    store.deleteKeys(v, "!a:x", "s2");
    assert.equal(store.keyCount(v), 2);
    store.deleteKeys(v, "!a:x");
    assert.deepEqual(store.keys(v).map((k) => k.session_id), ["s3"]);
    store.deleteKeys(v);
    assert.equal(store.keyCount(v), 0);
    // Another version's keys are untouched.
    assert.equal(store.keyCount(other), 1);
  },

  "the etag moves by one at each bump, per version"(sql) {
    const store = freshStore(sql);
    const v = store.createVersion("alg", {});
    const other = store.createVersion("alg", {});
    assert.equal(store.etag(v), 0);
    store.bumpEtag(v);
    store.bumpEtag(v);
    assert.equal(store.etag(v), 2);
    assert.equal(store.etag(other), 0);
  },
};
