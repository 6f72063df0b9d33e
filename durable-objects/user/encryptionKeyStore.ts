import type { JsonObject, JsonValue } from "../../protocol/json.js";
import type { CrossSigningUsage } from "../../protocol/e2eeKeys.js";
import type { StoredSignature } from "../../platform/rpc/user.js";

/**
 * One user's end-to-end encryption keys (tables e2e_device_keys, e2e_one_time_keys,
 * e2e_fallback_keys, e2e_cross_signing_keys, e2e_signatures). user/e2ee.ts decides what to
 * store and hand out; this store is the tables' only writer.
 */

/** A key handed out by a claim: its ID ("algorithm:id") and the signed key object. */
export interface ClaimedKey {
  keyId: string;
  key: JsonValue;
}

export class EncryptionKeyStore {
  constructor(private readonly sql: SqlStorage) {}

  deviceKeys(deviceId: string): JsonObject | undefined {
    const row = this.sql.exec<{ json: string }>("SELECT json FROM e2e_device_keys WHERE device_id = ?", deviceId).toArray()[0];
    return row ? (JSON.parse(row.json) as JsonObject) : undefined;
  }

  setDeviceKeys(deviceId: string, keys: JsonObject): void {
    this.sql.exec(
      "INSERT INTO e2e_device_keys (device_id, json) VALUES (?, ?) ON CONFLICT (device_id) DO UPDATE SET json = excluded.json",
      deviceId,
      JSON.stringify(keys),
    );
  }

  /** The device keys of every existing device, with the device's display name (keys/query). */
  keysOfDevices(): Array<{ deviceId: string; keys: JsonObject; displayName: string | null }> {
    return this.sql
      .exec<{ device_id: string; json: string; display_name: string | null }>(
        "SELECT k.device_id, k.json, d.display_name FROM e2e_device_keys k JOIN devices d ON d.device_id = k.device_id",
      )
      .toArray()
      .map((r) => ({ deviceId: r.device_id, keys: JSON.parse(r.json) as JsonObject, displayName: r.display_name }));
  }

  oneTimeKey(deviceId: string, keyId: string): JsonValue | undefined {
    const row = this.sql.exec<{ json: string }>("SELECT json FROM e2e_one_time_keys WHERE device_id = ? AND key_id = ?", deviceId, keyId).toArray()[0];
    return row ? (JSON.parse(row.json) as JsonValue) : undefined;
  }

  /** Adds a one-time key; a key ID the device already has is left as it is. */
  addOneTimeKey(deviceId: string, keyId: string, algorithm: string, key: JsonValue): void {
    this.sql.exec(
      "INSERT INTO e2e_one_time_keys (device_id, key_id, algorithm, json) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
      deviceId,
      keyId,
      algorithm,
      JSON.stringify(key),
    );
  }

  /** How many one-time keys the device has left, per algorithm that has any. */
  oneTimeKeyCounts(deviceId: string): Array<{ algorithm: string; count: number }> {
    return this.sql
      .exec<{ algorithm: string; n: number }>("SELECT algorithm, COUNT(*) AS n FROM e2e_one_time_keys WHERE device_id = ? GROUP BY algorithm", deviceId)
      .toArray()
      .map((r) => ({ algorithm: r.algorithm, count: r.n }));
  }

  /** Takes one one-time key of the algorithm (the lowest key ID) away from the device. */
  claimOneTimeKey(deviceId: string, algorithm: string): ClaimedKey | undefined {
    const row = this.sql
      .exec<{ key_id: string; json: string }>("DELETE FROM e2e_one_time_keys WHERE rowid = (SELECT rowid FROM e2e_one_time_keys WHERE device_id = ? AND algorithm = ? ORDER BY key_id LIMIT 1) RETURNING key_id, json", deviceId, algorithm)
      .toArray()[0];
    return row ? { keyId: row.key_id, key: JSON.parse(row.json) as JsonValue } : undefined;
  }

  fallbackKey(deviceId: string, algorithm: string): ClaimedKey | undefined {
    const row = this.sql.exec<{ key_id: string; json: string }>("SELECT key_id, json FROM e2e_fallback_keys WHERE device_id = ? AND algorithm = ?", deviceId, algorithm).toArray()[0];
    return row ? { keyId: row.key_id, key: JSON.parse(row.json) as JsonValue } : undefined;
  }

  /** Sets the device's fallback key for the algorithm, unused. */
  setFallbackKey(deviceId: string, algorithm: string, keyId: string, key: JsonValue): void {
    this.sql.exec(
      "INSERT INTO e2e_fallback_keys (device_id, algorithm, key_id, json, used) VALUES (?, ?, ?, ?, 0) ON CONFLICT (device_id, algorithm) DO UPDATE SET key_id = excluded.key_id, json = excluded.json, used = 0",
      deviceId,
      algorithm,
      keyId,
      JSON.stringify(key),
    );
  }

  /** Marks the device's fallback key for the algorithm used and returns it (it is still handed out). */
  useFallbackKey(deviceId: string, algorithm: string): ClaimedKey | undefined {
    const row = this.sql
      .exec<{ key_id: string; json: string }>("UPDATE e2e_fallback_keys SET used = 1 WHERE device_id = ? AND algorithm = ? RETURNING key_id, json", deviceId, algorithm)
      .toArray()[0];
    return row ? { keyId: row.key_id, key: JSON.parse(row.json) as JsonValue } : undefined;
  }

  unusedFallbackKeyTypes(deviceId: string): string[] {
    return this.sql
      .exec<{ algorithm: string }>("SELECT algorithm FROM e2e_fallback_keys WHERE device_id = ? AND used = 0 ORDER BY algorithm", deviceId)
      .toArray()
      .map((r) => r.algorithm);
  }

  /** Devices that still have device, one-time or fallback keys but no longer exist. */
  devicesGoneWithAnyKeys(): Set<string> {
    const gone = new Set<string>();
    for (const table of ["e2e_device_keys", "e2e_one_time_keys", "e2e_fallback_keys"]) {
      for (const r of this.sql.exec<{ device_id: string }>(`SELECT DISTINCT device_id FROM ${table} WHERE device_id NOT IN (SELECT device_id FROM devices)`)) gone.add(r.device_id);
    }
    return gone;
  }

  /** Devices that still have device keys but no longer exist. */
  devicesGoneWithDeviceKeys(): string[] {
    return this.sql
      .exec<{ device_id: string }>("SELECT device_id FROM e2e_device_keys WHERE device_id NOT IN (SELECT device_id FROM devices)")
      .toArray()
      .map((r) => r.device_id);
  }

  hasDeviceKeys(deviceId: string): boolean {
    return this.sql.exec("SELECT 1 FROM e2e_device_keys WHERE device_id = ?", deviceId).toArray().length > 0;
  }

  /** Every key of a device, and the signatures others made on its device keys. */
  deleteKeysOf(deviceId: string): void {
    this.sql.exec("DELETE FROM e2e_device_keys WHERE device_id = ?", deviceId);
    this.sql.exec("DELETE FROM e2e_one_time_keys WHERE device_id = ?", deviceId);
    this.sql.exec("DELETE FROM e2e_fallback_keys WHERE device_id = ?", deviceId);
    this.sql.exec("DELETE FROM e2e_signatures WHERE target = ?", deviceId);
  }

  crossSigningKeys(): Partial<Record<CrossSigningUsage, JsonObject>> {
    const out: Partial<Record<CrossSigningUsage, JsonObject>> = {};
    for (const r of this.sql.exec<{ key_type: string; json: string }>("SELECT key_type, json FROM e2e_cross_signing_keys")) {
      out[r.key_type as CrossSigningUsage] = JSON.parse(r.json) as JsonObject;
    }
    return out;
  }

  setCrossSigningKey(usage: string, key: JsonObject): void {
    this.sql.exec("INSERT INTO e2e_cross_signing_keys (key_type, json) VALUES (?, ?) ON CONFLICT (key_type) DO UPDATE SET json = excluded.json", usage, JSON.stringify(key));
  }

  /** Signatures uploaded on `target` (a device ID or a cross-signing public key). */
  signaturesOn(target: string): Array<{ signerUserId: string; signerKeyId: string; signature: string }> {
    return this.sql
      .exec<{ signer_user_id: string; signer_key_id: string; signature: string }>("SELECT signer_user_id, signer_key_id, signature FROM e2e_signatures WHERE target = ?", target)
      .toArray()
      .map((r) => ({ signerUserId: r.signer_user_id, signerKeyId: r.signer_key_id, signature: r.signature }));
  }

  /** Adds a signature; the same signer's key signing the same target again replaces it. */
  setSignature(s: StoredSignature): void {
    this.sql.exec(
      "INSERT INTO e2e_signatures (target, signer_user_id, signer_key_id, signature) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET signature = excluded.signature",
      s.target,
      s.signerUserId,
      s.signerKeyId,
      s.signature,
    );
  }
}
