/**
 * The federation ("wire") form of PDUs per room version, and Lattice's in-memory `PDU`
 * (spec: server-server API "PDUs"; rooms/v1.md, v3.md, v4.md, v6.md, v11.md, v12.md "Event
 * format"; client-server API "Size limits").
 *
 * Differences between the two forms:
 * - Room versions 1–2 carry `event_id`, and `prev_events`/`auth_events` are
 *   `[event_id, {sha256: reference hash}]` tuples.
 * - Room versions 3+ carry no `event_id` (receivers compute it) and plain event ID lists.
 * - The in-memory PDU always has `event_id` and plain ID lists.
 *
 * Signatures and hashes of v1–2 events cover the tuples exactly as the sender wrote them, so
 * `fromWireFormat` keeps the tuples as received under `WIRE_REFERENCE_HASHES_KEY` and
 * `toWireFormat` writes them back; without that an old event could never be re-served with
 * valid signatures. (Callers that show events to clients must leave that key out.)
 */
import { CanonicalJsonError, canonicalJson, MAX_SAFE_INTEGER } from "./canonicalJson.js";
import { computeEventId } from "./eventHashing.js";
import { isValidUserId, parseRoomId, utf8ByteLength, validateEventId, MAX_IDENTIFIER_BYTES } from "./identifiers.js";
import { isJsonObject, type JsonObject, type JsonValue } from "./json.js";
import type { PDU } from "./pdu.js";
import { WIRE_REFERENCE_HASHES_KEY } from "./redact.js";
import type { RoomVersion } from "./roomVersions.js";

export { WIRE_REFERENCE_HASHES_KEY };

/** The event does not have the shape its room version requires. */
export class EventFormatError extends Error {
  override name = "EventFormatError";
}

/** A whole event, as canonical JSON with signatures, must fit in 64 KiB. */
export const MAX_PDU_BYTES = 65536;
/** The spec's limit on `type` and on `state_key`, in bytes of UTF-8. */
export const MAX_TYPE_BYTES = 255;
export const MAX_STATE_KEY_BYTES = 255;
/** `prev_events` "must contain less than or equal to 20 events". */
export const MAX_PREV_EVENTS = 20;
/** `auth_events` "must contain less than or equal to 10 events". */
export const MAX_AUTH_EVENTS = 10;

/**
 * A v1–2 event's `prev_events`/`auth_events` tuples exactly as received (or as built), kept on
 * the PDU under `WIRE_REFERENCE_HASHES_KEY`.
 */
export interface WireReferenceHashes {
  prev_events: JsonValue[];
  auth_events: JsonValue[];
}

/** Gives the reference hash (unpadded base64) of an event, if known; for v1–2 tuples. */
export type ReferenceHashLookup = (eventId: string) => string | undefined;

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

function isTuple(entry: unknown): entry is [string, JsonValue] {
  return Array.isArray(entry) && entry.length === 2 && typeof entry[0] === "string";
}

function storedTuples(pdu: PDU, list: "prev_events" | "auth_events"): [string, JsonValue][] {
  const stored = pdu[WIRE_REFERENCE_HASHES_KEY];
  if (!isJsonObject(stored) || !Array.isArray(stored[list])) return [];
  return (stored[list] as unknown[]).filter(isTuple);
}

function toTuples(pdu: PDU, list: "prev_events" | "auth_events", lookup?: ReferenceHashLookup): JsonValue[] {
  const stored = storedTuples(pdu, list);
  const entries = pdu[list] as unknown[];
  // The usual case: the lists still match what was received, so send exactly that.
  if (stored.length === entries.length && stored.every((tuple, i) => tuple[0] === entries[i])) return stored;
  return entries.map((entry): JsonValue => {
    if (Array.isArray(entry)) return entry as JsonValue; // already a wire tuple
    const id = entry as string;
    const known = stored.find((tuple) => tuple[0] === id);
    return known ?? [id, { sha256: lookup?.(id) ?? "" }];
  });
}

/**
 * The event as it is sent over federation for `version`, a new object (nested values shared).
 *
 * For room versions 1–2 each `prev_events`/`auth_events` entry becomes `[id, {sha256}]`, taking
 * the hash from what was received (see `fromWireFormat`), else from `lookup`, else `""`.
 * Entries already in tuple form are kept, so passing a wire-form event through is harmless.
 * For 3+ `event_id` is left out. `unsigned` is kept; drop it yourself where it must not travel.
 */
export function toWireFormat(pdu: PDU, version: RoomVersion, lookup?: ReferenceHashLookup): JsonObject {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(pdu)) {
    if (version.eventIdFormat === "v1") {
      if (key === WIRE_REFERENCE_HASHES_KEY) continue;
      if (key === "prev_events" || key === "auth_events") {
        setOwn(out, key, toTuples(pdu, key, lookup));
        continue;
      }
    } else if (key === "event_id") {
      continue;
    }
    setOwn(out, key, pdu[key]);
  }
  return out as JsonObject;
}

// ---------------------------------------------------------------------------------------------
// Validation of received events

function fail(message: string): never {
  throw new EventFormatError(message);
}

function requireString(event: JsonObject, key: string): string {
  const value = event[key];
  if (typeof value !== "string") fail(`\`${key}\` must be a string${value === undefined ? " and is missing" : ""}`);
  return value;
}

function requireInteger(event: JsonObject, key: string, version: RoomVersion): number {
  const value = event[key];
  if (typeof value !== "number" || !Number.isInteger(value)) {
    fail(`\`${key}\` must be an integer${value === undefined ? " and is missing" : ""}`);
  }
  if (version.strictCanonicalJson && Math.abs(value) > MAX_SAFE_INTEGER) fail(`\`${key}\` is out of range`);
  return value;
}

function requireObject(event: JsonObject, key: string): JsonObject {
  const value = event[key];
  if (!isJsonObject(value)) fail(`\`${key}\` must be an object${value === undefined ? " and is missing" : ""}`);
  return value;
}

function checkLength(value: string, key: string, max: number): void {
  if (utf8ByteLength(value) > max) fail(`\`${key}\` is longer than ${max} bytes`);
}

function checkSignatures(signatures: JsonObject): void {
  for (const [entity, keys] of Object.entries(signatures)) {
    if (!isJsonObject(keys)) fail(`\`signatures.${entity}\` must be an object of key ID → signature`);
    for (const [keyId, signature] of Object.entries(keys)) {
      if (typeof signature !== "string") fail(`\`signatures.${entity}.${keyId}\` must be a string`);
    }
  }
}

function checkEventIdReference(id: string, where: string, version: RoomVersion): void {
  try {
    validateEventId(id, version);
  } catch (e) {
    fail(`${where}: ${(e as Error).message}`);
  }
}

/** Reads a v1–2 tuple list into its event IDs, checking each `[event_id, {sha256}]` pair. */
function flattenTuples(event: JsonObject, key: "prev_events" | "auth_events", version: RoomVersion): string[] {
  const list = event[key];
  if (!Array.isArray(list)) fail(`\`${key}\` must be an array${list === undefined ? " and is missing" : ""}`);
  return list.map((entry, i) => {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== "string" || !isJsonObject(entry[1])) {
      fail(`\`${key}[${i}]\` must be an [event_id, {sha256}] pair in room version ${version.id}`);
    }
    checkEventIdReference(entry[0], `\`${key}[${i}]\``, version);
    return entry[0];
  });
}

function readIdList(event: JsonObject, key: "prev_events" | "auth_events", version: RoomVersion): string[] {
  const list = event[key];
  if (!Array.isArray(list)) fail(`\`${key}\` must be an array${list === undefined ? " and is missing" : ""}`);
  return list.map((entry, i) => {
    if (typeof entry !== "string") fail(`\`${key}[${i}]\` must be an event ID string in room version ${version.id}`);
    checkEventIdReference(entry, `\`${key}[${i}]\``, version);
    return entry;
  });
}

/**
 * Checks that `json` is a well-formed PDU of room version `version` and returns it as a `PDU`:
 * required keys present with the right types, canonical JSON rules (strict from v6), size limits,
 * identifier grammar for `sender`, `room_id` and referenced event IDs, and for v3+ computes
 * `event_id` from the reference hash. Throws `EventFormatError` naming the first problem.
 *
 * It does not check signatures, the content hash or authorisation: those come next.
 * Unknown top-level keys are kept, since they are covered by the content hash. For v3+ a stray
 * `event_id` on the wire is dropped (it is not part of the format; the real ID is computed).
 */
export async function fromWireFormat(json: unknown, version: RoomVersion): Promise<PDU> {
  if (!isJsonObject(json)) fail("a PDU must be a JSON object");
  const v1Format = version.eventIdFormat === "v1";
  let wire: JsonObject = json;
  if (!v1Format && Object.hasOwn(wire, "event_id")) {
    const { event_id: _dropped, ...rest } = wire;
    wire = rest;
  }
  if (v1Format && Object.hasOwn(wire, WIRE_REFERENCE_HASHES_KEY)) {
    fail(`\`${WIRE_REFERENCE_HASHES_KEY}\` is reserved`);
  }

  let encoded: string;
  try {
    encoded = canonicalJson(wire, { strict: version.strictCanonicalJson });
  } catch (e) {
    if (e instanceof CanonicalJsonError) fail(`not valid canonical JSON for room version ${version.id}: ${e.message}`);
    throw e;
  }
  if (utf8ByteLength(encoded) > MAX_PDU_BYTES) fail(`the event is larger than ${MAX_PDU_BYTES} bytes`);

  const type = requireString(wire, "type");
  checkLength(type, "type", MAX_TYPE_BYTES);
  const sender = requireString(wire, "sender");
  if (!isValidUserId(sender, { historical: true })) fail(`\`sender\` ${JSON.stringify(sender)} is not a valid user ID`);
  requireInteger(wire, "origin_server_ts", version);
  requireInteger(wire, "depth", version);
  requireObject(wire, "content");
  const hashes = requireObject(wire, "hashes");
  if (typeof hashes.sha256 !== "string") fail("`hashes.sha256` must be a string");
  checkSignatures(requireObject(wire, "signatures"));
  if (Object.hasOwn(wire, "state_key")) checkLength(requireString(wire, "state_key"), "state_key", MAX_STATE_KEY_BYTES);
  if (Object.hasOwn(wire, "unsigned")) requireObject(wire, "unsigned");
  if (!version.v11EventFormat && Object.hasOwn(wire, "redacts")) {
    checkEventIdReference(requireString(wire, "redacts"), "`redacts`", version);
  }

  // room_id: required, except that from v12 the create event has none (the room ID is derived
  // from it). A v12 create event that does carry one is left for the auth rules to reject.
  const isCreate = type === "m.room.create" && wire.state_key === "";
  if (Object.hasOwn(wire, "room_id") || !(version.roomIdIsCreateEventHash && isCreate)) {
    const roomId = requireString(wire, "room_id");
    try {
      parseRoomId(roomId, version);
    } catch (e) {
      fail(`\`room_id\`: ${(e as Error).message}`);
    }
    if (utf8ByteLength(roomId) > MAX_IDENTIFIER_BYTES) fail(`\`room_id\` is longer than ${MAX_IDENTIFIER_BYTES} bytes`);
  }

  const pdu: Record<string, unknown> = {};
  if (v1Format) {
    const eventId = requireString(wire, "event_id");
    checkEventIdReference(eventId, "`event_id`", version);
    const prev = flattenTuples(wire, "prev_events", version);
    const auth = flattenTuples(wire, "auth_events", version);
    if (prev.length > MAX_PREV_EVENTS) fail(`\`prev_events\` has more than ${MAX_PREV_EVENTS} entries`);
    if (auth.length > MAX_AUTH_EVENTS) fail(`\`auth_events\` has more than ${MAX_AUTH_EVENTS} entries`);
    for (const key of Object.keys(wire)) setOwn(pdu, key, wire[key]);
    pdu.prev_events = prev;
    pdu.auth_events = auth;
    const stored: WireReferenceHashes = {
      prev_events: wire.prev_events as JsonValue[],
      auth_events: wire.auth_events as JsonValue[],
    };
    pdu[WIRE_REFERENCE_HASHES_KEY] = stored;
  } else {
    const prev = readIdList(wire, "prev_events", version);
    const auth = readIdList(wire, "auth_events", version);
    if (prev.length > MAX_PREV_EVENTS) fail(`\`prev_events\` has more than ${MAX_PREV_EVENTS} entries`);
    if (auth.length > MAX_AUTH_EVENTS) fail(`\`auth_events\` has more than ${MAX_AUTH_EVENTS} entries`);
    pdu.event_id = await computeEventId(wire, version);
    for (const key of Object.keys(wire)) setOwn(pdu, key, wire[key]);
  }
  return pdu as PDU;
}
