import type { Env } from "../../platform/env.js";
import { readConfig } from "../../platform/env.js";
import { userStub } from "../../platform/stubs.js";
import type { JsonObject } from "../../protocol/json.js";
import { serverNameOf } from "../../protocol/identifiers.js";
import * as fedOut from "./federationOut.js";
import type { LiveSync } from "./liveSync.js";
import type { PresenceStore } from "./presenceStore.js";
import type { RoomViewStore } from "./roomViewStore.js";
import type { AccountStore } from "./accountStore.js";

/** The most room-mates whose presence is fetched when the user starts sharing rooms with them. */
const MAX_PRESENCE_ON_JOIN = 200;

/**
 * The user's presence (spec: presence.md): set by the user or a sync's set_presence, and told to
 * this user's devices, every local user sharing a room (their UserDOs) and every remote server
 * sharing one (m.presence EDUs); others' presence arrives here for this user's stream.
 */
export class Presence {
  private readonly env: Env;
  private readonly accounts: AccountStore;
  private readonly rooms: RoomViewStore;
  private readonly presence: PresenceStore;
  private readonly live: LiveSync;

  constructor(env: Env, accounts: AccountStore, rooms: RoomViewStore, presence: PresenceStore, live: LiveSync) {
    this.env = env;
    this.accounts = accounts;
    this.rooms = rooms;
    this.presence = presence;
    this.live = live;
  }

  async setPresence(presence: string, statusMsg: string | undefined, explicit: boolean): Promise<void> {
    const current = this.presence.current()?.presence;
    // A sync's set_presence does not override a status the user set explicitly.
    if (!explicit && current === presence) {
      this.presence.touch(Date.now());
      return;
    }
    this.presence.set(presence, statusMsg, Date.now());
    await this.announcePresence();
  }

  /** Tells this user and every local user sharing a room with them about a presence change. */
  private async announcePresence(): Promise<void> {
    const acc = this.accounts.account();
    if (!acc) return;
    const event: JsonObject = { type: "m.presence", sender: acc.user_id, content: { ...(await this.getPresence()), user_id: acc.user_id } };
    const serverName = readConfig(this.env).serverName;
    const others = [...this.rooms.usersInJoinedRooms()].filter((u) => u !== acc.user_id && serverNameOf(u) === serverName);
    this.live.appendStream("presence", null, event);
    await Promise.all(others.map((u) => userStub(this.env, u).receivePresence(event)));
    await fedOut.queueEdusTo(this.env, fedOut.remoteServersSharing(this.rooms, serverName), [fedOut.presenceEdu(acc.user_id, event.content as JsonObject)]);
  }

  /** Presence of a remote user (m.presence EDU): kept only if they share a room with this user. */
  async receiveRemotePresence(event: JsonObject): Promise<boolean> {
    if (typeof event.sender !== "string" || !this.rooms.usersInJoinedRooms().has(event.sender)) return false;
    this.live.appendStream("presence", null, event);
    return true;
  }

  /** Another user's presence changed (they share a room with this user). */
  async receivePresence(event: JsonObject): Promise<void> {
    this.live.appendStream("presence", null, event);
  }

  /**
   * Users this user just started sharing a room with: their current presence goes into this
   * user's stream (as Synapse's sync shows the presence of everyone sharing a room), for local
   * users who ever set one; a remote user's comes with their server's next m.presence EDU.
   */
  async learnPresenceOf(users: string[]): Promise<void> {
    const serverName = readConfig(this.env).serverName;
    const locals = users.filter((u) => serverNameOf(u) === serverName).slice(0, MAX_PRESENCE_ON_JOIN);
    let found: Array<readonly [string, JsonObject]>;
    try {
      found = await Promise.all(locals.map(async (u) => [u, await userStub(this.env, u).getPresence()] as const));
    } catch (e) {
      console.error("presence of new room-mates not fetched", e);
      return;
    }
    for (const [u, p] of found) {
      // Never set: "offline" with no last activity, which a client assumes anyway.
      if (p.presence === "offline" && p.last_active_ago === undefined) continue;
      this.live.appendStream("presence", null, { type: "m.presence", sender: u, content: { ...p, user_id: u } });
    }
  }

  async getPresence(): Promise<JsonObject> {
    const row = this.presence.current();
    if (!row) return { presence: "offline" };
    const out: JsonObject = { presence: row.presence, last_active_ago: Date.now() - row.last_active_ts, currently_active: row.presence === "online" };
    if (row.status_msg !== null) out.status_msg = row.status_msg;
    return out;
  }
}
