/**
 * Membership helpers over a room state map: what the auth rules, the client API and sync ask
 * about `m.room.member` and `m.room.join_rules` (spec: client-server-api m.room.member /
 * m.room.join_rules; the auth rules of each room version).
 *
 * Pure functions, no Cloudflare imports.
 */
import { isJsonObject } from "./json.js";
import type { PDU, StateMap } from "./pdu.js";
import { splitStateKey, stateKey } from "./pdu.js";
import type { RoomVersion } from "./roomVersions.js";
import { serverNameIfAny } from "./identifiers.js";

/** The membership values the spec defines. Unknown strings can still appear in remote events. */
export type Membership = "join" | "invite" | "leave" | "ban" | "knock";

/** The join rules the spec defines (`private` is reserved and means nothing: nobody joins). */
export type JoinRule = "public" | "invite" | "knock" | "restricted" | "knock_restricted" | "private";

/** The `m.room.member` event of a user in this state, if any. */
export function memberEvent(userId: string, state: StateMap): PDU | undefined {
  return state.get(stateKey("m.room.member", userId));
}

/** `content.membership` of a member event, or undefined when it is absent or not a string. */
export function membershipOfEvent(event: Pick<PDU, "content"> | undefined): string | undefined {
  const m = event?.content.membership;
  return typeof m === "string" ? m : undefined;
}

/**
 * A user's current membership. A user with no member event (or a member event without a
 * string `membership`) counts as `leave`, which is how the auth rules treat "no membership".
 * Unknown membership strings from remote servers are returned as they are.
 */
export function membershipOf(userId: string, state: StateMap): string {
  return membershipOfEvent(memberEvent(userId, state)) ?? "leave";
}

export function isJoined(userId: string, state: StateMap): boolean {
  return membershipOf(userId, state) === "join";
}

export function isInvited(userId: string, state: StateMap): boolean {
  return membershipOf(userId, state) === "invite";
}

export function isBanned(userId: string, state: StateMap): boolean {
  return membershipOf(userId, state) === "ban";
}

/** Every user whose current membership is `membership`, in state-map order. */
export function usersWithMembership(state: StateMap, membership: string): string[] {
  const users: string[] = [];
  for (const [key, event] of state) {
    const [type, userId] = splitStateKey(key);
    if (type === "m.room.member" && membershipOfEvent(event) === membership) users.push(userId);
  }
  return users;
}

export function joinedMembers(state: StateMap): string[] {
  return usersWithMembership(state, "join");
}

/** Server names with at least one joined member: the servers a room's events go to. */
export function joinedServers(state: StateMap): string[] {
  const servers = new Set<string>();
  for (const userId of joinedMembers(state)) {
    const server = serverNameIfAny(userId);
    if (server !== undefined) servers.add(server);
  }
  return [...servers];
}

/**
 * The room's join rule. A room without an `m.room.join_rules` event (or with one whose
 * `join_rule` is not a string) is treated as `invite`: the spec gives no default, and every
 * deployed server lets invited users accept in such rooms, so the auth rules must agree.
 */
export function joinRuleOf(state: StateMap): string {
  const rule = state.get(stateKey("m.room.join_rules", ""))?.content.join_rule;
  return typeof rule === "string" ? rule : "invite";
}

/** Whether this join rule lets users knock, in this room version (v7 `knock`, v10 `knock_restricted`). */
export function joinRuleAllowsKnock(joinRule: string, version: RoomVersion): boolean {
  return (
    (version.knock && joinRule === "knock") ||
    (version.knockRestrictedJoin && joinRule === "knock_restricted")
  );
}

/** Whether this join rule admits joins authorised by a resident server (v8 `restricted`, v10 `knock_restricted`). */
export function joinRuleIsRestricted(joinRule: string, version: RoomVersion): boolean {
  return (
    (version.restrictedJoin && joinRule === "restricted") ||
    (version.knockRestrictedJoin && joinRule === "knock_restricted")
  );
}

/**
 * For a restricted (or knock_restricted) room: the room IDs whose joined members may join
 * without an invite (`allow` entries of type `m.room_membership`). Empty when the room is not
 * restricted in this version, or when `allow` is missing or malformed (the spec then says the
 * room is effectively invite-only).
 */
export function restrictedAllowRoomIds(state: StateMap, version: RoomVersion): string[] {
  const event = state.get(stateKey("m.room.join_rules", ""));
  if (!event || !joinRuleIsRestricted(joinRuleOf(state), version)) return [];
  const allow = event.content.allow;
  if (!Array.isArray(allow)) return [];
  const roomIds: string[] = [];
  for (const condition of allow) {
    if (
      isJsonObject(condition) &&
      condition.type === "m.room_membership" &&
      typeof condition.room_id === "string"
    ) {
      roomIds.push(condition.room_id);
    }
  }
  return roomIds;
}
