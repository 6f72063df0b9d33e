/** DehydratedDeviceStore (durable-objects/user/dehydratedDeviceStore.ts), run inside workerd by test/unit/stores.test.ts. */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { USER_MIGRATIONS } from "../../../schema/user.js";
import { DehydratedDeviceStore } from "../../../durable-objects/user/dehydratedDeviceStore.js";
import { AccountStore } from "../../../durable-objects/user/accountStore.js";

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "the dehydrated device is current only while its device exists"(sql) {
    migrate(sql, USER_MIGRATIONS);
    const store = new DehydratedDeviceStore(sql);
    const accounts = new AccountStore(sql);
    assert.equal(store.current(), undefined);
    assert.equal(store.recordedDeviceId(), undefined);
    accounts.addDeviceWithoutLogin("DH", undefined, 1);
    store.set("DH", { algorithm: "x", data: "opaque" });
    assert.deepEqual(store.current(), { device_id: "DH", device_data: { algorithm: "x", data: "opaque" } });
    accounts.deleteDevice("DH");
    assert.equal(store.current(), undefined);
    // The row itself stays until cleared, so a later replace can clean up after it.
    assert.equal(store.recordedDeviceId(), "DH");
    store.clear();
    assert.equal(store.recordedDeviceId(), undefined);
  },

  "there is at most one: setting another needs a clear first"(sql) {
    migrate(sql, USER_MIGRATIONS);
    const store = new DehydratedDeviceStore(sql);
    store.set("A", {});
    assert.throws(() => store.set("B", {}));
    store.clear();
    store.set("B", { v: 2 });
    assert.equal(store.recordedDeviceId(), "B");
  },
};
