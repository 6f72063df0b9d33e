import { invalidParam } from "../../platform/errors.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../protocol/json.js";
import type { CrossSigningUsage } from "../../protocol/e2eeKeys.js";
import { sameJson } from "../../protocol/e2eeKeys.js";
import type { KeyUpload, QueriedKeys, StoredSignature } from "../../platform/rpc/user.js";
import type { EncryptionKeyStore } from "./encryptionKeyStore.js";

/**
 * One user's end-to-end encryption keys inside their UserDO (spec: end_to_end_encryption.md):
 * device keys, one-time and fallback keys, cross-signing keys and signatures others uploaded.
 * The Worker validates shapes and signatures first; these functions only store and hand out.
 */

function algorithmOf(keyId: string): string {
  return keyId.slice(0, keyId.indexOf(":"));
}

/** Stores an upload; all or nothing. Returns whether the device keys changed. */
export function storeKeys(store: EncryptionKeyStore, deviceId: string, up: KeyUpload): boolean {
  // An existing one-time key ID with different content is an error (spec: keys/upload).
  for (const [keyId, value] of Object.entries(up.oneTimeKeys ?? {})) {
    const existing = store.oneTimeKey(deviceId, keyId);
    if (existing !== undefined && !sameJson(existing, value)) {
      throw invalidParam(`One time key ${keyId} already exists with different content`);
    }
  }
  let changed = false;
  if (up.deviceKeys) {
    const existing = store.deviceKeys(deviceId);
    changed = !existing || !sameJson(existing, up.deviceKeys);
    if (changed) store.setDeviceKeys(deviceId, up.deviceKeys);
  }
  for (const [keyId, value] of Object.entries(up.oneTimeKeys ?? {})) store.addOneTimeKey(deviceId, keyId, algorithmOf(keyId), value);
  for (const [keyId, value] of Object.entries(up.fallbackKeys ?? {})) {
    // One fallback key per algorithm; a new one replaces the old (and is unused again), the same
    // one re-uploaded keeps its used flag.
    const alg = algorithmOf(keyId);
    const existing = store.fallbackKey(deviceId, alg);
    if (existing && existing.keyId === keyId && sameJson(existing.key, value)) continue;
    store.setFallbackKey(deviceId, alg, keyId, value);
  }
  return changed;
}

export function oneTimeKeyCounts(store: EncryptionKeyStore, deviceId: string): Record<string, number> {
  const counts: Record<string, number> = { signed_curve25519: 0 };
  for (const r of store.oneTimeKeyCounts(deviceId)) counts[r.algorithm] = r.count;
  return counts;
}

/** Removes the keys of devices that no longer exist. Returns whether any device keys went. */
export function purgeRemovedDevices(store: EncryptionKeyStore): boolean {
  const gone = store.devicesGoneWithAnyKeys();
  let hadKeys = false;
  for (const id of gone) {
    if (store.hasDeviceKeys(id)) hadKeys = true;
    store.deleteKeysOf(id);
  }
  return hadKeys;
}

/** Signatures uploaded by others (or by this user's devices) on `target`, visible to `requester`. */
function mergeSignatures(store: EncryptionKeyStore, key: JsonObject, target: string, owner: string, requester: string): JsonObject {
  const rows = store.signaturesOn(target);
  if (rows.length === 0) return key;
  const sigs: Record<string, Record<string, string>> = {};
  const existing = isJsonObject(key.signatures) ? key.signatures : {};
  for (const [u, byKey] of Object.entries(existing)) sigs[u] = { ...(byKey as Record<string, string>) };
  for (const r of rows) {
    // A signature by another user's user-signing key is only for that user to see.
    if (r.signerUserId !== owner && r.signerUserId !== requester) continue;
    (sigs[r.signerUserId] ??= {})[r.signerKeyId] = r.signature;
  }
  return { ...key, signatures: sigs };
}

export function queryKeys(store: EncryptionKeyStore, owner: string, requester: string, deviceIds: string[]): QueriedKeys {
  const rows = store.keysOfDevices();
  const out: QueriedKeys = { device_keys: {} };
  for (const r of rows) {
    if (deviceIds.length > 0 && !deviceIds.includes(r.deviceId)) continue;
    let key = mergeSignatures(store, r.keys, r.deviceId, owner, requester);
    const unsigned: JsonObject = isJsonObject(key.unsigned) ? { ...key.unsigned } : {};
    if (r.displayName !== null) unsigned.device_display_name = r.displayName;
    key = { ...key, unsigned };
    out.device_keys[r.deviceId] = key;
  }
  const cross = store.crossSigningKeys();
  for (const [usage, key] of Object.entries(cross) as [CrossSigningUsage, JsonObject][]) {
    if (usage === "user_signing" && requester !== owner) continue;
    const merged = mergeSignatures(store, key, publicKeyOf(key), owner, requester);
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

/**
 * Claims one key per requested device: a one-time key of the algorithm if any is left (and
 * removes it), else the fallback key (marked used, but still handed out). Synchronous, so two
 * claims inside the object can never take the same key.
 */
export function claimKeys(store: EncryptionKeyStore, wanted: Record<string, string>): Record<string, Record<string, JsonValue>> {
  const out: Record<string, Record<string, JsonValue>> = {};
  for (const [deviceId, algorithm] of Object.entries(wanted)) {
    const otk = store.claimOneTimeKey(deviceId, algorithm);
    if (otk) {
      out[deviceId] = { [otk.keyId]: otk.key };
      continue;
    }
    const fb = store.useFallbackKey(deviceId, algorithm);
    if (fb) out[deviceId] = { [fb.keyId]: fb.key };
  }
  return out;
}

export function storeCrossSigningKeys(store: EncryptionKeyStore, keys: Partial<Record<CrossSigningUsage, JsonObject>>): void {
  for (const [usage, key] of Object.entries(keys)) store.setCrossSigningKey(usage, key);
}

export function storeSignatures(store: EncryptionKeyStore, sigs: StoredSignature[]): void {
  for (const s of sigs) store.setSignature(s);
}
