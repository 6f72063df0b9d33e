import { DurableObject } from "cloudflare:workers";
import type { Env } from "../platform/env.js";
import { migrate } from "../schema/migrate.js";
import { ROOM_MIGRATIONS } from "../schema/room.js";
import { forbidden, notFound, badJson, tooLarge, unsupportedRoomVersion, roomInUse, invalidRoomState, internalError } from "../platform/errors.js";
import type { JsonObject } from "../protocol/json.js";
import { stateKey, type PDU, type StateMap } from "../protocol/pdu.js";
import { getRoomVersion, type RoomVersion } from "../protocol/roomVersions.js";
import { authorizeEvent, authEventTypes, selectAuthEvents } from "../protocol/authRules/index.js";
import { buildEvent } from "../protocol/buildEvent.js";
import { powerStateOf, canRedact, canSendEvent } from "../protocol/powerLevels.js";
import type { SigningKey } from "../protocol/signing.js";
import type { RoomMeta } from "./room/roomStore.js";
import { openRoomStores, type RoomStores } from "./room/stores.js";
import { RoomState, memberEvents, joinedMemberProfiles } from "./room/roomState.js";
import { stateBeforePrevs } from "./room/stateBefore.js";
import { prevEventsForNew } from "./room/prevEvents.js";
import { storeEvent } from "./room/storeEvent.js";
import { Visibility } from "./room/visibility.js";
import { Timeline } from "./room/timeline.js";
import { Fanout } from "./room/fanout.js";
import { Ephemeral } from "./room/ephemeral.js";
import * as reads from "./room/federationReads.js";
import { toClientEvent, STRIPPED_STATE_TYPES, type ClientEvent } from "../protocol/clientEvent.js";
import { SerialQueue } from "./serialQueue.js";
import type { RoomContext } from "./room/roomContext.js";
import { receivePdu } from "./room/receive/receivePdu.js";
import { inCausalOrder } from "./room/receive/causalOrder.js";
import { isFromServer, serverNameOf } from "../protocol/identifiers.js";
import { fromWireFormat } from "../protocol/wireFormat.js";
import { referenceHashes } from "./room/referenceHashes.js";
import { eventSizeProblem } from "../protocol/eventSizeLimits.js";
import { serverStub } from "../platform/stubs.js";
import type { PublicRoomSummary } from "../platform/rpc/server.js";
import type { EventTemplate, HierarchyViewer, MessagesOptions, MessagesPage, RoomRpc, RoomSearchRequest, RoomSearchResult, SearchContextRequest, SendOptions, SpaceRoomView, UpgradeClaim } from "../platform/rpc/room.js";
import { UpgradeClaims } from "./room/upgradeClaims.js";
import { signingKeyOf } from "../platform/signingKey.js";
import { spaceRoomEntry, viewerMembership } from "./room/spaceRoom.js";
import * as remote from "./room/remoteMembership.js";
import { oldestHeldGap, backfillFromRemote } from "./room/backfill.js";
import { searchRoom, searchContexts } from "./room/search.js";

/** How many backfill requests one /messages call may make before handing the client an `end`. */
const MESSAGES_BACKFILL_ROUNDS = 3;

/**
 * RoomDO: the only writer of one room. Requests to the room run here one at a time (the write
 * queue); this class checks who may ask and hands each request to the module that owns it:
 *
 * - room/stores.ts: the SQL, one store per table family (events and state, the room row, the
 *   outbox, transaction IDs, relations, receipts);
 * - creating and sending local events: below, with room/storeEvent.ts (storing an accepted event
 *   and all that derives from it) and room/stateBefore.ts;
 * - room/receive/: events from other servers, one file per step of the spec's receipt checks;
 * - room/remoteMembership.ts: joins, leaves, knocks and invites across servers;
 * - room/fanout.ts: delivery to local members' UserDOs and to other servers;
 * - room/roomState.ts: what the current state says (membership, ACL, visibility, summary);
 * - room/timeline.ts, visibility.ts, aggregations.ts, backfill.ts: reading history;
 * - room/ephemeral.ts: typing and receipts; room/federationReads.ts: history served to servers.
 * - room/search.ts (with searchStore.ts, its FTS5 index): this room's part of POST /search.
 */
export class RoomDO extends DurableObject<Env> implements RoomRpc {
  private stores: RoomStores;
  private roomState: RoomState;
  private ephemeral: Ephemeral;
  private fanout: Fanout;
  private queue = new SerialQueue();
  private key: SigningKey | undefined;
  private upgrades = new UpgradeClaims();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.stores = openRoomStores(ctx.storage);
    this.roomState = new RoomState(this.stores.events, env.SERVER_NAME);
    this.fanout = new Fanout(env, ctx.storage, this.stores, this.roomState, this.queue);
    this.ephemeral = new Ephemeral(env, ctx.storage, this.stores.events, this.stores.receipts, this.roomState);
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
      // creation_content comes from the client: the create event is held to the size limits too.
      const sizeProblem = eventSizeProblem(create, version);
      if (sizeProblem) throw tooLarge(`Create event: ${sizeProblem}`);
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
      this.fanout.kick();
      for (const t of remoteInvites) {
        await this.sendLocked(t, {}).catch((e: unknown) => console.error("initial remote invite failed", t.state_key, e));
      }
      return last;
    });
    // The creator (and local invitees) see the room in their account when createRoom answers.
    await this.fanout.untilDelivered(lastOrdering);
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
      const auth = selectAuthEvents(t, state, version);
      const authState: StateMap = new Map([[stateKey("m.room.create", ""), create]]);
      for (const ev of auth) authState.set(stateKey(ev.type, ev.state_key ?? ""), ev);
      if (t.type === "m.room.create") throw invalidRoomState("initial_state cannot contain a second m.room.create");
      const pdu = await buildEvent(
        { room_id: roomId, sender: t.sender, type: t.type, state_key: t.state_key, content: t.content, prev_events: [prev.event_id], auth_events: auth.map((e) => e.event_id), depth: prev.depth + 1, origin_server_ts: Date.now() },
        version,
        this.env.SERVER_NAME,
        key,
        { referenceHashes: await referenceHashes([prev, ...auth], version) },
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
      await this.fanout.untilDelivered(sent.ordering);
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
    const prev = prevEventsForNew(this.stores.events);
    const before = stateBeforePrevs(this.stores.events, version, prev.map((e) => e.event_id));
    if (!before) throw internalError("The room's latest events have no known state");
    // Only the state this event's checks read (create, power levels, its auth events, and what an
    // invite shows), not the whole room: a room of 1,000 members must not cost 1,000 reads per message.
    const wanted: Array<[string, string]> = [["m.room.create", ""], ["m.room.power_levels", ""], ...authEventTypes(template, version)];
    if (template.type === "m.room.member") for (const t of STRIPPED_STATE_TYPES) wanted.push([t, ""]);
    const state = this.stores.events.pickState(before.ids, wanted);
    if (template.type === "m.room.redaction" && template.redacts) this.checkRedaction(template, state, version);

    const auth = selectAuthEvents(template, state, version);
    const depth = prev.reduce((d, e) => Math.max(d, e.depth), 0) + 1;
    const pdu = await buildEvent(
      {
        room_id: meta.room_id,
        sender: template.sender,
        type: template.type,
        state_key: template.state_key,
        content: template.content,
        prev_events: prev.map((e) => e.event_id),
        auth_events: auth.map((e) => e.event_id),
        depth,
        origin_server_ts: Date.now(),
        redacts: template.redacts,
      },
      version,
      this.env.SERVER_NAME,
      await this.signingKey(),
      { referenceHashes: await referenceHashes([...prev, ...auth], version) },
    );
    const sizeProblem = eventSizeProblem(pdu, version);
    if (sizeProblem) throw tooLarge(`Event refused: ${sizeProblem}`);

    const authState: StateMap = new Map();
    const create = state.get(stateKey("m.room.create", ""));
    if (create) authState.set(stateKey("m.room.create", ""), create);
    for (const ev of auth) authState.set(stateKey(ev.type, ev.state_key ?? ""), ev);
    const verdict = authorizeEvent(pdu, authState, version);
    if (!verdict.allowed) throw forbidden(verdict.reason);

    // An invite to another server's user enters the room co-signed by that server.
    const accepted =
      pdu.type === "m.room.member" && pdu.content.membership === "invite" && pdu.state_key && !this.isLocal(pdu.state_key)
        ? await remote.inviteRemoteUser(this.contextFor(version, meta.room_id, await this.signingKey()), pdu, state)
        : pdu;
    const ordering = this.stores.atomically(() => storeEvent(this.stores, version, accepted, { before, txn: opts.txn }));
    this.fanout.kick();
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

  // ---- the alarm: typing expiry and fan-out retries -----------------------------------------

  override async alarm(): Promise<void> {
    await this.ephemeral.expireTyping(this.meta()?.room_id).catch((e: unknown) => console.error("typing expiry failed", e));
    if (this.stores.outbox.hasPending()) this.fanout.kick();
  }

  private isLocal(userId: string): boolean {
    return isFromServer(userId, this.env.SERVER_NAME);
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

  /** Spec: PUT /send/{txnId} — the PDUs of one transaction that belong to this room. */
  async receivePdus(origin: string, pdus: JsonObject[]): Promise<Record<string, { error?: string }>> {
    return this.queue.run(async () => {
      const room = await this.roomContext();
      const results: Record<string, { error?: string }> = {};
      if (!this.roomState.serverAllowed(origin)) {
        // Spec: server ACLs apply per PDU; a denied server's PDUs are ignored with an error each.
        for (const raw of pdus) {
          const id = await fromWireFormat(raw, room.version).then((p) => p.event_id, () => undefined);
          if (id) results[id] = { error: `${origin} is denied by the room's server ACL` };
        }
        return results;
      }
      for (const { raw, pdu } of await inCausalOrder(room, pdus)) {
        // One PDU we fail on must not sink the others of the transaction: it gets its own error.
        const r = await receivePdu(room, origin, raw, undefined, pdu).catch((e: unknown) => {
          console.error("receiving a PDU failed", e);
          // A PDU that did not parse has no event ID to report under (the caller falls back to the raw one).
          return { eventId: pdu?.event_id, error: "the event could not be processed" };
        });
        // What the PDU added to the timeline goes out to local members while the next is checked.
        this.fanout.kick();
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

  private requireServerInRoom(origin: string): void {
    this.requireServerAllowed(origin);
    if (!this.roomState.serverInRoom(origin) && !this.roomState.worldReadable()) throw forbidden(`${origin} is not in the room`);
  }

  private requireServerAllowed(origin: string): void {
    if (!this.roomState.serverAllowed(origin)) throw forbidden(`${origin} is denied by the room's server ACL`);
  }

  /** For endpoints outside this object that must honour the room's ACL (e.g. invites); unknown rooms allow. */
  async serverAclAllows(server: string): Promise<boolean> {
    return !this.meta() || this.roomState.serverAllowed(server);
  }

  // Memberships that cross servers (room/remoteMembership.ts).

  async makeMembership(userId: string, membership: "join" | "leave" | "knock", supportedVersions: string[]): Promise<{ room_version: string; event: JsonObject }> {
    const room = await this.roomContext();
    this.requireServerAllowed(serverNameOf(userId));
    return remote.makeMembership(room, this.roomState, userId, membership, supportedVersions);
  }

  async sendMembership(origin: string, membership: "join" | "leave" | "knock", raw: JsonObject): Promise<JsonObject> {
    return this.queue.run(async () => {
      const room = await this.roomContext();
      this.requireServerAllowed(origin);
      try {
        return await remote.sendMembership(room, await this.signingKey(), origin, membership, raw);
      } finally {
        this.fanout.kick();
      }
    });
  }

  async importRemoteJoin(roomId: string, roomVersion: string, _origin: string, joinEvent: JsonObject, state: JsonObject[], authChain: JsonObject[]): Promise<void> {
    const ordering = await this.queue.run(async () => {
      const version = getRoomVersion(roomVersion);
      if (!version) throw unsupportedRoomVersion(`Unsupported room version ${roomVersion}`);
      if (!this.meta()) this.stores.room.create(roomId, roomVersion, Date.now());
      const ordering = await remote.importRemoteJoin(this.contextFor(version, roomId, await this.signingKey()), joinEvent, state, authChain);
      this.fanout.kick();
      return ordering;
    });
    // The joiner sees the room in their account when the join answers.
    await this.fanout.untilDelivered(ordering);
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

  /**
   * Restricted rooms (v8+, spec: "Restricted rooms"): for a user who is neither joined nor
   * invited, the rooms whose membership would let them in and a local joined member with the
   * power to invite, who will authorise the join. Undefined when the room isn't restricted for them.
   */
  async restrictedJoinPlan(userId: string): Promise<{ allowRooms: string[]; authoriser?: string } | undefined> {
    return this.roomState.restrictedJoinPlan(userId, this.requireRoom().version);
  }

  /**
   * Whether joins can be done here: a local user is joined, or no other server is. Otherwise a
   * local user (re)joining must go through a resident server (make_join/send_join).
   */
  async isResidentHere(): Promise<boolean> {
    if (!this.meta()) return false;
    return this.roomState.localJoined().length > 0 || this.roomState.remoteServers().length === 0;
  }

  /** Spec: guest access module — guests may join only rooms whose m.room.guest_access is can_join. */
  async guestCanJoin(): Promise<boolean> {
    this.requireRoom();
    return this.stores.events.currentEvent("m.room.guest_access", "")?.content.guest_access === "can_join";
  }

  async membership(userId: string): Promise<string> {
    this.requireRoom();
    return this.roomState.membership(userId);
  }

  async getState(userId: string): Promise<ClientEvent[]> {
    const { meta } = this.requireRoom();
    return [...this.roomState.readable(userId).values()].map((e) => toClientEvent(e, meta.room_id));
  }

  async getStateEvent(userId: string, type: string, key: string): Promise<ClientEvent> {
    const { meta } = this.requireRoom();
    const ev = this.roomState.readable(userId).get(stateKey(type, key));
    if (!ev) throw notFound(`Event not found`);
    return toClientEvent(ev, meta.room_id);
  }

  /** Spec: GET /rooms/{roomId}/members, with `at`, `membership` and `not_membership`. */
  async members(userId: string, opts: { at?: number; membership?: string; notMembership?: string }): Promise<ClientEvent[]> {
    const { meta } = this.requireRoom();
    // readable() is also the access check, made whether or not `at` is given.
    const readable = this.roomState.readable(userId);
    const state = (opts.at !== undefined ? this.roomState.atToken(opts.at) : undefined) ?? readable;
    return memberEvents(state, meta.room_id, opts);
  }

  /**
   * Spec: GET /rooms/{roomId}/joined_members (RoomMember). Both keys are always present, null
   * when the member event has none, as Synapse answers (clients such as matrix-nio require them).
   */
  async joinedMembers(userId: string): Promise<Record<string, { display_name: string | null; avatar_url: string | null }>> {
    this.requireRoom();
    if (this.roomState.membership(userId) !== "join") throw forbidden(`User ${userId} not in room`);
    return joinedMemberProfiles(this.stores.events.currentState());
  }

  /** Whether the user is joined and has the power to send this event type now. */
  async userCanSend(userId: string, type: string, isState: boolean): Promise<boolean> {
    const { version } = this.requireRoom();
    if (this.roomState.membership(userId) !== "join") return false;
    return canSendEvent(userId, type, isState, { create: this.stores.events.currentEvent("m.room.create", ""), powerLevels: this.stores.events.currentEvent("m.room.power_levels", "") }, version);
  }

  async claimUpgrade(userId: string): Promise<UpgradeClaim> {
    return this.upgrades.claim(userId, Date.now());
  }

  async finishUpgrade(userId: string, replacementRoom?: string): Promise<void> {
    this.upgrades.finish(userId, replacementRoom, Date.now());
  }

  // ---- reading events (room/timeline.ts) --------------------------------------------------------

  private timeline(): Timeline {
    return new Timeline(this.stores.events, this.stores.relations, this.requireRoom().meta.room_id);
  }

  async getEvent(userId: string, eventId: string, ignoredSenders?: string[]): Promise<ClientEvent> {
    const t = this.timeline();
    const vis = new Visibility(this.stores.events, userId, ignoredSenders);
    return t.clientEventOf(t.visibleRow(eventId, vis), vis);
  }

  /** Who may read the timeline: members and former members, anyone in a world-readable room. */
  private requireReader(userId: string): void {
    this.requireRoom();
    const everMember = this.roomState.membership(userId) !== "leave" || this.stores.events.currentStateIds().has(stateKey("m.room.member", userId));
    if (!everMember && !this.roomState.worldReadable()) throw forbidden(`User ${userId} not in room`);
  }

  /**
   * Spec: GET /rooms/{roomId}/messages. Members and former members may page; others only in a
   * world-readable room. Paging back past the oldest event we hold backfills from other servers.
   */
  async messages(userId: string, opts: MessagesOptions): Promise<MessagesPage> {
    this.requireReader(userId);
    const read = () => this.timeline().messages(new Visibility(this.stores.events, userId, opts.ignoredSenders), opts);
    let page = read();
    // A page with an `end` is complete; only a short backward page may need older history, and
    // only a room shared with other servers has any to fetch (checked last: it reads the members).
    if (opts.dir !== "b" || page.end !== undefined || this.roomState.remoteServers().length === 0) return page;
    // The local scan omits `end` when it runs out of events we hold, but clients read a missing
    // `end` as "no more history": while older history is still missing (the create event not yet
    // reached), backfill and read again, and if the page is full or the rounds run out, hand out
    // an `end` below our oldest event, from which the next request backfills further.
    for (let round = 0; page.end === undefined && round < MESSAGES_BACKFILL_ROUNDS; round++) {
      if (!oldestHeldGap(this.stores.events)) return page;
      if (page.chunk.length >= opts.limit) break;
      const wanted = Math.max(opts.limit - page.chunk.length, 10);
      const added = await this.queue.run(async () => backfillFromRemote(await this.roomContext(), this.roomState.remoteServers(), wanted));
      // No server gave us anything older: we cannot offer more, so the page ends here.
      if (added === 0) return page;
      page = read();
    }
    const gap = page.end === undefined && opts.to === undefined ? oldestHeldGap(this.stores.events) : undefined;
    if (gap) page.end = gap.first.ordering;
    return page;
  }

  async context(userId: string, eventId: string, limit: number, ignoredSenders?: string[]): Promise<JsonObject> {
    return this.timeline().context(new Visibility(this.stores.events, userId, ignoredSenders), eventId, limit, ignoredSenders);
  }

  async timestampToEvent(userId: string, ts: number, dir: "f" | "b"): Promise<{ event_id: string; origin_server_ts: number }> {
    return this.timeline().timestampToEvent(new Visibility(this.stores.events, userId), ts, dir);
  }

  async relations(userId: string, eventId: string, relType: string | undefined, eventType: string | undefined, limit: number, from: number | undefined): Promise<JsonObject> {
    return this.timeline().relations(new Visibility(this.stores.events, userId), eventId, relType, eventType, limit, from);
  }

  async search(userId: string, req: RoomSearchRequest): Promise<RoomSearchResult> {
    return searchRoom(this.stores, this.requireRoom().meta.room_id, userId, req);
  }

  async searchContexts(userId: string, req: SearchContextRequest): Promise<Record<string, JsonObject>> {
    return searchContexts(this.stores, this.requireRoom().meta.room_id, userId, req);
  }

  /** Spec: GET /rooms/{roomId}/threads, with the same access rule as /messages. */
  async threads(userId: string, include: "all" | "participated", limit: number, from: number | undefined): Promise<JsonObject> {
    this.requireReader(userId);
    return this.timeline().threads(new Visibility(this.stores.events, userId), include, limit, from);
  }

  // ---- ephemeral: typing and receipts (room/ephemeral.ts) ------------------------------------

  async setTyping(userId: string, typing: boolean, timeoutMs: number): Promise<void> {
    await this.ephemeral.setTyping(this.requireRoom().meta.room_id, userId, typing, timeoutMs);
  }

  async remoteTyping(userId: string, typing: boolean): Promise<void> {
    await this.ephemeral.remoteTyping(this.requireRoom().meta.room_id, userId, typing);
  }

  async remoteReceipts(origin: string, byType: JsonObject): Promise<void> {
    await this.ephemeral.remoteReceipts(this.requireRoom().meta.room_id, origin, byType);
  }

  async setReceipt(userId: string, receiptType: string, eventId: string, threadId: string | undefined): Promise<void> {
    await this.ephemeral.setReceipt(this.requireRoom().meta.room_id, userId, receiptType, eventId, threadId);
  }

  // ---- directory summary --------------------------------------------------------------------

  async summary(): Promise<PublicRoomSummary> {
    return this.roomState.summary(this.requireRoom().meta.room_id);
  }

  /** Spec: space hierarchy — this room as GET /hierarchy shows it, and where `viewer` stands in it. */
  async spaceRoom(viewer: HierarchyViewer): Promise<SpaceRoomView> {
    const { meta, version } = this.requireRoom();
    const state = this.stores.events.currentState();
    return {
      room: spaceRoomEntry(this.roomState.summary(meta.room_id), state, version),
      membership: viewerMembership(state, viewer, (s) => this.roomState.serverAllowed(s)),
      resident: await this.isResidentHere(),
    };
  }
}
