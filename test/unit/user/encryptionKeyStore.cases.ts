/** EncryptionKeyStore (durable-objects/user/encryptionKeyStore.ts), run inside workerd by test/unit/stores.test.ts. */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { USER_MIGRATIONS } from "../../../schema/user.js";
import { EncryptionKeyStore } from "../../../durable-objects/user/encryptionKeyStore.js";

function freshStore(sql: SqlStorage): EncryptionKeyStore {
  migrate(sql, USER_MIGRATIONS);
  return new EncryptionKeyStore(sql);
}

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "a claimed one-time key is removed: each is handed out once, lowest key ID first"(sql) {
    const keys = freshStore(sql);
    keys.addOneTimeKey("D", "signed_curve25519:BBB", "signed_curve25519", { key: "b" });
    keys.addOneTimeKey("D", "signed_curve25519:AAA", "signed_curve25519", { key: "a" });
    keys.addOneTimeKey("D", "curve25519:CCC", "curve25519", { key: "c" });
    assert.deepEqual(
      keys.oneTimeKeyCounts("D").sort((x, y) => x.algorithm.localeCompare(y.algorithm)),
      [
        { algorithm: "curve25519", count: 1 },
        { algorithm: "signed_curve25519", count: 2 },
      ],
    );
    assert.deepEqual(keys.claimOneTimeKey("D", "signed_curve25519"), { keyId: "signed_curve25519:AAA", key: { key: "a" } });
    assert.equal(keys.oneTimeKey("D", "signed_curve25519:AAA"), undefined);
    assert.deepEqual(keys.claimOneTimeKey("D", "signed_curve25519"), { keyId: "signed_curve25519:BBB", key: { key: "b" } });
    assert.equal(keys.claimOneTimeKey("D", "signed_curve25519"), undefined);
    assert.equal(keys.claimOneTimeKey("OTHER", "curve25519"), undefined);
    assert.deepEqual(keys.oneTimeKeyCounts("D"), [{ algorithm: "curve25519", count: 1 }]);
  },

  "a one-time key ID already uploaded keeps its first content"(sql) {
    const keys = freshStore(sql);
    keys.addOneTimeKey("D", "signed_curve25519:A", "signed_curve25519", { key: "first" });
    keys.addOneTimeKey("D", "signed_curve25519:A", "signed_curve25519", { key: "second" });
    assert.deepEqual(keys.oneTimeKey("D", "signed_curve25519:A"), { key: "first" });
  },

  "a used fallback key is still handed out; a new one replaces it unused"(sql) {
    const keys = freshStore(sql);
    keys.setFallbackKey("D", "signed_curve25519", "signed_curve25519:F1", { key: "f1" });
    assert.deepEqual(keys.unusedFallbackKeyTypes("D"), ["signed_curve25519"]);
    assert.deepEqual(keys.useFallbackKey("D", "signed_curve25519"), { keyId: "signed_curve25519:F1", key: { key: "f1" } });
    assert.deepEqual(keys.unusedFallbackKeyTypes("D"), []);
    assert.deepEqual(keys.useFallbackKey("D", "signed_curve25519"), { keyId: "signed_curve25519:F1", key: { key: "f1" } });
    keys.setFallbackKey("D", "signed_curve25519", "signed_curve25519:F2", { key: "f2" });
    assert.deepEqual(keys.fallbackKey("D", "signed_curve25519"), { keyId: "signed_curve25519:F2", key: { key: "f2" } });
    assert.deepEqual(keys.unusedFallbackKeyTypes("D"), ["signed_curve25519"]);
    assert.equal(keys.useFallbackKey("D", "curve25519"), undefined);
  },

  "keys of devices that no longer exist are found, and deleting a device's keys takes all of them"(sql) {
    const keys = freshStore(sql);
    sql.exec("INSERT INTO devices (device_id, created_ts) VALUES ('LIVE', 1)");
    keys.setDeviceKeys("LIVE", { device_id: "LIVE" });
    keys.setDeviceKeys("GONE", { device_id: "GONE" });
    keys.addOneTimeKey("OTK_ONLY", "signed_curve25519:A", "signed_curve25519", {});
    keys.setSignature({ target: "GONE", signerUserId: "@a:x", signerKeyId: "ed25519:K", signature: "sig" });
    assert.deepEqual(keys.devicesGoneWithDeviceKeys(), ["GONE"]);
    assert.deepEqual([...keys.devicesGoneWithAnyKeys()].sort(), ["GONE", "OTK_ONLY"]);
    assert.deepEqual(keys.keysOfDevices(), [{ deviceId: "LIVE", keys: { device_id: "LIVE" }, displayName: null }]);
    keys.deleteKeysOf("GONE");
    assert.equal(keys.hasDeviceKeys("GONE"), false);
    assert.deepEqual(keys.signaturesOn("GONE"), []);
    assert.equal(keys.hasDeviceKeys("LIVE"), true);
  },

  "a signer signing the same target again replaces its signature; cross-signing keys replace per usage"(sql) {
    const keys = freshStore(sql);
    keys.setSignature({ target: "T", signerUserId: "@a:x", signerKeyId: "ed25519:K", signature: "one" });
    keys.setSignature({ target: "T", signerUserId: "@a:x", signerKeyId: "ed25519:K", signature: "two" });
    keys.setSignature({ target: "T", signerUserId: "@b:x", signerKeyId: "ed25519:L", signature: "b" });
    assert.deepEqual(
      keys.signaturesOn("T").sort((x, y) => x.signerUserId.localeCompare(y.signerUserId)),
      [
        { signerUserId: "@a:x", signerKeyId: "ed25519:K", signature: "two" },
        { signerUserId: "@b:x", signerKeyId: "ed25519:L", signature: "b" },
      ],
    );
    keys.setCrossSigningKey("master", { v: 1 });
    keys.setCrossSigningKey("master", { v: 2 });
    keys.setCrossSigningKey("self_signing", { v: 3 });
    assert.deepEqual(keys.crossSigningKeys(), { master: { v: 2 }, self_signing: { v: 3 } });
  },
};
