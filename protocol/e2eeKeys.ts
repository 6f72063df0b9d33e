/**
 * Checks on the keys clients publish for end-to-end encryption (spec: client-server-api,
 * "End-to-End Encryption": device keys, one-time and fallback keys, cross-signing keys).
 * Pure: each check returns an error text for the client, or undefined when the key is fine.
 * The server never reads messages; it only makes sure what it hands out is what the owner signed.
 */
import { decodeBase64 } from "./base64.js";
import { isJsonObject, type JsonObject, type JsonValue } from "./json.js";
import { verifyJsonSignature } from "./signing.js";

/** `signatures[userId][keyId]` verifies against the unpadded-base64 ed25519 public key. */
export async function isSignedBy(obj: JsonObject, userId: string, keyId: string, publicKeyB64: string): Promise<boolean> {
  let publicKey: Uint8Array;
  try {
    publicKey = decodeBase64(publicKeyB64);
  } catch {
    return false;
  }
  if (publicKey.length !== 32) return false;
  return verifyJsonSignature(obj, userId, keyId, publicKey);
}

function isSignaturesMap(v: JsonValue | undefined): boolean {
  if (!isJsonObject(v)) return false;
  return Object.values(v).every((byKey) => isJsonObject(byKey) && Object.values(byKey).every((s) => typeof s === "string"));
}

/**
 * DeviceKeys (spec: keys.yaml): the shape of the object, naming the uploading user and device.
 * The device's signature on its own keys is not checked, as Synapse does not check it: clients
 * verify it when they fetch the keys (spec: "Downloading keys for a device" has them check it), and
 * a server that refused unverifiable uploads would only stop clients it cannot judge.
 */
export function checkDeviceKeys(keys: JsonValue, userId: string, deviceId: string): string | undefined {
  if (!isJsonObject(keys)) return "device_keys must be an object";
  if (keys.user_id !== userId) return "Provided user_id in device_keys does not match that of the authenticated user";
  if (keys.device_id !== deviceId) return "Provided device_id in device_keys does not match that of the authenticated user device";
  if (!Array.isArray(keys.algorithms) || !keys.algorithms.every((a) => typeof a === "string")) return "device_keys.algorithms must be an array of strings";
  if (!isJsonObject(keys.keys) || !Object.values(keys.keys).every((k) => typeof k === "string")) return "device_keys.keys must map key IDs to strings";
  if (!isSignaturesMap(keys.signatures)) return "device_keys.signatures must be {user_id: {key_id: signature}}";
  return undefined;
}

/**
 * A one-time or fallback key: `<algorithm>:<key id>` → an unpadded base64 key string or a key
 * object with a `key` string. Its signature is the claiming client's to check, as for device keys.
 */
export function checkOneTimeKey(keyId: string, value: JsonValue): string | undefined {
  const colon = keyId.indexOf(":");
  if (colon <= 0 || colon === keyId.length - 1) return `key ID ${keyId} must be <algorithm>:<key id>`;
  if (typeof value === "string") return value.length > 0 ? undefined : `key ${keyId} is empty`;
  if (!isJsonObject(value)) return `key ${keyId} must be a string or an object`;
  if (typeof value.key !== "string" || value.key.length === 0) return `key ${keyId} needs a 'key' string`;
  if (value.signatures !== undefined && !isSignaturesMap(value.signatures)) return `key ${keyId} has malformed signatures`;
  return undefined;
}

/**
 * The stricter check of a dehydrated device's keys (MSC3814): no client is signed in as that
 * device to stand behind them, so, beyond checkDeviceKeys, its key IDs must name it and its
 * ed25519 key must have signed them.
 */
export async function checkDehydratedDeviceKeys(keys: JsonValue, userId: string, deviceId: string): Promise<string | undefined> {
  const err = checkDeviceKeys(keys, userId, deviceId);
  if (err || !isJsonObject(keys) || !isJsonObject(keys.keys)) return err;
  for (const keyId of Object.keys(keys.keys)) {
    const colon = keyId.indexOf(":");
    if (colon <= 0 || keyId.slice(colon + 1) !== deviceId) return `key ID ${keyId} must be <algorithm>:<device_id>`;
  }
  const ed = keys.keys[`ed25519:${deviceId}`];
  if (typeof ed !== "string") return `device_keys.keys must contain ed25519:${deviceId}`;
  if (!(await isSignedBy(keys, userId, `ed25519:${deviceId}`, ed))) return "device_keys are not correctly signed by the device's ed25519 key";
  return undefined;
}

/** A dehydrated device's one-time or fallback key: checkOneTimeKey, and a signed key signed by the device. */
export async function checkDehydratedOneTimeKey(keyId: string, value: JsonValue, userId: string, deviceId: string, deviceEd25519: string): Promise<string | undefined> {
  const err = checkOneTimeKey(keyId, value);
  if (err || !isJsonObject(value) || !keyId.startsWith("signed_")) return err;
  if (!(await isSignedBy(value, userId, `ed25519:${deviceId}`, deviceEd25519))) return `key ${keyId} is not correctly signed by the device`;
  return undefined;
}

export type CrossSigningUsage = "master" | "self_signing" | "user_signing";

/**
 * CrossSigningKey (spec: cross_signing.yaml): the user's ID, a usage list naming `usage`, and
 * exactly one ed25519 key whose ID is `ed25519:<public key>`. Returns the key ID and public key.
 */
export function parseCrossSigningKey(key: JsonValue, userId: string, usage: CrossSigningUsage): { keyId: string; publicKey: string } | string {
  if (!isJsonObject(key)) return `${usage} key must be an object`;
  if (key.user_id !== userId) return `${usage} key user_id does not match`;
  if (!Array.isArray(key.usage) || !key.usage.includes(usage) || !key.usage.every((u) => typeof u === "string")) return `${usage} key usage must include '${usage}'`;
  if (!isJsonObject(key.keys)) return `${usage} key needs 'keys'`;
  const entries = Object.entries(key.keys);
  if (entries.length !== 1) return `${usage} key must contain exactly one key`;
  const [keyId, publicKey] = entries[0];
  if (typeof publicKey !== "string" || keyId !== `ed25519:${publicKey}`) return `${usage} key ID must be ed25519:<public key>`;
  try {
    if (decodeBase64(publicKey).length !== 32) return `${usage} key is not an ed25519 public key`;
  } catch {
    return `${usage} key is not valid base64`;
  }
  if (key.signatures !== undefined && !isSignaturesMap(key.signatures)) return `${usage} key has malformed signatures`;
  return { keyId, publicKey };
}

/** The object without `signatures` and `unsigned`, for comparing what was signed. */
export function withoutSignatures(obj: JsonObject): JsonObject {
  const { signatures: _s, unsigned: _u, ...rest } = obj;
  return rest;
}

/** The same JSON value, whatever the key order. */
export function sameJson(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (isJsonObject(a) && isJsonObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]));
  }
  return false;
}
