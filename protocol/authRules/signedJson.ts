/**
 * Verifying the identity server's signature on `third_party_invite.signed` (spec:
 * server-server-api "Verifying the invite"; appendices "Signing JSON"). The auth rules are
 * synchronous, so this verifies with tweetnacl directly rather than through the (async,
 * WebCrypto) `verifyJsonSignature` of protocol/signing.ts; the signed bytes and base64 come
 * from the shared protocol modules.
 */
import nacl from "tweetnacl";
import type { JsonObject } from "../json.js";
import { isJsonObject } from "../json.js";
import { decodeBase64 } from "../base64.js";
import { signedBytes } from "../signing.js";

/** Base64 (either alphabet, padding optional) → bytes, or undefined when malformed. */
function tryDecode(text: string): Uint8Array | undefined {
  try {
    return decodeBase64(text);
  } catch {
    return undefined;
  }
}

/** The public keys of an `m.room.third_party_invite`: `public_key` and each `public_keys[].public_key`. */
export function thirdPartyInvitePublicKeys(content: JsonObject): string[] {
  const keys: string[] = [];
  if (typeof content.public_key === "string") keys.push(content.public_key);
  if (Array.isArray(content.public_keys)) {
    for (const entry of content.public_keys) {
      if (isJsonObject(entry) && typeof entry.public_key === "string") keys.push(entry.public_key);
    }
  }
  return keys;
}

/**
 * True when any ed25519 signature in `signed.signatures` verifies, under any of `publicKeys`,
 * over the canonical JSON of `signed` without `signatures` and `unsigned`.
 */
export function verifySignedJson(signed: JsonObject, publicKeys: string[]): boolean {
  const signatures = signed.signatures;
  if (!isJsonObject(signatures)) return false;
  let message: Uint8Array;
  try {
    message = signedBytes(signed);
  } catch {
    return false; // not canonical JSON: nothing can have signed it
  }
  const keys = publicKeys.map(tryDecode).filter((k): k is Uint8Array => k?.length === nacl.sign.publicKeyLength);
  for (const bySigner of Object.values(signatures)) {
    if (!isJsonObject(bySigner)) continue;
    for (const [keyId, sig] of Object.entries(bySigner)) {
      if (!keyId.startsWith("ed25519:") || typeof sig !== "string") continue;
      const sigBytes = tryDecode(sig);
      if (sigBytes?.length !== nacl.sign.signatureLength) continue;
      if (keys.some((key) => nacl.sign.detached.verify(message, sigBytes, key))) return true;
    }
  }
  return false;
}
