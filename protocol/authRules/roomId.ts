/**
 * Rule 2 of room version 12: the room ID is the create event's ID with `!` in place of `$`,
 * which ties every event to exactly one create event without listing it in auth_events.
 */
import type { PDU } from "../pdu.js";
import type { RoomVersion } from "../roomVersions.js";
import type { AuthResult } from "./result.js";
import { ALLOW, reject } from "./result.js";

/** The room ID a v12 create event defines. */
export function roomIdOfCreateEvent(create: Pick<PDU, "event_id">): string {
  return `!${create.event_id.slice(1)}`;
}

/** The create event ID a v12 room ID names (the inverse of roomIdOfCreateEvent). */
export function createEventIdOfRoom(roomId: string): string {
  return `$${roomId.slice(1)}`;
}

export function authorizeRoomIdIsCreateEvent(event: PDU, create: PDU, version: RoomVersion): AuthResult {
  if (!create.event_id.startsWith("$") || event.room_id !== roomIdOfCreateEvent(create)) {
    return reject(
      "room_id.not_create_event",
      version,
      `room ID ${String(event.room_id)} is not the ID of create event ${create.event_id}`,
    );
  }
  return ALLOW;
}
