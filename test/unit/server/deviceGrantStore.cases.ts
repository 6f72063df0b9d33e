/** DeviceGrantStore (durable-objects/server/), run inside workerd by test/unit/stores.test.ts. */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { SERVER_MIGRATIONS } from "../../../schema/server.js";
import { DeviceGrantStore } from "../../../durable-objects/server/deviceGrantStore.js";

const T0 = 1_000_000;
const EXP = T0 + 1_800_000;
const INTERVAL = 5000;

function fresh(sql: SqlStorage): DeviceGrantStore {
  migrate(sql, SERVER_MIGRATIONS);
  const grants = new DeviceGrantStore(sql);
  assert.equal(grants.create("dc1", "WDJB-MJHT", "client1", "urn:matrix:client:api:*", T0, EXP), true);
  return grants;
}

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "a device polls pending, too fast is slow_down, then approved once and never again"(sql) {
    const grants = fresh(sql);
    assert.deepEqual(grants.poll("dc1", "client1", T0 + 5000, INTERVAL), { status: "pending" });
    assert.deepEqual(grants.poll("dc1", "client1", T0 + 6000, INTERVAL), { status: "slow_down" });
    assert.equal(grants.pendingByUserCode("WDJB-MJHT", T0 + 7000)?.clientId, "client1");
    assert.equal(grants.decide("WDJB-MJHT", "@alice:x", T0 + 7000), true);
    assert.equal(grants.decide("WDJB-MJHT", "@mallory:x", T0 + 7001), false, "decided once");
    assert.equal(grants.pendingByUserCode("WDJB-MJHT", T0 + 7002), undefined);
    assert.deepEqual(grants.poll("dc1", "client1", T0 + 12000, INTERVAL), { status: "approved", userId: "@alice:x", scope: "urn:matrix:client:api:*" });
    assert.deepEqual(grants.poll("dc1", "client1", T0 + 18000, INTERVAL), { status: "invalid" }, "tokens are issued once");
  },

  "a denied grant answers denied; another client's poll or an unknown code is invalid"(sql) {
    const grants = fresh(sql);
    assert.deepEqual(grants.poll("dc1", "client2", T0, INTERVAL), { status: "invalid" });
    assert.deepEqual(grants.poll("nope", "client1", T0, INTERVAL), { status: "invalid" });
    assert.equal(grants.decide("WDJB-MJHT", null, T0 + 1000), true);
    assert.deepEqual(grants.poll("dc1", "client1", T0 + 10000, INTERVAL), { status: "denied" });
  },

  "an expired grant can't be decided and polls expired, even when approved in time"(sql) {
    const grants = fresh(sql);
    assert.equal(grants.create("dc2", "BCDF-GHJK", "client1", "s", T0, EXP), true);
    assert.equal(grants.decide("BCDF-GHJK", "@alice:x", EXP - 1), true);
    assert.equal(grants.decide("WDJB-MJHT", "@alice:x", EXP), false);
    assert.deepEqual(grants.poll("dc1", "client1", EXP, INTERVAL), { status: "expired" });
    assert.deepEqual(grants.poll("dc2", "client1", EXP + 1, INTERVAL), { status: "expired" });
  },

  "a user code in use is not handed out twice; grants expired an hour ago are swept"(sql) {
    const grants = fresh(sql);
    assert.equal(grants.create("dc2", "WDJB-MJHT", "client1", "s", T0 + 1, EXP), false);
    assert.equal(grants.create("dc3", "BCDF-GHJK", "client1", "s", EXP + 3_600_001, EXP + 3_600_001 + 1_800_000), true);
    assert.deepEqual(grants.poll("dc1", "client1", EXP + 3_600_002, INTERVAL), { status: "invalid" }, "swept");
    assert.equal(grants.create("dc4", "WDJB-MJHT", "client1", "s", EXP + 3_600_002, EXP + 5_400_000), true, "its user code is free again");
  },

  "a grant is decided once whichever way; an unknown code decides nothing; a pending grant shows only its client and scope"(sql) {
    const grants = fresh(sql);
    assert.deepEqual(grants.pendingByUserCode("WDJB-MJHT", T0), { clientId: "client1", scope: "urn:matrix:client:api:*" });
    assert.equal(grants.decide("BCDF-GHJK", null, T0), false);
    assert.equal(grants.decide("WDJB-MJHT", null, T0 + 1), true);
    assert.equal(grants.decide("WDJB-MJHT", null, T0 + 2), false);
    assert.equal(grants.decide("WDJB-MJHT", "@alice:x", T0 + 3), false, "a denial is not turned into an approval");
    assert.deepEqual(grants.poll("dc1", "client1", T0 + 4, INTERVAL), { status: "denied" });
  },
};
