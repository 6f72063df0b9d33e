/**
 * The rule on an event's concrete `auth_events` (v1–11 rule 2; v12 rule 3), for the receive
 * path: the state check cannot run it, since there the auth state is the room state.
 *
 * Rule .3 ("entries which were themselves rejected") needs knowledge of past rejections that
 * this pure function does not have: the caller must refuse the event itself when one of its
 * auth events was rejected.
 */
import type { PDU } from "../pdu.js";
import { stateKey } from "../pdu.js";
import type { RoomVersion } from "../roomVersions.js";
import type { AuthResult } from "./result.js";
import { ALLOW, reject } from "./result.js";
import { authEventTypes } from "./authEventsSelection.js";

/**
 * `authEvents` must be the events named by `event.auth_events` (in v12 that does not include
 * the create event).
 */
export function checkAuthEventsList(event: PDU, authEvents: PDU[], version: RoomVersion): AuthResult {
  // The create event has no auth events; rule 1 alone decides it.
  if (event.type === "m.room.create") return ALLOW;

  const referenced = new Set(event.auth_events);
  for (const authEvent of authEvents) {
    if (!referenced.has(authEvent.event_id)) {
      return reject(
        "auth_events.not_referenced",
        version,
        `${authEvent.event_id} is not one of the event's auth_events`,
      );
    }
  }

  // .1 One event per (type, state_key); citing the same event twice counts too.
  if (referenced.size !== event.auth_events.length) {
    return reject("auth_events.duplicate", version, "auth_events lists the same event more than once");
  }
  const seen = new Set<string>();
  for (const authEvent of authEvents) {
    const key = stateKey(authEvent.type, authEvent.state_key ?? "");
    if (authEvent.state_key !== undefined && seen.has(key)) {
      return reject(
        "auth_events.duplicate",
        version,
        `auth_events has more than one ${authEvent.type} with state_key ${JSON.stringify(authEvent.state_key)}`,
      );
    }
    seen.add(key);
  }

  // .2 Only what the auth events selection allows (in v12 that excludes the create event).
  const expected = new Set(authEventTypes(event, version).map(([t, k]) => stateKey(t, k)));
  for (const authEvent of authEvents) {
    if (authEvent.state_key === undefined || !expected.has(stateKey(authEvent.type, authEvent.state_key))) {
      return reject(
        "auth_events.unexpected",
        version,
        `auth event ${authEvent.event_id} (${authEvent.type}, ${JSON.stringify(authEvent.state_key)}) is not selectable for this event`,
      );
    }
  }

  // .4 (v1–11) The create event must be cited.
  if (!version.roomIdIsCreateEventHash && !authEvents.some((e) => e.type === "m.room.create")) {
    return reject("auth_events.missing_create", version, "auth_events does not include the m.room.create event");
  }

  // .5 Every auth event belongs to the same room.
  for (const authEvent of authEvents) {
    if (authEvent.room_id !== event.room_id) {
      return reject(
        "auth_events.room_id_mismatch",
        version,
        `auth event ${authEvent.event_id} is in room ${String(authEvent.room_id)}, not ${String(event.room_id)}`,
      );
    }
  }
  return ALLOW;
}
