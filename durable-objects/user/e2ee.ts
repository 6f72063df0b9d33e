import { invalidParam } from "../../platform/errors.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../protocol/json.js";
import type { CrossSigningUsage } from "../../protocol/e2eeKeys.js";
import { sameJson } from "../../protocol/e2eeKeys.js";
import type { KeyUpload, QueriedKeys, StoredSignature } from "../../platform/rpc/user.js";

/**
 * One user's end-to-end encryption keys inside their UserDO (spec: end_to_end_encryption.md):
 * device keys, one-time and fallback keys, cross-signing keys and signatures others uploaded.
 * The Worker validates shapes and signatures first; these functions only store and hand out.
 */

function algorithmOf(keyId: string): string {
  return keyId.slice(0, keyId.indexOf(":"));
}

/** Stores an upload; all or nothing. Returns whether the device keys changed. */
export function storeKeys(sql: SqlStorage, deviceId: string, up: KeyUpload): boolean {
  // An existing one-time key ID with different content is an error (spec: keys/upload).
  for (const [keyId, value] of Object.entries(up.oneTimeKeys ?? {})) {
    const row = sql.exec<{ json: string }>("SELECT json FROM e2e_one_time_keys WHERE device_id = ? AND key_id = ?", deviceId, keyId).toArray()[0];
    if (row && !sameJson(JSON.parse(row.json) as JsonValue, value)) {
      throw invalidParam(`One time key ${keyId} already exists with different content`);
    }
  }
  let changed = false;
  if (up.deviceKeys) {
    const row = sql.exec<{ json: string }>("SELECT json FROM e2e_device_keys WHERE device_id = ?", deviceId).toArray()[0];
    changed = !row || !sameJson(JSON.parse(row.json) as JsonValue, up.deviceKeys);
    if (changed) {
      sql.exec(
        "INSERT INTO e2e_device_keys (device_id, json) VALUES (?, ?) ON CONFLICT (device_id) DO UPDATE SET json = excluded.json",
        deviceId,
        JSON.stringify(up.deviceKeys),
      );
    }
  }
  for (const [keyId, value] of Object.entries(up.oneTimeKeys ?? {})) {
    sql.exec(
      "INSERT INTO e2e_one_time_keys (device_id, key_id, algorithm, json) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
      deviceId,
      keyId,
      algorithmOf(keyId),
      JSON.stringify(value),
    );
  }
  for (const [keyId, value] of Object.entries(up.fallbackKeys ?? {})) {
    // One fallback key per algorithm; a new one replaces the old (and is unused again), the same
    // one re-uploaded keeps its used flag.
    const alg = algorithmOf(keyId);
    const row = sql.exec<{ key_id: string; json: string }>("SELECT key_id, json FROM e2e_fallback_keys WHERE device_id = ? AND algorithm = ?", deviceId, alg).toArray()[0];
    if (row && row.key_id === keyId && sameJson(JSON.parse(row.json) as JsonValue, value)) continue;
    sql.exec(
      "INSERT INTO e2e_fallback_keys (device_id, algorithm, key_id, json, used) VALUES (?, ?, ?, ?, 0) ON CONFLICT (device_id, algorithm) DO UPDATE SET key_id = excluded.key_id, json = excluded.json, used = 0",
      deviceId,
      alg,
      keyId,
      JSON.stringify(value),
    );
  }
  return changed;
}

export function oneTimeKeyCounts(sql: SqlStorage, deviceId: string): Record<string, number> {
  const counts: Record<string, number> = { signed_curve25519: 0 };
  for (const r of sql.exec<{ algorithm: string; n: number }>("SELECT algorithm, COUNT(*) AS n FROM e2e_one_time_keys WHERE device_id = ? GROUP BY algorithm", deviceId)) {
    counts[r.algorithm] = r.n;
  }
  return counts;
}

export function unusedFallbackKeyTypes(sql: SqlStorage, deviceId: string): string[] {
  return sql
    .exec<{ algorithm: string }>("SELECT algorithm FROM e2e_fallback_keys WHERE device_id = ? AND used = 0 ORDER BY algorithm", deviceId)
    .toArray()
    .map((r) => r.algorithm);
}

/** Removes the keys of devices that no longer exist. Returns whether any device keys went. */
export function purgeRemovedDevices(sql: SqlStorage): boolean {
  const gone = new Set<string>();
  for (const table of ["e2e_device_keys", "e2e_one_time_keys", "e2e_fallback_keys"]) {
    for (const r of sql.exec<{ device_id: string }>(`SELECT DISTINCT device_id FROM ${table} WHERE device_id NOT IN (SELECT device_id FROM devices)`)) gone.add(r.device_id);
  }
  let hadKeys = false;
  for (const id of gone) {
    if (sql.exec("SELECT 1 FROM e2e_device_keys WHERE device_id = ?", id).toArray().length > 0) hadKeys = true;
    sql.exec("DELETE FROM e2e_device_keys WHERE device_id = ?", id);
    sql.exec("DELETE FROM e2e_one_time_keys WHERE device_id = ?", id);
    sql.exec("DELETE FROM e2e_fallback_keys WHERE device_id = ?", id);
    sql.exec("DELETE FROM e2e_signatures WHERE target = ?", id);
  }
  return hadKeys;
}

/** Signatures uploaded by others (or by this user's devices) on `target`, visible to `requester`. */
function mergeSignatures(sql: SqlStorage, key: JsonObject, target: string, owner: string, requester: string): JsonObject {
  const rows = sql
    .exec<{ signer_user_id: string; signer_key_id: string; signature: string }>("SELECT signer_user_id, signer_key_id, signature FROM e2e_signatures WHERE target = ?", target)
    .toArray();
  if (rows.length === 0) return key;
  const sigs: Record<string, Record<string, string>> = {};
  const existing = isJsonObject(key.signatures) ? key.signatures : {};
  for (const [u, byKey] of Object.entries(existing)) sigs[u] = { ...(byKey as Record<string, string>) };
  for (const r of rows) {
    // A signature by another user's user-signing key is only for that user to see.
    if (r.signer_user_id !== owner && r.signer_user_id !== requester) continue;
    (sigs[r.signer_user_id] ??= {})[r.signer_key_id] = r.signature;
  }
  return { ...key, signatures: sigs };
}

export function queryKeys(sql: SqlStorage, owner: string, requester: string, deviceIds: string[]): QueriedKeys {
  const rows = sql
    .exec<{ device_id: string; json: string; display_name: string | null }>(
      "SELECT k.device_id, k.json, d.display_name FROM e2e_device_keys k JOIN devices d ON d.device_id = k.device_id",
    )
    .toArray();
  const out: QueriedKeys = { device_keys: {} };
  for (const r of rows) {
    if (deviceIds.length > 0 && !deviceIds.includes(r.device_id)) continue;
    let key = mergeSignatures(sql, JSON.parse(r.json) as JsonObject, r.device_id, owner, requester);
    const unsigned: JsonObject = isJsonObject(key.unsigned) ? { ...key.unsigned } : {};
    if (r.display_name !== null) unsigned.device_display_name = r.display_name;
    key = { ...key, unsigned };
    out.device_keys[r.device_id] = key;
  }
  const cross = crossSigningKeys(sql);
  for (const [usage, key] of Object.entries(cross) as [CrossSigningUsage, JsonObject][]) {
    if (usage === "user_signing" && requester !== owner) continue;
    const merged = mergeSignatures(sql, key, publicKeyOf(key), owner, requester);
    if (usage === "master") out.master_key = merged;
    else if (usage === "self_signing") out.self_signing_key = merged;
    else out.user_signing_key = merged;
  }
  return out;
}

export function publicKeyOf(crossSigningKey: JsonObject): string {
  const keys = isJsonObject(crossSigningKey.keys) ? crossSigningKey.keys : {};
  const v = Object.values(keys)[0];
  return typeof v === "string" ? v : "";
}

export function crossSigningKeys(sql: SqlStorage): Partial<Record<CrossSigningUsage, JsonObject>> {
  const out: Partial<Record<CrossSigningUsage, JsonObject>> = {};
  for (const r of sql.exec<{ key_type: string; json: string }>("SELECT key_type, json FROM e2e_cross_signing_keys")) {
    out[r.key_type as CrossSigningUsage] = JSON.parse(r.json) as JsonObject;
  }
  return out;
}

export function deviceKeys(sql: SqlStorage, deviceId: string): JsonObject | undefined {
  const row = sql.exec<{ json: string }>("SELECT json FROM e2e_device_keys WHERE device_id = ?", deviceId).toArray()[0];
  return row ? (JSON.parse(row.json) as JsonObject) : undefined;
}

/**
 * Claims one key per requested device: a one-time key of the algorithm if any is left (and
 * removes it), else the fallback key (marked used, but still handed out). Synchronous, so two
 * claims inside the object can never take the same key.
 */
export function claimKeys(sql: SqlStorage, wanted: Record<string, string>): Record<string, Record<string, JsonValue>> {
  const out: Record<string, Record<string, JsonValue>> = {};
  for (const [deviceId, algorithm] of Object.entries(wanted)) {
    const otk = sql
      .exec<{ key_id: string; json: string }>("DELETE FROM e2e_one_time_keys WHERE rowid = (SELECT rowid FROM e2e_one_time_keys WHERE device_id = ? AND algorithm = ? ORDER BY key_id LIMIT 1) RETURNING key_id, json", deviceId, algorithm)
      .toArray()[0];
    if (otk) {
      out[deviceId] = { [otk.key_id]: JSON.parse(otk.json) as JsonValue };
      continue;
    }
    const fb = sql
      .exec<{ key_id: string; json: string }>("UPDATE e2e_fallback_keys SET used = 1 WHERE device_id = ? AND algorithm = ? RETURNING key_id, json", deviceId, algorithm)
      .toArray()[0];
    if (fb) out[deviceId] = { [fb.key_id]: JSON.parse(fb.json) as JsonValue };
  }
  return out;
}

export function storeCrossSigningKeys(sql: SqlStorage, keys: Partial<Record<CrossSigningUsage, JsonObject>>): void {
  for (const [usage, key] of Object.entries(keys)) {
    sql.exec("INSERT INTO e2e_cross_signing_keys (key_type, json) VALUES (?, ?) ON CONFLICT (key_type) DO UPDATE SET json = excluded.json", usage, JSON.stringify(key));
  }
}

export function storeSignatures(sql: SqlStorage, sigs: StoredSignature[]): void {
  for (const s of sigs) {
    sql.exec(
      "INSERT INTO e2e_signatures (target, signer_user_id, signer_key_id, signature) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET signature = excluded.signature",
      s.target,
      s.signerUserId,
      s.signerKeyId,
      s.signature,
    );
  }
}
