import type { Env } from "../../platform/env.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import type { ClientEvent } from "../../protocol/clientEvent.js";
import { getRoomVersion, type RoomVersion } from "../../protocol/roomVersions.js";
import { isFromServer, serverNameOf } from "../../protocol/identifiers.js";
import type { DeliveryItem } from "../../platform/rpc/delivery.js";
import type { DirectoryMembership } from "../../platform/rpc/server.js";
import { serverStub, userStub, remoteStub } from "../../platform/stubs.js";
import type { SerialQueue } from "../serialQueue.js";
import type { EventRow } from "./eventStore.js";
import type { RoomStores } from "./stores.js";
import type { RoomState } from "./roomState.js";
import { FanoutPlan } from "./fanoutPlan.js";
import { wireOf } from "./wire.js";
import { scheduleAlarm } from "./alarm.js";
import { sendReceiptsToJoiners } from "./receiptsOnJoin.js";
import { pushToAppservices } from "./appserviceFanout.js";

/** Events delivered to members per fan-out round. */
const FANOUT_BATCH = 100;
/** The longest a local membership change waits for its own delivery before answering anyway. */
const DELIVERY_WAIT_MS = 10_000;

/**
 * The fan-out: hands each event of the outbox to the UserDOs of the local members who may see it
 * (room/fanoutPlan.ts says who), queues the events this server created for the other servers in
 * the room, queues every event for the application services interested in it, and keeps the
 * directories in step. One round at a time, oldest events first, so every member sees the room in
 * its order; a failed round is retried by the alarm.
 */
export class Fanout {
  private plan: FanoutPlan;
  private running = false;
  /** Requests waiting until the fan-out has delivered their event (see untilDelivered). */
  private waiters: Array<{ ordering: number; resolve: () => void }> = [];

  constructor(
    private env: Env,
    private storage: DurableObjectStorage,
    private stores: RoomStores,
    private state: RoomState,
    /** The room's write queue: while sends wait in it, a round waits a moment to batch them. */
    private queue: SerialQueue,
  ) {
    this.plan = new FanoutPlan(stores.events, (userId) => this.isLocal(userId));
  }

  private isLocal(userId: string): boolean {
    return isFromServer(userId, this.env.SERVER_NAME);
  }

  /** Starts delivering what waits in the outbox, unless a round is running (it picks new events up). */
  kick(): void {
    if (this.running) return;
    this.running = true;
    this.run()
      .catch(async (e: unknown) => {
        console.error("fan-out failed, retrying", e);
        await scheduleAlarm(this.storage, Date.now() + 2000);
      })
      .finally(() => {
        this.running = false;
      });
  }

  /** Delivers outbox events, oldest first, so every member sees them in the room's order. */
  private async run(): Promise<void> {
    for (;;) {
      // While other sends are queued, let them land first (a few ms at most): the round then
      // hands each member one batch instead of one call per message.
      for (let i = 0; i < 4 && this.queue.pending > 0; i++) await new Promise((r) => setTimeout(r, 1));
      const orderings = this.stores.outbox.next(FANOUT_BATCH);
      if (orderings.length === 0) return;
      const meta = this.stores.room.meta();
      const version = meta ? getRoomVersion(meta.room_version) : undefined;
      if (!meta || !version) throw new Error("fan-out in a room that has no known version");
      const perUser = new Map<string, DeliveryItem[]>();
      const rows = this.stores.events.rowsByOrdering(orderings);
      for (const row of rows) {
        for (const [userId, item] of this.plan.deliveriesFor(row, meta.room_id, version)) {
          const list = perUser.get(userId) ?? [];
          list.push(item);
          perUser.set(userId, list);
        }
      }
      await Promise.all([...perUser].map(([userId, items]) => userStub(this.env, userId).deliverRoomEvents(meta.room_id, items)));
      await sendReceiptsToJoiners(this.env, this.stores.receipts, meta.room_id, perUser);
      await this.sendToRemoteServers(meta.room_id, rows, version);
      await pushToAppservices(this.env, this.plan, meta.room_id, rows, version);
      this.stores.outbox.deliveredUpto(orderings[orderings.length - 1]);
      this.resolveDeliveryWaiters(orderings[orderings.length - 1]);
      this.refreshDirectories(perUser, meta.room_id).catch((e: unknown) => console.error("directory refresh failed", e));
    }
  }

  /**
   * Resolves once the fan-out has handed every event up to `ordering` to its local members (and
   * queued it for other servers). Bounded: if delivery keeps failing, the alarm retries it and the
   * caller goes on after DELIVERY_WAIT_MS rather than hang.
   */
  untilDelivered(ordering: number): Promise<void> {
    if (!this.stores.outbox.hasPending(ordering)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, DELIVERY_WAIT_MS);
      this.waiters.push({
        ordering,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  private resolveDeliveryWaiters(deliveredUpto: number): void {
    const stillWaiting: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.ordering <= deliveredUpto) w.resolve();
      else stillWaiting.push(w);
    }
    this.waiters = stillWaiting;
  }

  private async indexEventsForFederation(roomId: string): Promise<void> {
    let upto = this.stores.room.indexedUpto();
    for (;;) {
      const rows = this.stores.events.idsAfter(upto, 500);
      if (rows.length === 0) return;
      await serverStub(this.env).indexEvents(roomId, rows.map((r) => r.event_id));
      upto = rows[rows.length - 1].ordering;
      this.stores.room.setIndexedUpto(upto);
      if (rows.length < 500) return;
    }
  }

  /**
   * Keeps the public room directory and the user directory in step with the room: its members
   * (local and remote) and whether it is public for the user directory, which (as in Synapse) is a
   * public join rule or world-readable history, whether or not the room is published.
   */
  private async refreshDirectories(perUser: Map<string, DeliveryItem[]>, roomId: string): Promise<void> {
    const server = serverStub(this.env);
    let stateChanged = false;
    let publicnessChanged = false;
    const members = new Map<string, DirectoryMembership>();
    const str = (v: unknown) => (typeof v === "string" ? v : null);
    const membershipOf = (ev: ClientEvent & { state_key: string }): DirectoryMembership => {
      const joined = ev.content.membership === "join";
      const profile = this.isLocal(ev.state_key) || !joined ? undefined : { displayname: str(ev.content.displayname), avatarUrl: str(ev.content.avatar_url) };
      return { userId: ev.state_key, joined, ...(profile ? { profile } : {}) };
    };
    const seen = new Set<string>();
    for (const items of perUser.values()) {
      for (const item of items) {
        const ev = item.event;
        // The first local user to join: the members already in the room (remote ones the
        // directory never heard of, as the server was not in the room) now share a room with
        // them. While a local member is in, the directory hears every member event, so later
        // joins and a joined member's profile change read nothing more. Events of the batch
        // record a member's later state, so the state at the join fills in only the others.
        const prev = ev.unsigned?.prev_content;
        if (item.fullState && !(isJsonObject(prev) && prev.membership === "join") && !this.hasOtherLocalMember(item.fullState, ev.state_key)) {
          for (const s of item.fullState) {
            if (s.type === "m.room.member" && s.state_key && !members.has(s.state_key)) members.set(s.state_key, membershipOf({ ...s, state_key: s.state_key }));
          }
        }
        if (seen.has(ev.event_id)) continue;
        seen.add(ev.event_id);
        if (item.isState) stateChanged = true;
        if (item.isState && (ev.type === "m.room.join_rules" || ev.type === "m.room.history_visibility")) publicnessChanged = true;
        if (ev.type === "m.room.member" && ev.state_key) members.set(ev.state_key, membershipOf({ ...ev, state_key: ev.state_key }));
      }
    }
    if (!stateChanged) return;
    const summary = this.state.summary(roomId);
    if (members.size > 0 || publicnessChanged) {
      await server.updateUserDirectory(roomId, summary.join_rule === "public" || summary.world_readable, [...members.values()]);
    }
    await server.updatePublicSummary(summary);
  }

  /** Whether the room state holds a joined local member other than `userId`. */
  private hasOtherLocalMember(state: ClientEvent[], userId: string | undefined): boolean {
    return state.some((s) => s.type === "m.room.member" && s.state_key !== userId && s.state_key !== undefined && this.isLocal(s.state_key) && s.content.membership === "join");
  }

  /**
   * Events this server created go to every other server with a joined member after the event,
   * plus the server of a remote user whose membership the event changes (a kick or ban). Events
   * received from others are not re-sent: their origin sends them to everyone.
   */
  private async sendToRemoteServers(roomId: string, rows: EventRow[], version: RoomVersion): Promise<void> {
    const perServer = new Map<string, JsonObject[]>();
    let federated = false;
    for (const row of rows) {
      if (row.soft_failed || row.outlier) continue;
      // Joined members after the event, cached per state group: no walk of the member list per message.
      const servers = new Set(this.plan.joinedAfter(row, version).map((u) => serverNameOf(u)));
      servers.delete(this.env.SERVER_NAME);
      if (servers.size > 0) federated = true;
      if (!this.isLocal(row.sender)) continue;
      const pdu = this.stores.events.getEvent(row.event_id);
      if (!pdu) continue;
      if (pdu.type === "m.room.member" && pdu.state_key && !this.isLocal(pdu.state_key)) servers.add(serverNameOf(pdu.state_key));
      if (servers.size === 0) continue;
      const wire = wireOf(version, pdu);
      for (const server of servers) {
        const list = perServer.get(server) ?? [];
        list.push(wire);
        perServer.set(server, list);
      }
    }
    // Only federated rooms need the event → room index (GET /event/{eventId} from other servers;
    // when a room first federates, its earlier events are indexed too). It is written before the
    // events go out, so a server that hears of an event can fetch it at once.
    if (federated) await this.indexEventsForFederation(roomId);
    await Promise.all([...perServer].map(([server, pdus]) => remoteStub(this.env, server).queuePdus(pdus)));
  }
}
