/**
 * Event hashes and hash-derived event IDs (spec: server-server API, "Calculating the content hash
 * for an event", "Calculating the reference hash for an event"; rooms/v3.md and
 * fragments/v4-event-ids.md "Event IDs").
 *
 * - The *content hash* covers the whole event (minus `unsigned`, `signatures`, `hashes`) and is
 *   stored in the event's `hashes.sha256`. It lets a receiver tell a full event from a redacted
 *   copy: the signature covers the hash, the hash covers the content.
 * - The *reference hash* covers the redacted event (so it survives redaction) and is the event
 *   ID from room version 3 on.
 *
 * Everything here hashes the event's **wire form** (`toWireFormat`): for room versions 1–2 that
 * includes `event_id` and the `[event_id, {sha256}]` tuples, for v3+ it has no `event_id`.
 * For v3+ a PDU can be passed as it is (its `event_id` is ignored); for v1–2 passing a PDU with
 * flattened ID lists throws, because hashing it would silently give the wrong bytes.
 */
import { decodeBase64, encodeBase64, encodeBase64Url } from "./base64.js";
import { canonicalJsonBytes } from "./canonicalJson.js";
import type { JsonObject } from "./json.js";
import type { PDU } from "./pdu.js";
import { redact, WIRE_REFERENCE_HASHES_KEY } from "./redact.js";
import { getRoomVersion, type RoomVersion } from "./roomVersions.js";
import { sha256 } from "./sha256.js";

/** Room versions 1–5 do not enforce canonical JSON's number rules, so their events hash leniently. */
function jsonOptions(version: RoomVersion): { strict: boolean } {
  return { strict: version.strictCanonicalJson };
}

/**
 * Guards against hashing the wrong form. For v3+ an `event_id` key is never part of the event
 * (it is what the hash produces), so it is dropped; for v1–2 the ID lists must be tuples.
 */
function asWire(event: object, version: RoomVersion): Record<string, unknown> {
  const record = event as Record<string, unknown>;
  if (version.eventIdFormat !== "v1") {
    const { event_id: _ignored, ...rest } = record;
    return rest;
  }
  for (const key of ["prev_events", "auth_events"]) {
    const list = record[key];
    if (Array.isArray(list) && list.some((entry) => typeof entry === "string")) {
      throw new TypeError(`room version ${version.id} hashes need the wire form: pass toWireFormat(pdu, version)`);
    }
  }
  if (Object.hasOwn(record, WIRE_REFERENCE_HASHES_KEY)) {
    const { [WIRE_REFERENCE_HASHES_KEY]: _internal, ...rest } = record;
    return rest;
  }
  return record;
}

/** The object the content hash covers: the event without `unsigned`, `signatures`, `hashes`. */
export function contentHashInput(wireEvent: object, version: RoomVersion): Record<string, unknown> {
  const { unsigned: _u, signatures: _s, hashes: _h, ...rest } = asWire(wireEvent, version);
  return rest;
}

/** SHA-256 of the canonical JSON of `contentHashInput(wireEvent)`. */
export async function computeContentHash(wireEvent: object, version: RoomVersion): Promise<Uint8Array> {
  return sha256(canonicalJsonBytes(contentHashInput(wireEvent, version), jsonOptions(version)));
}

/** The object the reference hash covers: the redacted event without `signatures`, `unsigned`. */
export function referenceHashInput(wireEvent: object, version: RoomVersion): Record<string, unknown> {
  const { signatures: _s, unsigned: _u, ...rest } = redact(asWire(wireEvent, version) as JsonObject, version);
  return rest;
}

/** SHA-256 of the canonical JSON of the redacted event without `signatures` and `unsigned`. */
export async function computeReferenceHash(wireEvent: object, version: RoomVersion): Promise<Uint8Array> {
  return sha256(canonicalJsonBytes(referenceHashInput(wireEvent, version), jsonOptions(version)));
}

/**
 * The event ID a reference hash gives: `$` + unpadded base64 (room version 3) or URL-safe
 * unpadded base64 (4+). Room versions 1–2 do not derive event IDs from hashes.
 */
export function eventIdFromReferenceHash(hash: Uint8Array, version: RoomVersion): string {
  switch (version.eventIdFormat) {
    case "v3":
      return "$" + encodeBase64(hash);
    case "v4":
      return "$" + encodeBase64Url(hash);
    case "v1":
      throw new Error(`room version ${version.id} event IDs are chosen by the sending server, not derived from a hash`);
  }
}

/**
 * The event ID of `event`, a PDU or a wire-form event.
 *
 * For room versions 3+ it is computed from the reference hash (any `event_id` key is ignored: it
 * is not part of the v3+ event format, and a stale one must not change the hash). For 1–2 the ID
 * is the one the event carries.
 */
export async function computeEventId(event: PDU | JsonObject, version: RoomVersion): Promise<string> {
  if (version.eventIdFormat === "v1") {
    if (typeof event.event_id !== "string") throw new Error(`a room version ${version.id} event must carry its event_id`);
    return event.event_id;
  }
  return eventIdFromReferenceHash(await computeReferenceHash(event, version), version);
}

/**
 * Whether the event's `hashes.sha256` matches its content (server-server API, "Validating hashes
 * and signatures on received events"). False when it does not, when `hashes.sha256` is missing
 * or not base64, or when the event cannot be encoded as canonical JSON for its room version.
 * A false result means the event must be replaced by its redacted form, not dropped.
 */
export async function checkContentHash(wireEvent: object, version: RoomVersion): Promise<boolean> {
  const hashes = (wireEvent as { hashes?: unknown }).hashes;
  if (typeof hashes !== "object" || hashes === null) return false;
  const claimed = (hashes as { sha256?: unknown }).sha256;
  if (typeof claimed !== "string") return false;
  let expected: Uint8Array;
  let actual: Uint8Array;
  try {
    expected = decodeBase64(claimed);
    actual = await computeContentHash(wireEvent, version);
  } catch {
    return false;
  }
  if (expected.length !== actual.length) return false;
  let diff = 0;
  for (let i = 0; i < actual.length; i++) diff |= expected[i] ^ actual[i];
  return diff === 0;
}

/**
 * The event ID of a PDU whose room version is unknown, as for a PDU addressed to a room this
 * server is not in, so that a transaction's reply can still name it (spec: the reply's `pdus` is
 * keyed by the IDs of the PDUs processed). The PDU's shape says what it can:
 * - it carries `event_id`: room version 1–2, which choose their IDs;
 * - its room ID has no server name (or it has no room ID, as a v12 create event): version 12;
 * - it has a top-level `origin`, which the v11 event format dropped (and v11 redaction strips):
 *   versions 4–10, hashed as 10;
 * - otherwise 11.
 * Versions whose redaction rules keep other keys of this very event (a few state event types),
 * and version 3's standard base64, can still give another ID than the sender's: the ID names
 * the PDU in a reply, never more. Undefined when the PDU can't be hashed (not canonical JSON).
 */
export async function eventIdOfUnknownVersion(pdu: JsonObject): Promise<string | undefined> {
  if (typeof pdu.event_id === "string") return pdu.event_id;
  const roomId = pdu.room_id;
  const guess = typeof roomId !== "string" || !roomId.includes(":") ? "12" : typeof pdu.origin === "string" ? "10" : "11";
  const version = getRoomVersion(guess);
  if (!version) return undefined;
  return computeEventId(pdu, version).catch(() => undefined);
}
