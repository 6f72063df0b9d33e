import { DurableObject } from "cloudflare:workers";
import type { Env } from "../platform/env.js";
import { migrate } from "../schema/migrate.js";
import { ROOM_MIGRATIONS } from "../schema/room.js";
import { forbidden, notFound, badJson, tooLarge, unsupportedRoomVersion, incompatibleRoomVersion, roomInUse, invalidRoomState, unableToAuthoriseJoin, internalError, remoteFailed } from "../platform/errors.js";
import { isJsonObject, type JsonObject } from "../protocol/json.js";
import { stateKey, splitStateKey, type PDU, type StateMap, type StateIdMap } from "../protocol/pdu.js";
import { getRoomVersion, type RoomVersion } from "../protocol/roomVersions.js";
import { authorizeEvent, authEventTypes } from "../protocol/authRules/index.js";
import { buildEvent } from "../protocol/buildEvent.js";
import { powerStateOf, canRedact, canSendEvent, canInvite } from "../protocol/powerLevels.js";
import type { SigningKey } from "../protocol/signing.js";
import type { EventRow } from "./room/eventStore.js";
import type { RoomMeta } from "./room/roomStore.js";
import { openRoomStores, type RoomStores } from "./room/stores.js";
import { stateBeforePrevs } from "./room/stateBefore.js";
import { storeEvent } from "./room/storeEvent.js";
import { serversInState } from "./room/servers.js";
import { Visibility } from "./room/visibility.js";
import { Timeline } from "./room/timeline.js";
import { FanoutPlan } from "./room/fanoutPlan.js";
import { TypingTracker, REMOTE_TYPING_MS } from "./room/typing.js";
import * as reads from "./room/federationReads.js";
import { toClientEvent, toStrippedState, STRIPPED_STATE_TYPES, type ClientEvent } from "../protocol/clientEvent.js";
import type { DeliveryItem } from "../platform/rpc/delivery.js";
import { SerialQueue } from "./serialQueue.js";
import type { RoomContext } from "./room/roomContext.js";
import { wireOf, authChainOf } from "./room/wire.js";
import { receivePdu } from "./room/receive/receivePdu.js";
import { checkFormatAndSignatures } from "./room/receive/checkReceived.js";
import { authAgainstAuthEvents } from "./room/receive/authEvents.js";
import { storeOutliers } from "./room/receive/outliers.js";
import { fetchMissingAuthEvents } from "./room/receive/fetchEvents.js";
import { federationRequest } from "../federation-client/request.js";
import { isUnknownEndpoint, unwrapV1Answer } from "../federation-client/unknownEndpoint.js";
import { isFromServer, serverNameOf } from "../protocol/identifiers.js";
import { serverAclAllows } from "../protocol/serverAcl.js";
import { toWireFormat, fromWireFormat, type ReferenceHashLookup } from "../protocol/wireFormat.js";
import { eventSizeProblem } from "../protocol/eventSizeLimits.js";
import { computeReferenceHash } from "../protocol/eventHashing.js";
import { encodeBase64 } from "../protocol/base64.js";
import { signEvent } from "../protocol/eventSigning.js";
import { joinRuleOf, joinRuleIsRestricted, restrictedAllowRoomIds } from "../protocol/membership.js";
import { serverStub, userStub, remoteStub } from "../platform/stubs.js";
import type { PublicRoomSummary } from "../platform/rpc/server.js";
import type { EventTemplate, HierarchyViewer, MessagesOptions, MessagesPage, RoomRpc, SendOptions, SpaceRoomView } from "../platform/rpc/room.js";
import { signingKeyOf } from "../platform/signingKey.js";
import { spaceRoomEntry, viewerMembership } from "./room/spaceRoom.js";

/** Most prev_events a new event points at. */
const MAX_PREV_EVENTS = 10;
/** Events delivered to members per fan-out round. */
const FANOUT_BATCH = 100;
/** The longest a local membership change waits for its own delivery before answering anyway. */
const DELIVERY_WAIT_MS = 10_000;
/** How many backfill requests one /messages call may make before handing the client an `end`. */
const MESSAGES_BACKFILL_ROUNDS = 3;


/**
 * RoomDO: the only writer of one room. It builds, authorises, signs and stores events, keeps
 * the DAG, state groups and current state, and hands each change to the UserDOs of the local
 * members who may see it.
 */
export class RoomDO extends DurableObject<Env> implements RoomRpc {
  private stores: RoomStores;
  private fanoutPlan: FanoutPlan;
  private queue = new SerialQueue();
  private key: SigningKey | undefined;
  private fanoutRunning = false;
  /** Sends waiting until the fan-out has delivered their event (see untilDelivered). */
  private deliveryWaiters: Array<{ ordering: number; resolve: () => void }> = [];
  private typing = new TypingTracker();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.stores = openRoomStores(ctx.storage);
    this.fanoutPlan = new FanoutPlan(this.stores.events, (userId) => this.isLocal(userId));
    ctx.blockConcurrencyWhile(async () => migrate(ctx.storage.sql, ROOM_MIGRATIONS));
  }

  // ---- room metadata --------------------------------------------------------------------

  private meta(): RoomMeta | undefined {
    return this.stores.room.meta();
  }

  private requireRoom(): { meta: RoomMeta; version: RoomVersion } {
    const meta = this.meta();
    if (!meta) throw notFound("Room not found");
    const version = getRoomVersion(meta.room_version);
    if (!version) throw unsupportedRoomVersion(`Unsupported room version ${meta.room_version}`);
    return { meta, version };
  }

  async exists(): Promise<boolean> {
    return this.meta() !== undefined;
  }

  private async signingKey(): Promise<SigningKey> {
    if (!this.key) this.key = signingKeyOf(await serverStub(this.env).signingKey());
    return this.key;
  }

  // ---- creating and sending ---------------------------------------------------------------

  /**
   * Stores a new room's create event, then sends the initial events in order. The Worker builds
   * the create event because in v12 the room ID (and so this object's name) derives from it.
   */
  async createRoom(roomId: string, create: PDU, roomVersion: string, initial: EventTemplate[]): Promise<void> {
    const lastOrdering = await this.queue.run(async () => {
      if (this.meta()) throw roomInUse("Room already exists");
      const version = getRoomVersion(roomVersion);
      if (!version) throw unsupportedRoomVersion(`Unsupported room version ${roomVersion}`);
      const verdict = authorizeEvent(create, new Map([[stateKey("m.room.create", ""), create]]), version);
      if (!verdict.allowed) throw badJson(`Invalid create event: ${verdict.reason}`);
      // Invites to other servers need their server's signature, so they go out after the room exists.
      const remoteInvites = initial.filter((t) => t.type === "m.room.member" && t.content.membership === "invite" && t.state_key !== undefined && !this.isLocal(t.state_key));
      const pdus = await this.buildInitialEvents(roomId, create, version, initial.filter((t) => !remoteInvites.includes(t)));
      const last = this.stores.atomically(() => {
        this.stores.room.create(roomId, roomVersion, Date.now());
        let ordering = 0;
        for (const pdu of pdus) {
          const before = stateBeforePrevs(this.stores.events, version, pdu.prev_events);
          if (!before) throw internalError("Initial event chain broken");
          ordering = storeEvent(this.stores, version, pdu, { before });
        }
        return ordering;
      });
      this.kickFanout();
      for (const t of remoteInvites) {
        await this.sendLocked(t, {}).catch((e: unknown) => console.error("initial remote invite failed", t.state_key, e));
      }
      return last;
    });
    // The creator (and local invitees) see the room in their account when createRoom answers.
    await this.untilDelivered(lastOrdering);
  }

  /**
   * Builds and authorises a new room's initial events in memory, each on top of the previous,
   * so that a bad initial_state or power-level override is refused (400 M_INVALID_ROOM_STATE)
   * before anything is stored: no half-built room is ever left behind.
   */
  private async buildInitialEvents(roomId: string, create: PDU, version: RoomVersion, initial: EventTemplate[]): Promise<PDU[]> {
    const key = await this.signingKey();
    const state: StateMap = new Map([[stateKey("m.room.create", ""), create]]);
    const out: PDU[] = [create];
    let prev = create;
    for (const t of initial) {
      const authEvents: string[] = [];
      const authState: StateMap = new Map([[stateKey("m.room.create", ""), create]]);
      for (const [type, k] of authEventTypes(t, version)) {
        const ev = state.get(stateKey(type, k));
        if (ev && !authEvents.includes(ev.event_id)) {
          authEvents.push(ev.event_id);
          authState.set(stateKey(type, k), ev);
        }
      }
      if (t.type === "m.room.create") throw invalidRoomState("initial_state cannot contain a second m.room.create");
      const pdu = await buildEvent(
        { room_id: roomId, sender: t.sender, type: t.type, state_key: t.state_key, content: t.content, prev_events: [prev.event_id], auth_events: authEvents, depth: prev.depth + 1, origin_server_ts: Date.now() },
        version,
        this.env.SERVER_NAME,
        key,
        { referenceHashes: await initialReferenceHashes([prev, ...authEvents.map((id) => out.find((e) => e.event_id === id)).filter((e): e is PDU => e !== undefined)], version) },
      );
      const sizeProblem = eventSizeProblem(pdu, version);
      if (sizeProblem) throw tooLarge(`Initial ${t.type} event: ${sizeProblem}`);
      const verdict = authorizeEvent(pdu, authState, version);
      if (!verdict.allowed) throw invalidRoomState(`Invalid initial ${t.type} event: ${verdict.reason}`);
      if (pdu.state_key !== undefined) state.set(stateKey(pdu.type, pdu.state_key), pdu);
      out.push(pdu);
      prev = pdu;
    }
    return out;
  }

  async send(template: EventTemplate, opts: SendOptions = {}): Promise<{ event_id: string }> {
    // For a room we have never heard of the sender cannot be in it: the answer a client gets for
    // any room it is not in (the Worker skips an exists() round trip on this hot path).
    if (!this.meta()) throw forbidden("You are not in this room");
    const sent = await this.queue.run(() => this.sendLocked(template, opts));
    // Read-your-writes for membership: when a local user's membership changes, their own account
    // (joined_rooms, forget, sync) must know it before the client hears "done".
    if (sent.ordering !== undefined && template.type === "m.room.member" && template.state_key && this.isLocal(template.state_key)) {
      await this.untilDelivered(sent.ordering);
    }
    return { event_id: sent.event_id };
  }

  /** Sends; `ordering` is the new event's place in the room, absent when a retried txn answers. */
  private async sendLocked(template: EventTemplate, opts: SendOptions): Promise<{ event_id: string; ordering?: number }> {
    const { meta, version } = this.requireRoom();
    // Auth rules: a create event is only ever the first event (a client may try to send another).
    if (template.type === "m.room.create") throw forbidden("The room already has a create event");
    if (opts.txn) {
      const prior = this.stores.txns.eventFor(template.sender, opts.txn.deviceId, opts.txn.txnId);
      if (prior) return { event_id: prior };
    }
    const prev = this.stores.events
      .forwardExtremities()
      .map((id) => this.stores.events.getEvent(id))
      .filter((e): e is PDU => e !== undefined)
      .sort((a, b) => b.depth - a.depth || (a.event_id < b.event_id ? -1 : 1))
      .slice(0, MAX_PREV_EVENTS);
    const before = stateBeforePrevs(this.stores.events, version, prev.map((e) => e.event_id));
    if (!before) throw internalError("The room's latest events have no known state");
    // Only the state this event's checks read (create, power levels, its auth events, and what an
    // invite shows), not the whole room: a room of 1,000 members must not cost 1,000 reads per message.
    const wanted: Array<[string, string]> = [["m.room.create", ""], ["m.room.power_levels", ""], ...authEventTypes(template, version)];
    if (template.type === "m.room.member") for (const t of STRIPPED_STATE_TYPES) wanted.push([t, ""]);
    const state = this.stores.events.pickState(before.ids, wanted);
    if (template.type === "m.room.redaction" && template.redacts) this.checkRedaction(template, state, version);

    const authEvents: string[] = [];
    for (const [type, key] of authEventTypes(template, version)) {
      const ev = state.get(stateKey(type, key));
      if (ev && !authEvents.includes(ev.event_id)) authEvents.push(ev.event_id);
    }
    const depth = prev.reduce((d, e) => Math.max(d, e.depth), 0) + 1;
    const pdu = await buildEvent(
      {
        room_id: meta.room_id,
        sender: template.sender,
        type: template.type,
        state_key: template.state_key,
        content: template.content,
        prev_events: prev.map((e) => e.event_id),
        auth_events: authEvents,
        depth,
        origin_server_ts: Date.now(),
        redacts: template.redacts,
      },
      version,
      this.env.SERVER_NAME,
      await this.signingKey(),
      { referenceHashes: await this.referenceHashes([...prev.map((e) => e.event_id), ...authEvents], version) },
    );
    const sizeProblem = eventSizeProblem(pdu, version);
    if (sizeProblem) throw tooLarge(`Event refused: ${sizeProblem}`);

    const authState: StateMap = new Map();
    const create = state.get(stateKey("m.room.create", ""));
    if (create) authState.set(stateKey("m.room.create", ""), create);
    for (const id of authEvents) {
      const ev = this.stores.events.getEvent(id);
      if (ev) authState.set(stateKey(ev.type, ev.state_key ?? ""), ev);
    }
    const verdict = authorizeEvent(pdu, authState, version);
    if (!verdict.allowed) throw forbidden(verdict.reason);

    let accepted = pdu;
    if (pdu.type === "m.room.member" && pdu.content.membership === "invite" && pdu.state_key && !this.isLocal(pdu.state_key)) {
      accepted = await this.inviteRemoteUser(pdu, version, meta.room_id, state);
    }
    const toStore = accepted;
    const ordering = this.stores.atomically(() => storeEvent(this.stores, version, toStore, { before, txn: opts.txn }));
    this.kickFanout();
    return { event_id: pdu.event_id, ordering };
  }

  /** The Client-Server API refuses redactions of others' events without the redact level. */
  private checkRedaction(template: EventTemplate, state: StateMap, version: RoomVersion): void {
    const target = template.redacts ? this.stores.events.getEvent(template.redacts) : undefined;
    // A client redacts what it saw in this room, and everything it saw is stored here; an ID this
    // room doesn't hold is another room's event (or none), which a redaction here must not name.
    if (!target) throw notFound("The event to redact is not in this room");
    if (!canRedact(template.sender, target.sender, powerStateOf(state), version)) {
      throw forbidden("You don't have permission to redact this event");
    }
  }

  // ---- fan-out to local members -------------------------------------------------------------

  private kickFanout(): void {
    if (this.fanoutRunning) return;
    this.fanoutRunning = true;
    this.runFanout()
      .catch(async (e: unknown) => {
        console.error("fan-out failed, retrying", e);
        await this.scheduleAlarm(Date.now() + 2000);
      })
      .finally(() => {
        this.fanoutRunning = false;
      });
  }

  override async alarm(): Promise<void> {
    await this.expireTyping().catch((e: unknown) => console.error("typing expiry failed", e));
    if (this.stores.outbox.hasPending()) this.kickFanout();
  }

  /** Delivers outbox events, oldest first, so every member sees them in the room's order. */
  private async runFanout(): Promise<void> {
    for (;;) {
      // While other sends are queued, let them land first (a few ms at most): the round then
      // hands each member one batch instead of one call per message.
      for (let i = 0; i < 4 && this.queue.pending > 0; i++) await new Promise((r) => setTimeout(r, 1));
      const orderings = this.stores.outbox.next(FANOUT_BATCH);
      if (orderings.length === 0) return;
      const { meta, version } = this.requireRoom();
      const perUser = new Map<string, DeliveryItem[]>();
      const rows = this.stores.events.rowsByOrdering(orderings);
      for (const row of rows) {
        for (const [userId, item] of this.fanoutPlan.deliveriesFor(row, meta.room_id, version)) {
          const list = perUser.get(userId) ?? [];
          list.push(item);
          perUser.set(userId, list);
        }
      }
      await Promise.all([...perUser].map(([userId, items]) => userStub(this.env, userId).deliverRoomEvents(meta.room_id, items)));
      await this.sendToRemoteServers(meta.room_id, rows, version);
      this.stores.outbox.deliveredUpto(orderings[orderings.length - 1]);
      this.resolveDeliveryWaiters(orderings[orderings.length - 1]);
      this.refreshDirectories(perUser, meta.room_id, orderings).catch((e: unknown) => console.error("directory refresh failed", e));
    }
  }

  /**
   * Resolves once the fan-out has handed every event up to `ordering` to its local members (and
   * queued it for other servers). Bounded: if delivery keeps failing, the alarm retries it and the
   * caller goes on after DELIVERY_WAIT_MS rather than hang.
   */
  private untilDelivered(ordering: number): Promise<void> {
    if (!this.stores.outbox.hasPending(ordering)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, DELIVERY_WAIT_MS);
      this.deliveryWaiters.push({
        ordering,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  private resolveDeliveryWaiters(deliveredUpto: number): void {
    const stillWaiting: typeof this.deliveryWaiters = [];
    for (const w of this.deliveryWaiters) {
      if (w.ordering <= deliveredUpto) w.resolve();
      else stillWaiting.push(w);
    }
    this.deliveryWaiters = stillWaiting;
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

  private isLocal(userId: string): boolean {
    return isFromServer(userId, this.env.SERVER_NAME);
  }

  /** Keeps the public room directory and user directory in step with membership changes. */
  private async refreshDirectories(perUser: Map<string, DeliveryItem[]>, roomId: string, _orderings: number[]): Promise<void> {
    const server = serverStub(this.env);
    let stateChanged = false;
    const seen = new Set<string>();
    for (const items of perUser.values()) {
      for (const item of items) {
        if (seen.has(item.event.event_id)) continue;
        seen.add(item.event.event_id);
        if (item.isState) stateChanged = true;
        if (item.event.type === "m.room.member" && item.event.state_key && this.isLocal(item.event.state_key)) {
          await server.setUserRoom(item.event.state_key, roomId, item.event.content.membership === "join");
        }
      }
    }
    if (stateChanged) await server.updatePublicSummary(this.summaryNow());
  }

  // ---- federation -----------------------------------------------------------------------

  /** This room as the code that receives and serves events over federation sees it. */
  private contextFor(version: RoomVersion, roomId: string, key: SigningKey): RoomContext {
    return {
      env: this.env,
      stores: this.stores,
      roomId,
      version,
      ownKey: { serverName: this.env.SERVER_NAME, keyId: key.keyId, publicKey: key.publicKey },
    };
  }

  private async roomContext(): Promise<RoomContext> {
    const { meta, version } = this.requireRoom();
    return this.contextFor(version, meta.room_id, await this.signingKey());
  }

  /**
   * Events this server created go to every other server with a joined member after the event,
   * plus the server of a remote user whose membership the event changes (a kick or ban). Events
   * received from others are not re-sent: their origin sends them to everyone.
   */
  private async sendToRemoteServers(roomId: string, rows: EventRow[], version: RoomVersion): Promise<void> {
    const perServer = new Map<string, JsonObject[]>();
    let federated = false;
    let room: RoomContext | undefined;
    for (const row of rows) {
      if (row.soft_failed || row.outlier) continue;
      // Joined members after the event, cached per state group: no walk of the member list per message.
      const servers = new Set(this.fanoutPlan.joinedAfter(row, version).map((u) => serverNameOf(u)));
      servers.delete(this.env.SERVER_NAME);
      if (servers.size > 0) federated = true;
      if (!this.isLocal(row.sender)) continue;
      const pdu = this.stores.events.getEvent(row.event_id);
      if (!pdu) continue;
      if (pdu.type === "m.room.member" && pdu.state_key && !this.isLocal(pdu.state_key)) servers.add(serverNameOf(pdu.state_key));
      if (servers.size === 0) continue;
      room ??= await this.roomContext();
      const wire = wireOf(room.version, pdu);
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

  /**
   * Inviting a user of another server (spec: server-server "Inviting to a room"): their server
   * must see and co-sign the invite before it enters the room (PUT /invite v2).
   */
  private async inviteRemoteUser(pdu: PDU, version: RoomVersion, roomId: string, state: StateMap): Promise<PDU> {
    const room = this.contextFor(version, roomId, await this.signingKey());
    const target = serverNameOf(pdu.state_key ?? "");
    const stripped = STRIPPED_STATE_TYPES.map((t) => state.get(stateKey(t, ""))).filter((e): e is PDU => e !== undefined).map(toStrippedState);
    const ids = `${encodeURIComponent(roomId)}/${encodeURIComponent(pdu.event_id)}`;
    let res: { event?: unknown };
    try {
      res = await federationRequest(this.env, target, "PUT", `/_matrix/federation/v2/invite/${ids}`, {
        room_version: version.id,
        event: wireOf(room.version, pdu),
        invite_room_state: stripped as unknown as JsonObject[],
      });
    } catch (e) {
      if (!isUnknownEndpoint(e)) throw forbidden(`${target} refused the invite: ${e instanceof Error ? e.message : String(e)}`);
      // A server without v2 invite knows only the v1 API, which carries no room version: it can
      // take part only in rooms of versions 1 and 2 (Synapse draws the same line).
      if (version.eventIdFormat !== "v1") throw unsupportedRoomVersion(`${target} does not support this room version`);
      try {
        const v1 = unwrapV1Answer(await federationRequest<unknown>(this.env, target, "PUT", `/_matrix/federation/v1/invite/${ids}`, { ...wireOf(room.version, pdu), unsigned: { invite_room_state: stripped as unknown as JsonObject[] } }));
        res = isJsonObject(v1) ? v1 : {};
      } catch (e1) {
        throw forbidden(`${target} refused the invite: ${e1 instanceof Error ? e1.message : String(e1)}`);
      }
    }
    const checked = await checkFormatAndSignatures(room, res.event);
    if ("error" in checked || checked.pdu.event_id !== pdu.event_id || !checked.pdu.signatures[target]) {
      throw forbidden(`${target} returned an invalid invite`);
    }
    return checked.pdu;
  }

  /** Spec: PUT /send/{txnId} — the PDUs of one transaction that belong to this room. */
  async receivePdus(origin: string, pdus: JsonObject[]): Promise<Record<string, { error?: string }>> {
    return this.queue.run(async () => {
      const room = await this.roomContext();
      const results: Record<string, { error?: string }> = {};
      if (!this.serverAllowed(origin)) {
        // Spec: server ACLs apply per PDU; a denied server's PDUs are ignored with an error each.
        for (const raw of pdus) {
          const id = await fromWireFormat(raw, room.version).then((p) => p.event_id, () => undefined);
          if (id) results[id] = { error: `${origin} is denied by the room's server ACL` };
        }
        return results;
      }
      for (const raw of [...pdus].sort((a, b) => Number(a.depth ?? 0) - Number(b.depth ?? 0))) {
        // One PDU we fail on must not sink the others of the transaction: it gets its own error.
        const r = await receivePdu(room, origin, raw).catch(async (e: unknown) => {
          console.error("receiving a PDU failed", e);
          const eventId = await fromWireFormat(raw, room.version).then((p) => p.event_id, () => undefined);
          return { eventId, error: "the event could not be processed" };
        });
        // What the PDU added to the timeline goes out to local members while the next is checked.
        this.kickFanout();
        const id = r.eventId ?? (typeof raw.event_id === "string" ? raw.event_id : undefined);
        if (id) results[id] = r.error ? { error: r.error } : {};
      }
      // Soft-failed events skip the fan-out that indexes events, but other servers may still ask
      // for them with GET /event (spec: "Soft failure").
      const softFailed = Object.keys(results).filter((id) => this.stores.events.getRow(id)?.soft_failed);
      if (softFailed.length > 0) await serverStub(this.env).indexEvents(room.roomId, softFailed);
      return results;
    });
  }

  /** Whether a server has a joined member now (spec: requests about a room come from its servers). */
  private serverInRoom(server: string): boolean {
    for (const [k, id] of this.stores.events.currentStateIds()) {
      if (!k.startsWith("m.room.member\u0000")) continue;
      const ev = this.stores.events.getEvent(id);
      if (ev?.content.membership === "join" && ev.state_key && serverNameOf(ev.state_key) === server) return true;
    }
    return false;
  }

  private requireServerInRoom(origin: string): void {
    this.requireServerAllowed(origin);
    if (!this.serverInRoom(origin) && !this.worldReadable()) throw forbidden(`${origin} is not in the room`);
  }

  /** Whether the room's current m.room.server_acl lets `server` take part (spec: "Server ACLs"). */
  private serverAllowed(server: string): boolean {
    return serverAclAllows(this.stores.events.currentEvent("m.room.server_acl", "")?.content, server);
  }

  private requireServerAllowed(origin: string): void {
    if (!this.serverAllowed(origin)) throw forbidden(`${origin} is denied by the room's server ACL`);
  }

  /** For endpoints outside this object that must honour the room's ACL (e.g. invites); unknown rooms allow. */
  async serverAclAllows(server: string): Promise<boolean> {
    return !this.meta() || this.serverAllowed(server);
  }

  /** Spec: GET /make_join and /make_leave and /make_knock — an event template for a remote user. */
  async makeMembership(userId: string, membership: "join" | "leave" | "knock", supportedVersions: string[]): Promise<{ room_version: string; event: JsonObject }> {
    const { meta, version } = this.requireRoom();
    this.requireServerAllowed(serverNameOf(userId));
    if (membership !== "leave" && !supportedVersions.includes(version.id)) {
      throw incompatibleRoomVersion(`Room version ${version.id} is not supported by the joining server`, { room_version: version.id });
    }
    // A join is served only by a server with a member in the room: it must vouch for the state
    // the joiner is given, and it stops hearing the room once its last user left (Synapse: 404).
    if (membership === "join" && this.localJoined().length === 0) throw notFound("Not an active room on this server");
    const content: JsonObject = { membership };
    if (membership === "join") {
      const plan = await this.restrictedJoinPlan(userId);
      if (plan) {
        if (!plan.authoriser) throw unableToAuthoriseJoin("No member of this server can authorise the join");
        content.join_authorised_via_users_server = plan.authoriser;
      }
    }
    const prev = this.stores.events
      .forwardExtremities()
      .map((id) => this.stores.events.getEvent(id))
      .filter((e): e is PDU => e !== undefined)
      .sort((a, b) => b.depth - a.depth)
      .slice(0, MAX_PREV_EVENTS);
    const before = stateBeforePrevs(this.stores.events, version, prev.map((e) => e.event_id));
    if (!before) throw internalError("The room's latest events have no known state");
    const state = this.stores.events.resolveIds(before.ids);
    const template = { sender: userId, type: "m.room.member", state_key: userId, content };
    const authEvents: string[] = [];
    for (const [type, key] of authEventTypes(template, version)) {
      const ev = state.get(stateKey(type, key));
      if (ev && !authEvents.includes(ev.event_id)) authEvents.push(ev.event_id);
    }
    const event: JsonObject = {
      room_id: meta.room_id,
      sender: userId,
      type: "m.room.member",
      state_key: userId,
      content,
      prev_events: prev.map((e) => e.event_id),
      auth_events: authEvents,
      depth: prev.reduce((d, e) => Math.max(d, e.depth), 0) + 1,
      origin_server_ts: Date.now(),
    };
    if (!version.v11EventFormat) event.origin = serverNameOf(userId);
    if (membership === "join") {
      this.requireJoinAllowed({ room_id: meta.room_id, sender: userId, type: "m.room.member", state_key: userId, content, prev_events: prev.map((e) => e.event_id), auth_events: authEvents, depth: event.depth as number, origin_server_ts: event.origin_server_ts as number }, state, version);
    }
    if (version.eventIdFormat === "v1") {
      // Room versions 1–2 reference events as [event_id, {sha256: reference hash}].
      const lookup = await this.referenceHashes([...(event.prev_events as string[]), ...(event.auth_events as string[])], version);
      const tuples = (ids: string[]) => ids.map((id) => [id, { sha256: lookup?.(id) ?? "" }]);
      event.prev_events = tuples(event.prev_events as string[]);
      event.auth_events = tuples(event.auth_events as string[]);
    }
    return { room_version: version.id, event };
  }

  /**
   * make_join refuses a join the send_join would refuse (banned, invite-only without an invite),
   * instead of handing out a template that cannot succeed: the template goes through the auth
   * rules against the current state. It is not signed yet; when we authorise a restricted join,
   * our signature will be on it, so the check counts it as there.
   */
  private requireJoinAllowed(
    template: Pick<PDU, "room_id" | "sender" | "type" | "state_key" | "content" | "prev_events" | "auth_events" | "depth" | "origin_server_ts">,
    state: StateMap,
    version: RoomVersion,
  ): void {
    const signatures: Record<string, Record<string, string>> = {};
    // The auth rules look only for a signature entry of the authoriser's server (verifying it is
    // the caller's job); ours will be added when send_join signs the event.
    if (typeof template.content.join_authorised_via_users_server === "string") signatures[this.env.SERVER_NAME] = { "ed25519:pending": "" };
    const candidate: PDU = {
      ...template,
      event_id: "$make_join_template",
      hashes: { sha256: "" },
      signatures,
    };
    const verdict = authorizeEvent(candidate, state, version);
    if (!verdict.allowed) throw forbidden(`You are not allowed to join this room: ${verdict.reason}`);
  }

  /**
   * For room versions 1–2, whose events name their prev and auth events together with those
   * events' reference hashes: the hashes of the events we hold. Undefined for later versions.
   */
  private async referenceHashes(ids: string[], version: RoomVersion): Promise<ReferenceHashLookup | undefined> {
    if (version.eventIdFormat !== "v1") return undefined;
    const hashes = new Map<string, string>();
    for (const id of ids) {
      const pdu = this.stores.events.getEvent(id);
      if (pdu) hashes.set(id, encodeBase64(await computeReferenceHash(toWireFormat(pdu, version), version)));
    }
    return (id) => hashes.get(id);
  }

  /**
   * Spec: PUT /send_join, /send_leave, /send_knock (v2) — a remote user's membership event.
   * It must be the membership the origin's user asked for, pass every receipt check, and for a
   * restricted join we add our signature as the authorising server.
   */
  async sendMembership(origin: string, membership: "join" | "leave" | "knock", raw: JsonObject): Promise<JsonObject> {
    return this.queue.run(async () => {
      const room = await this.roomContext();
      this.requireServerAllowed(origin);
      // A restricted join vouched for by one of our users must carry our signature, which the
      // joiner cannot give: we co-sign it before checking, or the signature check refuses it.
      const rawContent = raw.content;
      const via = isJsonObject(rawContent) ? rawContent.join_authorised_via_users_server : undefined;
      let signedWire: JsonObject | undefined;
      if (membership === "join" && typeof via === "string" && this.isLocal(via)) {
        try {
          signedWire = await signEvent(raw, room.version, this.env.SERVER_NAME, await this.signingKey());
        } catch (e) {
          throw badJson(`malformed event: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      const wireEvent = signedWire ?? raw;
      const checked = await checkFormatAndSignatures(room, wireEvent);
      if ("error" in checked) throw badJson(checked.error);
      const pdu = checked.pdu;
      if (pdu.type !== "m.room.member" || pdu.state_key !== pdu.sender || pdu.content.membership !== membership || serverNameOf(pdu.sender) !== origin) {
        throw badJson(`Not a ${membership} event of a user of ${origin}`);
      }
      const r = await receivePdu(room, origin, wireEvent, 0);
      this.kickFanout();
      if (r.error) throw forbidden(r.error);
      const row = this.stores.events.getRow(pdu.event_id);
      if (!row || row.soft_failed) throw forbidden("The event was not accepted");
      if (membership === "knock") {
        const state = this.stores.events.resolveIds(row.state_group === null ? new Map() : this.stores.events.stateAtGroup(row.state_group));
        return { knock_room_state: STRIPPED_STATE_TYPES.map((t) => state.get(stateKey(t, ""))).filter((e): e is PDU => e !== undefined).map(toStrippedState) as unknown as JsonObject[] };
      }
      if (membership === "leave") return {};
      const stateIds = row.state_group === null ? new Map<string, string>() : this.stores.events.stateAtGroup(row.state_group);
      const state = [...stateIds.values()].map((id) => this.stores.events.getEvent(id)).filter((e): e is PDU => e !== undefined);
      const authChain = authChainOf(this.stores.events, [...stateIds.values(), pdu.event_id]);
      const res: JsonObject = {
        origin: this.env.SERVER_NAME,
        state: state.map((e) => wireOf(room.version, e)),
        auth_chain: authChain.map((e) => wireOf(room.version, e)),
        members_omitted: false,
        servers_in_room: serversInState(this.stores.events, stateIds),
      };
      if (signedWire) res.event = signedWire;
      return res;
    });
  }

  /**
   * A local user joined a room on another server (send_join answered): store the room's state
   * and auth chain as outliers after checking them, then the join with that state before it.
   */
  async importRemoteJoin(roomId: string, roomVersion: string, origin: string, joinEvent: JsonObject, state: JsonObject[], authChain: JsonObject[]): Promise<void> {
    const ordering = await this.queue.run(async () => {
      const version = getRoomVersion(roomVersion);
      if (!version) throw unsupportedRoomVersion(`Unsupported room version ${roomVersion}`);
      if (!this.meta()) this.stores.room.create(roomId, roomVersion, Date.now());
      const room = this.contextFor(version, roomId, await this.signingKey());
      await storeOutliers(room, [...authChain, ...state]);
      const ids: StateIdMap = new Map();
      for (const raw of state) {
        const pdu = await fromWireFormat(raw, version).catch(() => undefined);
        const ev = pdu ? this.stores.events.getEvent(pdu.event_id) : undefined;
        if (!ev || ev.state_key === undefined || this.stores.events.isRejected(ev.event_id)) continue;
        ids.set(stateKey(ev.type, ev.state_key), ev.event_id);
      }
      if (!ids.has(stateKey("m.room.create", ""))) throw remoteFailed("The joined room's state has no valid create event");
      const checked = await checkFormatAndSignatures(room, joinEvent);
      if ("error" in checked) throw remoteFailed(`The join event came back invalid: ${checked.error}`);
      const pdu = checked.pdu;
      const authError = authAgainstAuthEvents(room, pdu);
      if (authError) throw forbidden(`Join refused: ${authError}`);
      const group = this.stores.events.newStateGroup(null, ids);
      const ordering = this.stores.atomically(() => storeEvent(this.stores, version, pdu, { before: { group, ids }, existingOutlier: this.stores.events.getRow(pdu.event_id) !== undefined }));
      void origin;
      this.kickFanout();
      return ordering;
    });
    // The joiner sees the room in their account when the join answers.
    await this.untilDelivered(ordering);
  }

  // Serving the room's history to servers in it (room/federationReads.ts).

  async federationEvent(origin: string, eventId: string): Promise<JsonObject> {
    this.requireServerInRoom(origin);
    return reads.eventFor(await this.roomContext(), eventId);
  }

  async federationState(origin: string, eventId: string, idsOnly: boolean): Promise<JsonObject> {
    this.requireServerInRoom(origin);
    return reads.stateAt(await this.roomContext(), eventId, idsOnly);
  }

  async federationEventAuth(origin: string, eventId: string): Promise<JsonObject> {
    this.requireServerInRoom(origin);
    return reads.eventAuth(await this.roomContext(), eventId);
  }

  async backfill(origin: string, from: string[], limit: number): Promise<JsonObject[]> {
    this.requireServerInRoom(origin);
    return reads.backfill(await this.roomContext(), from, limit);
  }

  async getMissingEvents(origin: string, earliest: string[], latest: string[], limit: number, minDepth: number): Promise<JsonObject[]> {
    this.requireServerInRoom(origin);
    return reads.missingEvents(await this.roomContext(), earliest, latest, limit, minDepth);
  }

  // ---- reading state ------------------------------------------------------------------------

  private membershipNow(userId: string): string {
    const m = this.stores.events.currentEvent("m.room.member", userId)?.content.membership;
    return typeof m === "string" ? m : "leave";
  }

  private worldReadable(): boolean {
    return this.stores.events.currentEvent("m.room.history_visibility", "")?.content.history_visibility === "world_readable";
  }

  /**
   * Restricted rooms (v8+, spec: "Restricted rooms"): for a user who is neither joined nor
   * invited, the rooms whose membership would let them in and a local joined member with the
   * power to invite, who will authorise the join. Undefined when the room isn't restricted for them.
   */
  async restrictedJoinPlan(userId: string): Promise<{ allowRooms: string[]; authoriser?: string } | undefined> {
    const { version } = this.requireRoom();
    const state = this.stores.events.currentState();
    const membership = this.membershipNow(userId);
    if (membership === "join" || membership === "invite" || !joinRuleIsRestricted(joinRuleOf(state), version)) return undefined;
    const power = powerStateOf(state);
    const authoriser = this.localJoined()
      .filter((u) => canInvite(u, power, version))
      .sort()[0];
    return { allowRooms: restrictedAllowRoomIds(state, version), authoriser };
  }

  /**
   * Whether joins can be done here: a local user is joined, or no other server is. Otherwise a
   * local user (re)joining must go through a resident server (make_join/send_join).
   */
  async isResidentHere(): Promise<boolean> {
    if (!this.meta()) return false;
    return this.localJoined().length > 0 || this.remoteServers().length === 0;
  }

  /** Spec: guest access module — guests may join only rooms whose m.room.guest_access is can_join. */
  async guestCanJoin(): Promise<boolean> {
    this.requireRoom();
    return this.stores.events.currentEvent("m.room.guest_access", "")?.content.guest_access === "can_join";
  }

  async membership(userId: string): Promise<string> {
    this.requireRoom();
    return this.membershipNow(userId);
  }

  /**
   * The state a user may read: the current state while joined (or if world-readable), the state
   * when they left otherwise (spec: GET /rooms/{roomId}/state).
   */
  private readableState(userId: string): StateMap {
    const { meta } = this.requireRoom();
    if (this.membershipNow(userId) === "join" || this.worldReadable()) return this.stores.events.currentState();
    const memberId = this.stores.events.currentStateIds().get(stateKey("m.room.member", userId));
    if (memberId) {
      const before = this.stores.events.stateBefore(memberId);
      if (before && this.stores.events.getEvent(memberId)?.content.membership === "leave") {
        const wasJoined = this.stores.events.getEvent(before.get(stateKey("m.room.member", userId)) ?? "")?.content.membership === "join";
        if (wasJoined) {
          const after = new Map(before);
          after.set(stateKey("m.room.member", userId), memberId);
          return this.stores.events.resolveIds(after);
        }
      }
    }
    void meta;
    throw forbidden(`User ${userId} not in room`);
  }

  async getState(userId: string): Promise<ClientEvent[]> {
    const { meta } = this.requireRoom();
    return [...this.readableState(userId).values()].map((e) => toClientEvent(e, meta.room_id));
  }

  async getStateEvent(userId: string, type: string, key: string): Promise<ClientEvent> {
    const { meta } = this.requireRoom();
    const ev = this.readableState(userId).get(stateKey(type, key));
    if (!ev) throw notFound(`Event not found`);
    return toClientEvent(ev, meta.room_id);
  }

  /** Spec: GET /rooms/{roomId}/members, with `at`, `membership` and `not_membership`. */
  async members(userId: string, opts: { at?: number; membership?: string; notMembership?: string }): Promise<ClientEvent[]> {
    const { meta } = this.requireRoom();
    let state = this.readableState(userId);
    if (opts.at !== undefined) {
      const last = this.stores.events.lastInTimelineBefore(opts.at);
      if (last) {
        // The state at the token: the state after the last event before it.
        const ids = new Map(last.state_group === null ? [] : this.stores.events.stateAtGroup(last.state_group));
        const lastEv = this.stores.events.getEvent(last.event_id);
        if (lastEv?.state_key !== undefined) ids.set(stateKey(lastEv.type, lastEv.state_key), lastEv.event_id);
        state = this.stores.events.resolveIds(ids);
      }
    }
    const out: ClientEvent[] = [];
    for (const [k, ev] of state) {
      if (splitStateKey(k)[0] !== "m.room.member") continue;
      const m = ev.content.membership;
      if (opts.membership && m !== opts.membership) continue;
      if (opts.notMembership && m === opts.notMembership) continue;
      out.push(toClientEvent(ev, meta.room_id));
    }
    return out;
  }

  /**
   * Spec: GET /rooms/{roomId}/joined_members (RoomMember). Both keys are always present, null
   * when the member event has none, as Synapse answers (clients such as matrix-nio require them).
   */
  async joinedMembers(userId: string): Promise<Record<string, { display_name: string | null; avatar_url: string | null }>> {
    this.requireRoom();
    if (this.membershipNow(userId) !== "join") throw forbidden(`User ${userId} not in room`);
    const out: Record<string, { display_name: string | null; avatar_url: string | null }> = {};
    for (const [k, ev] of this.stores.events.currentState()) {
      if (splitStateKey(k)[0] !== "m.room.member" || ev.content.membership !== "join") continue;
      out[ev.state_key ?? ""] = {
        display_name: typeof ev.content.displayname === "string" ? ev.content.displayname : null,
        avatar_url: typeof ev.content.avatar_url === "string" ? ev.content.avatar_url : null,
      };
    }
    return out;
  }

  /** Whether the user is joined and has the power to send this event type now. */
  async userCanSend(userId: string, type: string, isState: boolean): Promise<boolean> {
    const { version } = this.requireRoom();
    if (this.membershipNow(userId) !== "join") return false;
    return canSendEvent(userId, type, isState, { create: this.stores.events.currentEvent("m.room.create", ""), powerLevels: this.stores.events.currentEvent("m.room.power_levels", "") }, version);
  }

  // ---- reading events (room/timeline.ts) --------------------------------------------------------

  private timeline(): Timeline {
    return new Timeline(this.stores.events, this.stores.relations, this.requireRoom().meta.room_id);
  }

  async getEvent(userId: string, eventId: string): Promise<ClientEvent> {
    const t = this.timeline();
    const vis = new Visibility(this.stores.events, userId);
    return t.clientEventOf(t.visibleRow(eventId, vis), vis);
  }

  /** Who may read the timeline: members and former members, anyone in a world-readable room. */
  private requireReader(userId: string): void {
    this.requireRoom();
    const everMember = this.membershipNow(userId) !== "leave" || this.stores.events.currentStateIds().has(stateKey("m.room.member", userId));
    if (!everMember && !this.worldReadable()) throw forbidden(`User ${userId} not in room`);
  }

  /**
   * Spec: GET /rooms/{roomId}/messages. Members and former members may page; others only in a
   * world-readable room. Paging back past the oldest event we hold backfills from other servers.
   */
  async messages(userId: string, opts: MessagesOptions): Promise<MessagesPage> {
    this.requireReader(userId);
    const read = () => this.timeline().messages(new Visibility(this.stores.events, userId), opts);
    let page = read();
    // A page with an `end` is complete; only a short backward page may need older history, and
    // only a room shared with other servers has any to fetch (checked last: it reads the members).
    if (opts.dir !== "b" || page.end !== undefined || this.remoteServers().length === 0) return page;
    // The local scan omits `end` when it runs out of events we hold, but clients read a missing
    // `end` as "no more history": while older history is still missing (the create event not yet
    // reached), backfill and read again, and if the page is full or the rounds run out, hand out
    // an `end` below our oldest event, from which the next request backfills further.
    for (let round = 0; page.end === undefined && round < MESSAGES_BACKFILL_ROUNDS; round++) {
      if (!this.oldestHeldGap()) return page;
      if (page.chunk.length >= opts.limit) break;
      const wanted = Math.max(opts.limit - page.chunk.length, 10);
      const added = await this.queue.run(() => this.backfillFromRemote(wanted));
      // No server gave us anything older: we cannot offer more, so the page ends here.
      if (added === 0) return page;
      page = read();
    }
    const gap = page.end === undefined && opts.to === undefined ? this.oldestHeldGap() : undefined;
    if (gap) page.end = gap.first.ordering;
    return page;
  }

  /**
   * The oldest event we hold in the timeline and the prev_events of it we lack, or undefined when
   * nothing is missing before it (it is the create event, or we hold all its predecessors).
   */
  private oldestHeldGap(): { first: EventRow; missing: string[] } | undefined {
    const first = this.stores.events.firstInTimeline();
    if (!first) return undefined;
    const firstPdu = this.stores.events.getEvent(first.event_id);
    const missing = (firstPdu?.prev_events ?? []).filter((id) => this.stores.events.getRow(id)?.outlier !== 0);
    return missing.length > 0 ? { first, missing } : undefined;
  }

  /** Spec: server-server "Backfilling" — fetch history older than our oldest event. Returns how many were added. */
  private async backfillFromRemote(limit: number): Promise<number> {
    const room = await this.roomContext();
    const gap = this.oldestHeldGap();
    if (!gap) return 0;
    const { first, missing } = gap;
    for (const server of this.remoteServers()) {
      let pdus: unknown[];
      try {
        const q = missing.map((id) => `v=${encodeURIComponent(id)}`).join("&");
        const res = await federationRequest<{ pdus?: unknown[] }>(this.env, server, "GET", `/_matrix/federation/v1/backfill/${encodeURIComponent(room.roomId)}?${q}&limit=${limit}`);
        pdus = res.pdus ?? [];
      } catch {
        continue;
      }
      let added = 0;
      const checkedAll: PDU[] = [];
      for (const raw of pdus) {
        const checked = await checkFormatAndSignatures(room, raw);
        if ("error" in checked) continue;
        checkedAll.push(checked.pdu);
      }
      // Newest first, so each one lands just below the previous in ordering.
      checkedAll.sort((a, b) => b.depth - a.depth);
      for (const pdu of checkedAll) {
        if (this.stores.events.getRow(pdu.event_id)?.outlier === 0) continue;
        if (pdu.auth_events.some((id) => !this.stores.events.getRow(id))) await fetchMissingAuthEvents(room, server, pdu);
        if (authAgainstAuthEvents(room, pdu)) continue;
        this.stores.atomically(() => this.stores.events.insertBackfilled(pdu, first.state_group));
        added++;
      }
      if (added > 0) return added;
    }
    return 0;
  }

  async context(userId: string, eventId: string, limit: number, ignoredSenders?: string[]): Promise<JsonObject> {
    return this.timeline().context(new Visibility(this.stores.events, userId), eventId, limit, ignoredSenders);
  }

  async timestampToEvent(userId: string, ts: number, dir: "f" | "b"): Promise<{ event_id: string; origin_server_ts: number }> {
    return this.timeline().timestampToEvent(new Visibility(this.stores.events, userId), ts, dir);
  }

  async relations(userId: string, eventId: string, relType: string | undefined, eventType: string | undefined, limit: number, from: number | undefined): Promise<JsonObject> {
    return this.timeline().relations(new Visibility(this.stores.events, userId), eventId, relType, eventType, limit, from);
  }

  /** Spec: GET /rooms/{roomId}/threads, with the same access rule as /messages. */
  async threads(userId: string, include: "all" | "participated", limit: number, from: number | undefined): Promise<JsonObject> {
    this.requireReader(userId);
    return this.timeline().threads(new Visibility(this.stores.events, userId), include, limit, from);
  }

  // ---- ephemeral: typing and receipts ---------------------------------------------------------

  /** Local users joined now (reads member events only, not the whole state). */
  private localJoined(): string[] {
    const out: string[] = [];
    for (const [k, id] of this.stores.events.currentStateIds()) {
      if (!k.startsWith("m.room.member\u0000")) continue;
      const ev = this.stores.events.getEvent(id);
      if (ev?.content.membership === "join" && ev.state_key && this.isLocal(ev.state_key)) out.push(ev.state_key);
    }
    return out;
  }

  async setTyping(userId: string, typing: boolean, timeoutMs: number): Promise<void> {
    const { meta } = this.requireRoom();
    if (this.membershipNow(userId) !== "join") throw forbidden(`User ${userId} not in room`);
    if (!this.typing.set(userId, typing, timeoutMs, Date.now())) return;
    await this.scheduleTypingExpiry();
    await this.pushTyping(meta.room_id);
    await this.sendEdu({ edu_type: "m.typing", content: { room_id: meta.room_id, user_id: userId, typing } });
  }

  /** The object's one alarm serves typing expiry and fan-out retries: it only ever moves earlier. */
  private async scheduleAlarm(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  private async scheduleTypingExpiry(): Promise<void> {
    const next = this.typing.nextExpiry();
    if (next !== undefined) await this.scheduleAlarm(next);
  }

  /** Servers other than ours with a joined member now: where this room's EDUs go. */
  private remoteServers(): string[] {
    return serversInState(this.stores.events, this.stores.events.currentStateIds()).filter((s) => s !== this.env.SERVER_NAME);
  }

  private async sendEdu(edu: JsonObject): Promise<void> {
    await Promise.all(this.remoteServers().map((server) => remoteStub(this.env, server).queueEdus([edu])));
  }

  /** A typing EDU from another server (spec: m.typing). Remote typing lasts 30 s unless renewed. */
  async remoteTyping(userId: string, typing: boolean): Promise<void> {
    const { meta } = this.requireRoom();
    if (this.membershipNow(userId) !== "join" || !this.serverAllowed(serverNameOf(userId))) return;
    if (!this.typing.set(userId, typing, REMOTE_TYPING_MS, Date.now())) return;
    await this.scheduleTypingExpiry();
    await this.pushTyping(meta.room_id);
  }

  /** Receipt EDUs from another server (spec: m.receipt), for its own joined users only. */
  async remoteReceipts(origin: string, byType: JsonObject): Promise<void> {
    const { meta } = this.requireRoom();
    if (!this.serverAllowed(origin)) return;
    for (const [receiptType, byUser] of Object.entries(byType)) {
      if (receiptType !== "m.read" || !byUser || typeof byUser !== "object" || Array.isArray(byUser)) continue;
      for (const [userId, receipt] of Object.entries(byUser)) {
        if (serverNameOf(userId) !== origin || this.membershipNow(userId) !== "join") continue;
        if (!receipt || typeof receipt !== "object" || Array.isArray(receipt)) continue;
        const ids = receipt.event_ids;
        const data = receipt.data && typeof receipt.data === "object" && !Array.isArray(receipt.data) ? receipt.data : {};
        if (!Array.isArray(ids) || typeof ids[0] !== "string") continue;
        const eventId = ids[0];
        const ts = typeof data.ts === "number" ? data.ts : Date.now();
        const threadId = typeof data.thread_id === "string" ? data.thread_id : "";
        this.stores.receipts.put(userId, receiptType, threadId, eventId, ts);
        const r: JsonObject = { ts };
        if (threadId) r.thread_id = threadId;
        const content: JsonObject = { [eventId]: { [receiptType]: { [userId]: r } } };
        await Promise.all(this.localJoined().map((u) => userStub(this.env, u).addReceipt(meta.room_id, content)));
      }
    }
  }

  private async expireTyping(): Promise<void> {
    const meta = this.meta();
    if (this.typing.expire(Date.now()) && meta) await this.pushTyping(meta.room_id);
    await this.scheduleTypingExpiry();
  }

  private async pushTyping(roomId: string): Promise<void> {
    const content = { user_ids: this.typing.userIds() };
    await Promise.all(this.localJoined().map((u) => userStub(this.env, u).setRoomEphemeral(roomId, "m.typing", content)));
  }

  /** Spec: POST /rooms/{roomId}/receipt/{receiptType}/{eventId}. */
  async setReceipt(userId: string, receiptType: string, eventId: string, threadId: string | undefined): Promise<void> {
    const { meta } = this.requireRoom();
    if (this.membershipNow(userId) !== "join") throw forbidden(`User ${userId} not in room`);
    const row = this.stores.events.getRow(eventId);
    if (!row) throw notFound("Event not found");
    const ts = Date.now();
    this.stores.receipts.put(userId, receiptType, threadId ?? "", eventId, ts);
    const receipt: JsonObject = { ts };
    if (threadId) receipt.thread_id = threadId;
    const content: JsonObject = { [eventId]: { [receiptType]: { [userId]: receipt } } };
    // Private receipts go only to their owner (spec: m.read.private).
    const recipients = receiptType === "m.read.private" ? [userId] : this.localJoined();
    if (receiptType === "m.read") {
      const data: JsonObject = { ts };
      if (threadId) data.thread_id = threadId;
      await this.sendEdu({ edu_type: "m.receipt", content: { [meta.room_id]: { "m.read": { [userId]: { event_ids: [eventId], data } } } } });
    }
    await Promise.all(recipients.map((u) => userStub(this.env, u).addReceipt(meta.room_id, content, u === userId ? { eventId, ordering: row.ordering } : undefined)));
  }

  // ---- directory summary --------------------------------------------------------------------

  private summaryNow(): PublicRoomSummary {
    const { meta } = this.requireRoom();
    const ids = this.stores.events.currentStateIds();
    const str = (type: string, key: string): string | undefined => {
      const id = ids.get(stateKey(type, ""));
      const v = id ? this.stores.events.getEvent(id)?.content[key] : undefined;
      return typeof v === "string" ? v : undefined;
    };
    let joined = 0;
    for (const [k, id] of ids) if (k.startsWith("m.room.member\u0000") && this.stores.events.getEvent(id)?.content.membership === "join") joined++;
    const s: PublicRoomSummary = {
      room_id: meta.room_id,
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

  async summary(): Promise<PublicRoomSummary> {
    return this.summaryNow();
  }

  /** Spec: space hierarchy — this room as GET /hierarchy shows it, and where `viewer` stands in it. */
  async spaceRoom(viewer: HierarchyViewer): Promise<SpaceRoomView> {
    const { version } = this.requireRoom();
    const state = this.stores.events.currentState();
    return {
      room: spaceRoomEntry(this.summaryNow(), state, version),
      membership: viewerMembership(state, viewer, (s) => this.serverAllowed(s)),
      resident: await this.isResidentHere(),
    };
  }
}

/** Reference hashes of events not stored yet (a new room's chain, built in memory), for v1–2. */
async function initialReferenceHashes(events: PDU[], version: RoomVersion): Promise<ReferenceHashLookup | undefined> {
  if (version.eventIdFormat !== "v1") return undefined;
  const hashes = new Map<string, string>();
  for (const e of events) hashes.set(e.event_id, encodeBase64(await computeReferenceHash(toWireFormat(e, version), version)));
  return (id) => hashes.get(id);
}
