/**
 * The authorisation rules of every room version (spec: rooms/v1.md … v12.md, "Authorisation
 * rules"; the fragments v1-auth-rules, v3-auth-rules, v8-auth-rules). One file per rule; this
 * file runs them in the spec's order.
 *
 * Versions differ by the RoomVersion flags, never by version string:
 * - v1–2: redactions need the redact level or the redacted event's server (rule 11);
 * - v1–5: `m.room.aliases` has its own rule (specialCaseAliasesAuth);
 * - v6+:  `notifications` power levels are protected (limitNotificationsPowerLevels);
 * - v7+:  knocking (knock); v8+: restricted joins (restrictedJoin);
 * - v10+: knock_restricted, integer-only power levels; v11+: creator = create sender;
 * - v12+: room ID = create event ID, create event not in auth_events, infinite-power creators.
 */
import type { PDU, StateMap } from "../pdu.js";
import { stateKey } from "../pdu.js";
import type { RoomVersion } from "../roomVersions.js";
import type { AuthResult } from "./result.js";
import { ALLOW, reject } from "./result.js";
import { authContext } from "./context.js";
import { authorizeCreate } from "./create.js";
import { authorizeRoomIdIsCreateEvent } from "./roomId.js";
import { authorizeFederate } from "./federate.js";
import { authorizeAliases } from "./aliases.js";
import { authorizeMember } from "./member.js";
import { authorizeThirdPartyInviteEvent } from "./thirdPartyInvite.js";
import { authorizeRequiredPowerLevel } from "./requiredPowerLevel.js";
import { authorizeUserStateKey } from "./userStateKey.js";
import { authorizePowerLevels } from "./powerLevelsEvent.js";
import { authorizeRedactionV1, hasRedactionAuthRule } from "./redaction.js";

export type { AuthResult } from "./result.js";
export { ruleIdOf } from "./result.js";
export type { RuleId } from "./ruleNumbers.js";
export { ruleNumber } from "./ruleNumbers.js";
export { authEventTypes, selectAuthEvents } from "./authEventsSelection.js";
export { checkAuthEventsList } from "./authEventsList.js";
export { redactsOf, redactionTakesEffect } from "./handlingRedactions.js";
export { roomIdOfCreateEvent, createEventIdOfRoom } from "./roomId.js";

/**
 * Pure and synchronous. `authState` holds the auth events (for the receive-path check: the
 * event's own auth_events keyed by (type,state_key); for the state check: the room state before
 * the event). It MUST include the m.room.create event (in v12 the caller adds it, since it's not
 * in auth_events). Signatures were verified by the caller beforehand (every entry in
 * event.signatures is valid), so rules that need "validly signed by server X" check that
 * event.signatures has an entry for X.
 */
export function authorizeEvent(event: PDU, authState: StateMap, version: RoomVersion): AuthResult {
  // Rule 1: the create event stands alone.
  if (event.type === "m.room.create") return authorizeCreate(event, version);

  const create = authState.get(stateKey("m.room.create", ""));
  if (version.roomIdIsCreateEventHash) {
    // v12 rule 2: the room ID names the create event.
    if (!create) {
      return reject("room_id.not_create_event", version, "the m.room.create event is not in the auth state");
    }
    const result = authorizeRoomIdIsCreateEvent(event, create, version);
    if (!result.allowed) return result;
  } else {
    // Rule 2.4 / 2.5, as far as a state map can tell: the create event is there, and is this room's.
    if (!create) {
      return reject("auth_events.missing_create", version, "the m.room.create event is not in the auth state");
    }
    if (create.room_id !== event.room_id) {
      return reject(
        "auth_events.room_id_mismatch",
        version,
        `m.room.create is in room ${String(create.room_id)}, not ${String(event.room_id)}`,
      );
    }
  }

  // m.federate.
  const federate = authorizeFederate(event, create, version);
  if (!federate.allowed) return federate;

  // v1–5 rule 4: m.room.aliases, before any membership requirement.
  if (version.specialCaseAliasesAuth && event.type === "m.room.aliases") return authorizeAliases(event, version);

  const ctx = authContext(event, authState, version, create);

  if (event.type === "m.room.member") return authorizeMember(ctx);

  // Everything else comes from members only.
  if (ctx.membership(event.sender) !== "join") {
    return reject("sender_not_joined", version, `${event.sender} is not joined to the room`);
  }

  if (event.type === "m.room.third_party_invite") return authorizeThirdPartyInviteEvent(ctx);

  const required = authorizeRequiredPowerLevel(ctx);
  if (!required.allowed) return required;

  const ownState = authorizeUserStateKey(ctx);
  if (!ownState.allowed) return ownState;

  if (event.type === "m.room.power_levels") return authorizePowerLevels(ctx);

  if (event.type === "m.room.redaction" && hasRedactionAuthRule(version.eventIdFormat)) {
    return authorizeRedactionV1(ctx);
  }

  return ALLOW;
}
