/**
 * Every reason the auth rules can refuse an event, and the number the spec gives that rule in
 * each room version. The spec renumbers rules between versions (v6 drops the m.room.aliases
 * rule, v8 inserts the join_authorised_via_users_server rule, v10 inserts the integer checks,
 * v12 inserts the room-ID rule and the creators check), so the number is computed from the
 * room version's flags rather than written down once.
 *
 * A refusal's `rule` is "<number> <id>", e.g. "4.3.2 member.join.sender_mismatch" in v9 and
 * "5.3.2 member.join.sender_mismatch" in v12: the number to look up in rooms/vN.md, the id to
 * branch on in code.
 */
import type { RoomVersion } from "../roomVersions.js";

export type RuleId =
  // m.room.create
  | "create.has_prev_events"
  | "create.room_id_domain_mismatch"
  | "create.has_room_id"
  | "create.unknown_room_version"
  | "create.missing_creator"
  | "create.invalid_additional_creators"
  // v12: the room ID is the create event's ID
  | "room_id.not_create_event"
  // the auth events
  | "auth_events.duplicate"
  | "auth_events.unexpected"
  | "auth_events.not_referenced"
  | "auth_events.missing_create"
  | "auth_events.room_id_mismatch"
  // m.federate
  | "federate.foreign_server"
  // m.room.aliases (v1–5)
  | "aliases.no_state_key"
  | "aliases.domain_mismatch"
  // m.room.member
  | "member.malformed"
  | "member.authoriser_signature_missing"
  | "member.join.sender_mismatch"
  | "member.join.banned"
  | "member.join.authoriser_invalid"
  | "member.join.forbidden"
  | "member.invite.tpi.target_banned"
  | "member.invite.tpi.no_signed"
  | "member.invite.tpi.signed_incomplete"
  | "member.invite.tpi.mxid_mismatch"
  | "member.invite.tpi.no_invite_event"
  | "member.invite.tpi.sender_mismatch"
  | "member.invite.tpi.bad_signature"
  | "member.invite.sender_not_joined"
  | "member.invite.target_joined_or_banned"
  | "member.invite.insufficient_power"
  | "member.leave.not_member"
  | "member.leave.sender_not_joined"
  | "member.leave.target_banned"
  | "member.leave.insufficient_power"
  | "member.ban.sender_not_joined"
  | "member.ban.insufficient_power"
  | "member.knock.join_rule"
  | "member.knock.sender_mismatch"
  | "member.knock.already_member"
  | "member.unknown_membership"
  // every other event
  | "sender_not_joined"
  | "third_party_invite.insufficient_power"
  | "required_power_level"
  | "state_key.user_id_mismatch"
  // m.room.power_levels
  | "power_levels.non_integer"
  | "power_levels.events_invalid"
  | "power_levels.users_invalid"
  | "power_levels.creator_in_users"
  | "power_levels.malformed"
  | "power_levels.level_current_too_high"
  | "power_levels.level_new_too_high"
  | "power_levels.events_current_too_high"
  | "power_levels.events_new_too_high"
  | "power_levels.users_current_too_high"
  | "power_levels.users_new_too_high"
  // m.room.redaction (v1–2)
  | "redaction.insufficient_power";

/** The top-level rule numbers of a room version. */
interface TopLevel {
  roomId: number;
  authEvents: number;
  federate: number;
  aliases: number;
  member: number;
  senderNotJoined: number;
  thirdPartyInvite: number;
  requiredPowerLevel: number;
  stateKey: number;
  powerLevels: number;
  redaction: number;
}

function topLevel(v: RoomVersion): TopLevel {
  const v12 = v.roomIdIsCreateEventHash;
  // v1–5 have the m.room.aliases rule at 4, pushing m.room.member to 5; v6–11 put member at 4;
  // v12 inserts the room-ID rule at 2, pushing member back to 5.
  const member = v12 || v.specialCaseAliasesAuth ? 5 : 4;
  return {
    roomId: 2,
    authEvents: v12 ? 3 : 2,
    federate: v12 ? 4 : 3,
    aliases: 4,
    member,
    senderNotJoined: member + 1,
    thirdPartyInvite: member + 2,
    requiredPowerLevel: member + 3,
    stateKey: member + 4,
    powerLevels: member + 5,
    redaction: member + 6,
  };
}

/** The spec's number for a rule in a room version, e.g. "4.3.2". */
export function ruleNumber(id: RuleId, v: RoomVersion): string {
  const t = topLevel(v);
  // m.room.member sub-rules: v8 inserts 2 (join_authorised_via_users_server), v7 adds knock.
  const off = v.restrictedJoin ? 1 : 0;
  const m = t.member;
  const join = `${m}.${2 + off}`;
  const invite = `${m}.${3 + off}`;
  const leave = `${m}.${4 + off}`;
  const ban = `${m}.${5 + off}`;
  const knock = `${m}.${6 + off}`;
  const unknown = `${m}.${(v.knock ? 7 : 6) + off}`;
  // join sub-rules: v8 inserts 5 (restricted), pushing public/otherwise down by one.
  const joinOtherwise = `${join}.${v.restrictedJoin ? 7 : 6}`;
  // m.room.power_levels sub-rules: v10 inserts the two integer checks before the users check,
  // v12 adds the creators check right after it.
  const p = t.powerLevels;
  const users = v.integerPowerLevels ? 3 : 1;
  const afterUsers = users + (v.privilegedCreators ? 1 : 0);
  const plTop = afterUsers + 2;

  switch (id) {
    case "create.has_prev_events":
      return "1.1";
    case "create.room_id_domain_mismatch":
    case "create.has_room_id":
      return "1.2";
    case "create.unknown_room_version":
      return "1.3";
    case "create.missing_creator":
    case "create.invalid_additional_creators":
      return "1.4";
    case "room_id.not_create_event":
      return `${t.roomId}`;
    case "auth_events.duplicate":
      return `${t.authEvents}.1`;
    case "auth_events.unexpected":
    case "auth_events.not_referenced":
      return `${t.authEvents}.2`;
    case "auth_events.missing_create":
      return `${t.authEvents}.4`;
    case "auth_events.room_id_mismatch":
      return `${t.authEvents}.5`;
    case "federate.foreign_server":
      return `${t.federate}`;
    case "aliases.no_state_key":
      return `${t.aliases}.1`;
    case "aliases.domain_mismatch":
      return `${t.aliases}.2`;
    case "member.malformed":
      return `${m}.1`;
    case "member.authoriser_signature_missing":
      return `${m}.2.1`;
    case "member.join.sender_mismatch":
      return `${join}.2`;
    case "member.join.banned":
      return `${join}.3`;
    case "member.join.authoriser_invalid":
      return `${join}.5.2`;
    case "member.join.forbidden":
      return joinOtherwise;
    case "member.invite.tpi.target_banned":
      return `${invite}.1.1`;
    case "member.invite.tpi.no_signed":
      return `${invite}.1.2`;
    case "member.invite.tpi.signed_incomplete":
      return `${invite}.1.3`;
    case "member.invite.tpi.mxid_mismatch":
      return `${invite}.1.4`;
    case "member.invite.tpi.no_invite_event":
      return `${invite}.1.5`;
    case "member.invite.tpi.sender_mismatch":
      return `${invite}.1.6`;
    case "member.invite.tpi.bad_signature":
      return `${invite}.1.8`;
    case "member.invite.sender_not_joined":
      return `${invite}.2`;
    case "member.invite.target_joined_or_banned":
      return `${invite}.3`;
    case "member.invite.insufficient_power":
      return `${invite}.5`;
    case "member.leave.not_member":
      return `${leave}.1`;
    case "member.leave.sender_not_joined":
      return `${leave}.2`;
    case "member.leave.target_banned":
      return `${leave}.3`;
    case "member.leave.insufficient_power":
      return `${leave}.5`;
    case "member.ban.sender_not_joined":
      return `${ban}.1`;
    case "member.ban.insufficient_power":
      return `${ban}.3`;
    case "member.knock.join_rule":
      return `${knock}.1`;
    case "member.knock.sender_mismatch":
      return `${knock}.2`;
    case "member.knock.already_member":
      return `${knock}.4`;
    case "member.unknown_membership":
      return unknown;
    case "sender_not_joined":
      return `${t.senderNotJoined}`;
    case "third_party_invite.insufficient_power":
      return `${t.thirdPartyInvite}.1`;
    case "required_power_level":
      return `${t.requiredPowerLevel}`;
    case "state_key.user_id_mismatch":
      return `${t.stateKey}`;
    case "power_levels.non_integer":
      return `${p}.1`;
    case "power_levels.events_invalid":
      return `${p}.2`;
    case "power_levels.users_invalid":
      return `${p}.${users}`;
    case "power_levels.creator_in_users":
      return `${p}.${users + 1}`;
    case "power_levels.malformed":
      // Rooms v1–9 have no numbered rule for unreadable values other than `users`; the
      // refusal belongs to the power levels rule as a whole.
      return `${p}`;
    case "power_levels.level_current_too_high":
      return `${p}.${plTop}.1`;
    case "power_levels.level_new_too_high":
      return `${p}.${plTop}.2`;
    case "power_levels.events_current_too_high":
      return `${p}.${plTop + 1}.1`;
    case "power_levels.events_new_too_high":
      return `${p}.${plTop + 2}.1`;
    case "power_levels.users_current_too_high":
      return `${p}.${plTop + 3}.1`;
    case "power_levels.users_new_too_high":
      return `${p}.${plTop + 4}.1`;
    case "redaction.insufficient_power":
      return `${t.redaction}.3`;
  }
}
