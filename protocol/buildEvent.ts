/**
 * Creating a new event as its origin server (spec: server-server API "Adding hashes and
 * signatures to outgoing events"; rooms/v1.md "Event IDs", v3/v4 "Event IDs", v11.md "Event
 * format", v12.md and appendices "Room IDs").
 *
 * Order matters: the content hash is computed over the full wire-form event, the signature over
 * its redacted form (which includes the hash), and for v3+ the event ID over the redacted form
 * too. The event ID is therefore known only at the very end.
 */
import { computeEventId } from "./eventHashing.js";
import { hashAndSignEvent } from "./eventSigning.js";
import type { JsonObject, JsonValue } from "./json.js";
import type { PDU } from "./pdu.js";
import type { RoomVersion } from "./roomVersions.js";
import type { SigningKey } from "./signing.js";
import {
  EventFormatError,
  WIRE_REFERENCE_HASHES_KEY,
  type ReferenceHashLookup,
  type WireReferenceHashes,
} from "./wireFormat.js";

export interface EventTemplate {
  /** Required, except on a room version 12+ `m.room.create` event, which must not have one. */
  room_id?: string;
  sender: string;
  type: string;
  state_key?: string;
  content: JsonObject;
  prev_events: string[];
  auth_events: string[];
  depth: number;
  origin_server_ts: number;
  /** For `m.room.redaction`: the event redacted. Top-level before v11, `content.redacts` from v11. */
  redacts?: string;
}

export interface BuildEventOptions {
  /**
   * Room versions 1–2 only: reference hashes of the `prev_events`/`auth_events`, written into
   * their `[event_id, {sha256}]` tuples (`""` for unknown ones).
   */
  referenceHashes?: ReferenceHashLookup;
}

const OPAQUE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A `$opaque:server` event ID for room versions 1–2: 18 random letters are unique enough. */
function randomV1EventId(serverName: string): string {
  const random = crypto.getRandomValues(new Uint8Array(18));
  return "$" + Array.from(random, (b) => OPAQUE_CHARS[b % OPAQUE_CHARS.length]).join("") + ":" + serverName;
}

function isV12Create(template: EventTemplate, version: RoomVersion): boolean {
  return version.roomIdIsCreateEventHash && template.type === "m.room.create" && template.state_key === "";
}

/**
 * Builds, hashes and signs a new event of `version` sent by `serverName`, and returns it as a
 * `PDU` with its final `event_id`. `undefined` optional fields are left out.
 *
 * Per version: v1–2 get a random `$…:serverName` ID and keep the reference hashes of their
 * references for the wire form; v1–10 carry `origin` and a top-level `redacts`; v11+ carry
 * neither, with `redacts` in `content` as the spec moved it; v12+ create events have no
 * `room_id` (use `roomIdFromCreateEvent` for the room's ID).
 */
export async function buildEvent(
  template: EventTemplate,
  version: RoomVersion,
  serverName: string,
  key: SigningKey,
  options?: BuildEventOptions,
): Promise<PDU> {
  const v12Create = isV12Create(template, version);
  if (v12Create && template.room_id !== undefined) {
    throw new EventFormatError(`a room version ${version.id} m.room.create event has no room_id: the room ID is derived from it`);
  }
  if (!v12Create && template.room_id === undefined) throw new EventFormatError("the event needs a room_id");

  const event: Record<string, unknown> = {};
  if (version.eventIdFormat === "v1") event.event_id = randomV1EventId(serverName);
  if (template.room_id !== undefined) event.room_id = template.room_id;
  event.sender = template.sender;
  event.type = template.type;
  if (template.state_key !== undefined) event.state_key = template.state_key;

  let content: JsonObject = template.content;
  if (template.redacts !== undefined) {
    if (version.v11EventFormat) {
      if (content.redacts === undefined) content = { ...content, redacts: template.redacts };
    } else {
      event.redacts = template.redacts;
    }
  }
  event.content = content;
  event.prev_events = [...template.prev_events];
  event.auth_events = [...template.auth_events];
  event.depth = template.depth;
  event.origin_server_ts = template.origin_server_ts;
  if (!version.v11EventFormat) event.origin = serverName;
  event.hashes = { sha256: "" };
  event.signatures = {};

  if (version.eventIdFormat === "v1") {
    // Fix the tuple hashes now, so that toWireFormat later reproduces exactly what we signed.
    const lookup = options?.referenceHashes;
    const tuples = (ids: string[]): JsonValue[] => ids.map((id) => [id, { sha256: lookup?.(id) ?? "" }]);
    const stored: WireReferenceHashes = {
      prev_events: tuples(template.prev_events),
      auth_events: tuples(template.auth_events),
    };
    event[WIRE_REFERENCE_HASHES_KEY] = stored;
  } else {
    event.event_id = "";
  }

  const signed = await hashAndSignEvent(event as PDU, version, serverName, key);
  if (version.eventIdFormat !== "v1") signed.event_id = await computeEventId(signed, version);
  return signed;
}

/**
 * The room ID of a room version 12+ room: its create event's ID with `!` in place of `$`
 * (appendices, "Room IDs"). Throws for a create event that carries a `room_id` (every version
 * before 12), whose room ID is that field.
 */
export function roomIdFromCreateEvent(createEvent: PDU): string {
  if (createEvent.type !== "m.room.create" || createEvent.state_key !== "") {
    throw new EventFormatError("the room ID derives from the m.room.create event");
  }
  if (createEvent.room_id !== undefined) {
    throw new EventFormatError("this create event carries its room_id: only room version 12+ derive the room ID from it");
  }
  if (!createEvent.event_id.startsWith("$")) throw new EventFormatError("the create event's ID does not start with $");
  return "!" + createEvent.event_id.slice(1);
}
