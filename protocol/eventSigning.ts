/**
 * Signing events (spec: server-server API, "Signing Events": "Adding hashes and signatures to
 * outgoing events", "Validating hashes and signatures on received events").
 *
 * An event's signature covers its *redacted* form, which still includes `hashes`: so a
 * signature stays checkable after redaction, and the content hash ties it to the full content.
 *
 * Each function takes a `PDU` or a wire-form event (`toWireFormat` is applied, which leaves a
 * wire-form event as it is) and returns the same form it was given.
 */
import { encodeBase64 } from "./base64.js";
import { computeContentHash } from "./eventHashing.js";
import type { JsonObject } from "./json.js";
import type { PDU, Signatures } from "./pdu.js";
import { redact } from "./redact.js";
import type { RoomVersion } from "./roomVersions.js";
import { signJson, verifyJsonSignature, type SigningKey } from "./signing.js";
import { toWireFormat, type ReferenceHashLookup } from "./wireFormat.js";

type AnyEvent = PDU | JsonObject;

function wireOf(event: AnyEvent, version: RoomVersion, lookup?: ReferenceHashLookup): JsonObject {
  return toWireFormat(event as PDU, version, lookup);
}

/**
 * Adds `signingName`'s signature (made with `key`) over the redacted event, keeping existing
 * signatures. Use it to co-sign an event another server built (e.g. a join in `send_join`).
 * The event's `hashes` must already be set.
 */
export async function signEvent<T extends AnyEvent>(
  event: T,
  version: RoomVersion,
  signingName: string,
  key: SigningKey,
  lookup?: ReferenceHashLookup,
): Promise<T> {
  const redacted = redact(wireOf(event, version, lookup), version);
  const signed = await signJson(redacted, signingName, key, { strict: version.strictCanonicalJson });
  return { ...event, signatures: signed.signatures };
}

/**
 * Computes the content hash into `hashes.sha256`, then signs the redacted event: what an origin
 * server does to every event it creates.
 */
export async function hashAndSignEvent<T extends AnyEvent>(
  event: T,
  version: RoomVersion,
  signingName: string,
  key: SigningKey,
  lookup?: ReferenceHashLookup,
): Promise<T> {
  const hash = await computeContentHash(wireOf(event, version, lookup), version);
  const hashed: T = { ...event, hashes: { sha256: encodeBase64(hash) } };
  return signEvent(hashed, version, signingName, key, lookup);
}

/**
 * Whether `event` carries a valid signature by `signingName` with `keyId`/`publicKey` over its
 * redacted form. Works on full and redacted copies alike. Deciding *which* servers must have
 * signed (the sender's; for v1–2 also the event ID's domain) and whether the key was valid at
 * `origin_server_ts` is the caller's part.
 */
export function verifyEventSignature(
  event: AnyEvent,
  version: RoomVersion,
  signingName: string,
  keyId: string,
  publicKey: Uint8Array,
): Promise<boolean> {
  let redacted: JsonObject;
  try {
    redacted = redact(wireOf(event, version), version);
  } catch {
    return Promise.resolve(false);
  }
  return verifyJsonSignature(redacted, signingName, keyId, publicKey, { strict: version.strictCanonicalJson });
}

/** The signing names and key IDs present on an event, for looking up the keys to check. */
export function signatureKeyIds(event: AnyEvent): Array<{ signingName: string; keyId: string }> {
  const out: Array<{ signingName: string; keyId: string }> = [];
  const signatures = event.signatures as Signatures | undefined;
  if (typeof signatures !== "object" || signatures === null) return out;
  for (const [signingName, keys] of Object.entries(signatures)) {
    if (typeof keys !== "object" || keys === null) continue;
    for (const keyId of Object.keys(keys)) out.push({ signingName, keyId });
  }
  return out;
}
