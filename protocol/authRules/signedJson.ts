/**
 * Verifying the identity server's signature on `third_party_invite.signed` (spec:
 * server-server-api "Verifying the invite"; appendices "Signing JSON", "Canonical JSON",
 * "Unpadded Base64"). Synchronous, with tweetnacl, so the auth rules stay synchronous.
 *
 * Canonical JSON and base64 are done locally on purpose: this file only has to handle the tiny
 * `signed` object, and the auth rules should not depend on the signing module's API.
 */
import nacl from "tweetnacl";
import type { JsonObject, JsonValue } from "../json.js";
import { isJsonObject } from "../json.js";

/** Compares strings by Unicode code point (JS `<` compares UTF-16 code units). */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const cx = x.value.codePointAt(0) as number;
    const cy = y.value.codePointAt(0) as number;
    if (cx !== cy) return cx - cy;
  }
}

/** Canonical JSON: sorted keys, no insignificant whitespace, shortest escapes (JSON.stringify's). */
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value).sort(compareCodePoints);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));

/** Decodes base64 in the standard or URL-safe alphabet, padded or not; undefined if malformed. */
export function decodeBase64(text: string): Uint8Array | undefined {
  const s = text.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/");
  if (s.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let n = 0;
  for (const c of s) {
    const v = DECODE.get(c);
    if (v === undefined) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out;
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

const encoder = new TextEncoder();

/**
 * True when any ed25519 signature in `signed.signatures` verifies, under any of `publicKeys`,
 * over the canonical JSON of `signed` without `signatures` and `unsigned`.
 */
export function verifySignedJson(signed: JsonObject, publicKeys: string[]): boolean {
  const signatures = signed.signatures;
  if (!isJsonObject(signatures)) return false;
  const unsignedCopy: JsonObject = {};
  for (const [k, v] of Object.entries(signed)) if (k !== "signatures" && k !== "unsigned") unsignedCopy[k] = v;
  const message = encoder.encode(canonicalJson(unsignedCopy));
  const keys = publicKeys.map(decodeBase64).filter((k): k is Uint8Array => k?.length === nacl.sign.publicKeyLength);
  for (const bySigner of Object.values(signatures)) {
    if (!isJsonObject(bySigner)) continue;
    for (const [keyId, sig] of Object.entries(bySigner)) {
      if (!keyId.startsWith("ed25519:") || typeof sig !== "string") continue;
      const sigBytes = decodeBase64(sig);
      if (sigBytes?.length !== nacl.sign.signatureLength) continue;
      if (keys.some((key) => nacl.sign.detached.verify(message, sigBytes, key))) return true;
    }
  }
  return false;
}
