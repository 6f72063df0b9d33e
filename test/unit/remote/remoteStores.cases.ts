/**
 * InboundTxnStore, MetaStore and ServerKeyStore (durable-objects/remote/), run inside workerd by
 * test/unit/stores.test.ts.
 */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { REMOTE_MIGRATIONS } from "../../../schema/remote.js";
import { InboundTxnStore } from "../../../durable-objects/remote/inboundTxnStore.js";
import { MetaStore } from "../../../durable-objects/remote/metaStore.js";
import { ServerKeyStore } from "../../../durable-objects/remote/serverKeyStore.js";

const WEEK = 7 * 24 * 3600_000;

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "an inbound transaction is claimed once, again after release or after it is forgotten"(sql) {
    migrate(sql, REMOTE_MIGRATIONS);
    const inbound = new InboundTxnStore(sql);
    assert.equal(inbound.claim("t1", 1000, WEEK), true);
    assert.equal(inbound.claim("t1", 2000, WEEK), false, "a duplicate");
    inbound.release("t1");
    assert.equal(inbound.claim("t1", 3000, WEEK), true, "released after a failure");
    assert.equal(inbound.claim("t1", 3000 + WEEK - 1, WEEK), false, "still remembered");
    assert.equal(inbound.claim("t1", 3001 + WEEK, WEEK), true, "forgotten after the TTL");
  },

  "meta values are set, replaced and deleted"(sql) {
    migrate(sql, REMOTE_MIGRATIONS);
    const meta = new MetaStore(sql);
    assert.equal(meta.get("retry_at"), undefined);
    meta.set("retry_at", "5");
    meta.set("failures", "1");
    meta.set("retry_at", "6");
    assert.equal(meta.get("retry_at"), "6");
    meta.set("retry_at", undefined);
    assert.equal(meta.get("retry_at"), undefined);
    assert.equal(meta.get("failures"), "1");
  },

  "keys are kept with their validity, and only the newest key response"(sql) {
    migrate(sql, REMOTE_MIGRATIONS);
    const keys = new ServerKeyStore(sql);
    const newer = { server_name: "s", valid_until_ts: 2000 };
    keys.saveResponse(newer, { validUntilTs: 2000, keys: [{ keyId: "ed25519:b", publicKey: "B", validUntilTs: 2000 }] }, 10);
    // An older response (say from a notary) updates its keys but does not replace the response.
    keys.saveResponse(
      { server_name: "s", valid_until_ts: 1000 },
      { validUntilTs: 1000, keys: [{ keyId: "ed25519:a", publicKey: "A", validUntilTs: 500, expiredTs: 500 }] },
      20,
    );
    assert.deepEqual(keys.key("ed25519:a"), { publicKey: "A", validUntilTs: 500 });
    assert.deepEqual(keys.key("ed25519:b"), { publicKey: "B", validUntilTs: 2000 });
    assert.equal(keys.key("ed25519:none"), undefined);
    assert.deepEqual(keys.responses(), [{ validUntilTs: 2000, json: newer }]);
    // A newer response replaces it, and re-fetched keys are updated.
    const newest = { server_name: "s", valid_until_ts: 3000 };
    keys.saveResponse(newest, { validUntilTs: 3000, keys: [{ keyId: "ed25519:b", publicKey: "B", validUntilTs: 3000 }] }, 30);
    assert.deepEqual(keys.responses(), [{ validUntilTs: 3000, json: newest }]);
    assert.deepEqual(keys.key("ed25519:b"), { publicKey: "B", validUntilTs: 3000 });
  },
};
