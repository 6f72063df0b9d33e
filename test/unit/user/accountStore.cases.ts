/** AccountStore (durable-objects/user/accountStore.ts), run inside workerd by test/unit/stores.test.ts. */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { USER_MIGRATIONS } from "../../../schema/user.js";
import { AccountStore } from "../../../durable-objects/user/accountStore.js";

function freshStore(sql: SqlStorage): AccountStore {
  migrate(sql, USER_MIGRATIONS);
  return new AccountStore(sql);
}

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "the account reads back as created; deactivation removes the password"(sql) {
    const store = freshStore(sql);
    assert.equal(store.account(), undefined);
    assert.equal(store.account()?.user_id, undefined);
    store.createAccount("@a:x", "hash", false, "a", 1);
    assert.equal(store.account()?.user_id, "@a:x");
    store.setProfileField("avatar_url", "mxc://x/y");
    const acc = store.account();
    assert.equal(acc?.password_hash, "hash");
    assert.equal(acc?.displayname, "a");
    assert.equal(acc?.avatar_url, "mxc://x/y");
    assert.equal(acc?.is_guest, 0);
    store.deactivate();
    assert.equal(store.account()?.deactivated, 1);
    assert.equal(store.account()?.password_hash, null);
  },

  "a token leads to its device; logging in again on a device replaces its tokens"(sql) {
    const store = freshStore(sql);
    store.prepareLoginDevice("D", "phone", 1);
    store.addToken("h1", "D", 1);
    assert.equal(store.tokenDevice("h1")?.device_id, "D");
    const seen = store.tokenDevice("h1");
    assert.equal(seen?.device_id, "D");
    assert.equal(typeof seen?.last_seen_ts, "number");
    assert.equal(store.tokenDevice("unknown"), undefined);
    store.prepareLoginDevice("D", undefined, 2);
    assert.equal(store.tokenDevice("h1")?.device_id, undefined);
    assert.equal(store.hasTokens("D"), false);
    // The display name is kept when the new login gives none.
    assert.deepEqual(store.listDevices().map((d) => [d.device_id, d.display_name]), [["D", "phone"]]);
  },

  "a device without login is never seen; recording a sighting keeps a known address when none is given"(sql) {
    const store = freshStore(sql);
    store.addDeviceWithoutLogin("DEHYDRATED", undefined, 5);
    assert.equal(store.hasDevice("DEHYDRATED"), true);
    assert.equal(store.listDevices()[0].last_seen_ts, null);
    store.recordSeen("DEHYDRATED", 100, "203.0.113.7");
    store.recordSeen("DEHYDRATED", 200, null);
    assert.deepEqual(store.listDevices()[0], { device_id: "DEHYDRATED", display_name: null, last_seen_ip: "203.0.113.7", last_seen_ts: 200 });
  },

  "deleting a device takes its tokens and leaves the others"(sql) {
    const store = freshStore(sql);
    store.prepareLoginDevice("A", undefined, 1);
    store.prepareLoginDevice("B", "b", 2);
    store.addToken("ha", "A", 1);
    store.addToken("hb", "B", 2);
    store.deleteDevice("A");
    assert.equal(store.hasDevice("A"), false);
    assert.equal(store.tokenDevice("ha")?.device_id, undefined);
    assert.deepEqual(store.deviceIds(), ["B"]);
    assert.equal(store.tokenDevice("hb")?.device_id, "B");
    store.setDeviceDisplayName("B", "renamed");
    assert.equal(store.listDevices()[0].display_name, "renamed");
  },
};
