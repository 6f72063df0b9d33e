/**
 * Rule 1: the `m.room.create` event. It has no auth events; it is judged on its own.
 */
import type { PDU } from "../pdu.js";
import type { RoomVersion } from "../roomVersions.js";
import { getRoomVersion } from "../roomVersions.js";
import type { AuthResult } from "./result.js";
import { ALLOW, reject } from "./result.js";
import { domainOf, isValidUserId } from "./ids.js";

export function authorizeCreate(event: PDU, version: RoomVersion): AuthResult {
  // 1.1 The create event is the root of the DAG.
  if (event.prev_events.length > 0) {
    return reject("create.has_prev_events", version, "m.room.create must not have prev_events");
  }
  if (version.roomIdIsCreateEventHash) {
    // 1.2 (v12) The room ID is derived from the create event, so it cannot carry one.
    if (event.room_id !== undefined) {
      return reject("create.has_room_id", version, "m.room.create must not have a room_id in this room version");
    }
  } else {
    // 1.2 (v1–11) Only the server named in the room ID may create it.
    const roomDomain = typeof event.room_id === "string" ? domainOf(event.room_id) : undefined;
    if (roomDomain === undefined || roomDomain !== domainOf(event.sender)) {
      return reject(
        "create.room_id_domain_mismatch",
        version,
        `room ID ${String(event.room_id)} is not on the sender's server`,
      );
    }
  }
  // 1.3 A room version we do not know cannot be authorised.
  if ("room_version" in event.content) {
    const rv = event.content.room_version;
    if (typeof rv !== "string" || getRoomVersion(rv) === undefined) {
      return reject("create.unknown_room_version", version, `unknown room version ${JSON.stringify(rv)}`);
    }
  }
  // 1.4 (v1–10) The creator is named in content; v11 uses the sender instead.
  if (!version.v11EventFormat && !("creator" in event.content)) {
    return reject("create.missing_creator", version, "m.room.create content has no creator");
  }
  // 1.4 (v12) Additional creators get infinite power, so they must be real user IDs.
  if (version.privilegedCreators && "additional_creators" in event.content) {
    const extra = event.content.additional_creators;
    if (!Array.isArray(extra) || !extra.every((u) => typeof u === "string" && isValidUserId(u))) {
      return reject(
        "create.invalid_additional_creators",
        version,
        "additional_creators must be an array of valid user IDs",
      );
    }
  }
  return ALLOW;
}

/** The user the "creator joins first" rule names: `content.creator` before v11, the sender from v11. */
export function createEventCreator(create: PDU, version: RoomVersion): string | undefined {
  if (version.v11EventFormat) return create.sender;
  const creator = create.content.creator;
  return typeof creator === "string" ? creator : undefined;
}
