import { forbidden } from "../../platform/errors.js";
import { stateKey, splitStateKey, type StateMap } from "../../protocol/pdu.js";
import { isFromServer } from "../../protocol/identifiers.js";
import { serverAclAllows } from "../../protocol/serverAcl.js";
import { toClientEvent, type ClientEvent } from "../../protocol/clientEvent.js";
import type { PublicRoomSummary } from "../../platform/rpc/server.js";
import type { EventStore } from "./eventStore.js";
import { serversInState } from "./servers.js";
import type { RoomVersion } from "../../protocol/roomVersions.js";
import { powerStateOf, canInvite } from "../../protocol/powerLevels.js";
import { joinRuleOf, joinRuleIsRestricted, restrictedAllowRoomIds } from "../../protocol/membership.js";

/**
 * What the room's current state says about who is in it and who may do what: memberships, the
 * server ACL, history visibility, the public summary. Reads only; the RoomDO decides with it.
 */
export class RoomState {
  constructor(
    private events: EventStore,
    /** Our own server, to tell local members from remote ones. */
    private serverName: string,
  ) {}

  /** A user's membership now ("leave" when they have none). */
  membership(userId: string): string {
    const m = this.events.currentEvent("m.room.member", userId)?.content.membership;
    return typeof m === "string" ? m : "leave";
  }

  worldReadable(): boolean {
    return this.events.currentEvent("m.room.history_visibility", "")?.content.history_visibility === "world_readable";
  }

  /** Whether the room's current m.room.server_acl lets `server` take part (spec: "Server ACLs"). */
  serverAllowed(server: string): boolean {
    return serverAclAllows(this.events.currentEvent("m.room.server_acl", "")?.content, server);
  }

  /** Whether a server has a joined member now (spec: requests about a room come from its servers). */
  serverInRoom(server: string): boolean {
    return this.joined().some((userId) => isFromServer(userId, server));
  }

  /** Local users joined now (reads member events only, not the whole state). */
  localJoined(): string[] {
    return this.joined().filter((userId) => isFromServer(userId, this.serverName));
  }

  /** Servers other than ours with a joined member now: where this room's EDUs go. */
  remoteServers(): string[] {
    return serversInState(this.events, this.events.currentStateIds()).filter((s) => s !== this.serverName);
  }

  private joined(): string[] {
    const out: string[] = [];
    for (const [k, id] of this.events.currentStateIds()) {
      if (!k.startsWith("m.room.member\u0000")) continue;
      const ev = this.events.getEvent(id);
      if (ev?.content.membership === "join" && ev.state_key) out.push(ev.state_key);
    }
    return out;
  }

  /**
   * Restricted rooms (v8+, spec: "Restricted rooms"): for a user who is neither joined nor
   * invited, the rooms whose membership would let them in and a local joined member with the
   * power to invite, who will authorise the join. Undefined when the room isn't restricted for them.
   */
  restrictedJoinPlan(userId: string, version: RoomVersion): { allowRooms: string[]; authoriser?: string } | undefined {
    const state = this.events.currentState();
    const membership = this.membership(userId);
    if (membership === "join" || membership === "invite" || !joinRuleIsRestricted(joinRuleOf(state), version)) return undefined;
    const power = powerStateOf(state);
    const authoriser = this.localJoined()
      .filter((u) => canInvite(u, power, version))
      .sort()[0];
    return { allowRooms: restrictedAllowRoomIds(state, version), authoriser };
  }

  /**
   * The state a user may read: the current state while joined (or if world-readable), the state
   * when they left otherwise (spec: GET /rooms/{roomId}/state); 403 for anyone else.
   */
  readable(userId: string): StateMap {
    if (this.membership(userId) === "join" || this.worldReadable()) return this.events.currentState();
    const memberId = this.events.currentStateIds().get(stateKey("m.room.member", userId));
    if (memberId) {
      const before = this.events.stateBefore(memberId);
      if (before && this.events.getEvent(memberId)?.content.membership === "leave") {
        const wasJoined = this.events.getEvent(before.get(stateKey("m.room.member", userId)) ?? "")?.content.membership === "join";
        if (wasJoined) {
          const after = new Map(before);
          after.set(stateKey("m.room.member", userId), memberId);
          return this.events.resolveIds(after);
        }
      }
    }
    throw forbidden(`User ${userId} not in room`);
  }

  /** The state at a /sync or /messages token: the state after the last event before it. */
  atToken(at: number): StateMap | undefined {
    const last = this.events.lastInTimelineBefore(at);
    if (!last) return undefined;
    const ids = new Map(last.state_group === null ? [] : this.events.stateAtGroup(last.state_group));
    const lastEv = this.events.getEvent(last.event_id);
    if (lastEv?.state_key !== undefined) ids.set(stateKey(lastEv.type, lastEv.state_key), lastEv.event_id);
    return this.events.resolveIds(ids);
  }

  /** The room as the public room directory lists it (spec: PublicRoomsChunk). */
  summary(roomId: string): PublicRoomSummary {
    const ids = this.events.currentStateIds();
    const str = (type: string, key: string): string | undefined => {
      const id = ids.get(stateKey(type, ""));
      const v = id ? this.events.getEvent(id)?.content[key] : undefined;
      return typeof v === "string" ? v : undefined;
    };
    let joined = 0;
    for (const [k, id] of ids) if (k.startsWith("m.room.member\u0000") && this.events.getEvent(id)?.content.membership === "join") joined++;
    const s: PublicRoomSummary = {
      room_id: roomId,
      num_joined_members: joined,
      world_readable: str("m.room.history_visibility", "history_visibility") === "world_readable",
      guest_can_join: str("m.room.guest_access", "guest_access") === "can_join",
      join_rule: str("m.room.join_rules", "join_rule") ?? "invite",
    };
    const name = str("m.room.name", "name");
    if (name) s.name = name;
    const topic = str("m.room.topic", "topic");
    if (topic) s.topic = topic;
    const avatar = str("m.room.avatar", "url");
    if (avatar) s.avatar_url = avatar;
    const alias = str("m.room.canonical_alias", "alias");
    if (alias) s.canonical_alias = alias;
    const type = str("m.room.create", "type");
    if (type) s.room_type = type;
    return s;
  }
}

/** Spec: GET /rooms/{roomId}/members — the member events of `state`, filtered by membership. */
export function memberEvents(state: StateMap, roomId: string, opts: { membership?: string; notMembership?: string }): ClientEvent[] {
  const out: ClientEvent[] = [];
  for (const [k, ev] of state) {
    if (splitStateKey(k)[0] !== "m.room.member") continue;
    const m = ev.content.membership;
    if (opts.membership && m !== opts.membership) continue;
    if (opts.notMembership && m === opts.notMembership) continue;
    out.push(toClientEvent(ev, roomId));
  }
  return out;
}

/**
 * Spec: GET /rooms/{roomId}/joined_members (RoomMember). Both keys are always present, null
 * when the member event has none, as Synapse answers (clients such as matrix-nio require them).
 */
export function joinedMemberProfiles(state: StateMap): Record<string, { display_name: string | null; avatar_url: string | null }> {
  const out: Record<string, { display_name: string | null; avatar_url: string | null }> = {};
  for (const [k, ev] of state) {
    if (splitStateKey(k)[0] !== "m.room.member" || ev.content.membership !== "join") continue;
    out[ev.state_key ?? ""] = {
      display_name: typeof ev.content.displayname === "string" ? ev.content.displayname : null,
      avatar_url: typeof ev.content.avatar_url === "string" ? ev.content.avatar_url : null,
    };
  }
  return out;
}
