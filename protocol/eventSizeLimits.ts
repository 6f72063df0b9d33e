/**
 * Size limits of an event (spec: client-server API, "Size limits").
 *
 * The whole event, in the federation format with its signatures and as canonical JSON, is at
 * most 65,536 bytes; `type` and `state_key` at most 255 bytes; `sender`, `room_id` and
 * `event_id` within their identifiers' limits (255 bytes). A server that stored a longer event
 * would hold something every other server rejects, and the room's state would diverge.
 *
 * Incoming PDUs are held to the same limits by `fromWireFormat`; this is the check for events
 * this server builds itself, before it signs and stores them.
 */
import { canonicalJson } from "./canonicalJson.js";
import { utf8ByteLength, MAX_IDENTIFIER_BYTES } from "./identifiers.js";
import type { PDU } from "./pdu.js";
import type { RoomVersion } from "./roomVersions.js";
import { toWireFormat, MAX_PDU_BYTES, MAX_TYPE_BYTES, MAX_STATE_KEY_BYTES } from "./wireFormat.js";

/** Why a built event breaks the spec's size limits, or undefined when it keeps to them. */
export function eventSizeProblem(pdu: PDU, version: RoomVersion): string | undefined {
  if (utf8ByteLength(pdu.type) > MAX_TYPE_BYTES) return `'type' is longer than ${MAX_TYPE_BYTES} bytes`;
  if (pdu.state_key !== undefined && utf8ByteLength(pdu.state_key) > MAX_STATE_KEY_BYTES) {
    return `'state_key' is longer than ${MAX_STATE_KEY_BYTES} bytes`;
  }
  if (utf8ByteLength(pdu.sender) > MAX_IDENTIFIER_BYTES) return `'sender' is longer than ${MAX_IDENTIFIER_BYTES} bytes`;
  if (pdu.room_id !== undefined && utf8ByteLength(pdu.room_id) > MAX_IDENTIFIER_BYTES) {
    return `'room_id' is longer than ${MAX_IDENTIFIER_BYTES} bytes`;
  }
  if (utf8ByteLength(pdu.event_id) > MAX_IDENTIFIER_BYTES) return `'event_id' is longer than ${MAX_IDENTIFIER_BYTES} bytes`;
  if (utf8ByteLength(canonicalJson(toWireFormat(pdu, version))) > MAX_PDU_BYTES) {
    return `the event is larger than ${MAX_PDU_BYTES} bytes`;
  }
  return undefined;
}
