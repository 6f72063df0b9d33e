import type { JsonObject } from "./json.js";
import type { PDU } from "./pdu.js";

/** A room event in the Client-Server API's format (spec: ClientEvent). */
export interface ClientEvent {
  event_id: string;
  room_id: string;
  sender: string;
  type: string;
  state_key?: string;
  content: JsonObject;
  origin_server_ts: number;
  redacts?: string;
  unsigned?: JsonObject;
}

/**
 * Turns a stored PDU into what clients see. `redacts` is given both at the top level and in
 * content for v11+ rooms, as the spec recommends for compatibility with older clients.
 */
export function toClientEvent(pdu: PDU, roomId: string, unsigned?: JsonObject): ClientEvent {
  const ev: ClientEvent = {
    event_id: pdu.event_id,
    room_id: roomId,
    sender: pdu.sender,
    type: pdu.type,
    content: pdu.content,
    origin_server_ts: pdu.origin_server_ts,
  };
  if (pdu.state_key !== undefined) ev.state_key = pdu.state_key;
  const redacts = pdu.redacts ?? (typeof pdu.content.redacts === "string" ? pdu.content.redacts : undefined);
  if (pdu.type === "m.room.redaction" && redacts) ev.redacts = redacts;
  const u: JsonObject = { ...(pdu.unsigned ?? {}), ...(unsigned ?? {}) };
  if (Object.keys(u).length > 0) ev.unsigned = u;
  return ev;
}

/** Stripped state (spec: StrippedStateEvent) shown with invites and knocks. */
export function toStrippedState(pdu: PDU): JsonObject {
  return { type: pdu.type, state_key: pdu.state_key ?? "", content: pdu.content, sender: pdu.sender };
}

/** The state events a user sees about a room they are invited to or knocking on (spec: invite_room_state). */
export const STRIPPED_STATE_TYPES = [
  "m.room.create",
  "m.room.name",
  "m.room.avatar",
  "m.room.topic",
  "m.room.join_rules",
  "m.room.canonical_alias",
  "m.room.encryption",
];
