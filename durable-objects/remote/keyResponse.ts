/**
 * Checking a server's key response (spec: "Publishing Keys", keys_server.yaml): it names the
 * server we asked about, every key is well-formed, and it is signed by each of its verify_keys.
 */
import { decodeBase64 } from "../../protocol/base64.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { verifyJsonSignature } from "../../protocol/signing.js";

export interface ParsedKey {
  keyId: string;
  publicKey: string;
  /** For current keys the response's valid_until_ts; for old keys their expired_ts. */
  validUntilTs: number;
  expiredTs?: number;
}

export interface ParsedKeyResponse {
  validUntilTs: number;
  keys: ParsedKey[];
}

function isKey(v: unknown): v is string {
  if (typeof v !== "string") return false;
  try {
    return decodeBase64(v).length === 32;
  } catch {
    return false;
  }
}

/** The keys of a valid, self-signed response from `serverName`; a reason string otherwise. */
export async function checkKeyResponse(resp: unknown, serverName: string): Promise<ParsedKeyResponse | string> {
  if (!isJsonObject(resp)) return "not an object";
  if (resp.server_name !== serverName) return `server_name is not ${serverName}`;
  const validUntil = resp.valid_until_ts;
  if (typeof validUntil !== "number" || !Number.isInteger(validUntil)) return "valid_until_ts missing";
  if (!isJsonObject(resp.verify_keys)) return "verify_keys missing";
  const keys: ParsedKey[] = [];
  for (const [keyId, v] of Object.entries(resp.verify_keys)) {
    if (!keyId.startsWith("ed25519:")) continue; // unknown algorithms are ignored
    if (!isJsonObject(v) || !isKey(v.key)) return `verify key ${keyId} malformed`;
    if (!(await verifyJsonSignature(resp, serverName, keyId, decodeBase64(v.key)))) return `not signed with ${keyId}`;
    keys.push({ keyId, publicKey: v.key, validUntilTs: validUntil });
  }
  if (keys.length === 0) return "no ed25519 verify key";
  const old = resp.old_verify_keys;
  if (isJsonObject(old)) {
    for (const [keyId, v] of Object.entries(old)) {
      if (!keyId.startsWith("ed25519:") || keys.some((k) => k.keyId === keyId)) continue;
      if (!isJsonObject(v) || !isKey(v.key) || typeof v.expired_ts !== "number") continue;
      keys.push({ keyId, publicKey: v.key, validUntilTs: v.expired_ts, expiredTs: v.expired_ts });
    }
  }
  return { validUntilTs: validUntil, keys };
}

export type { JsonObject };
