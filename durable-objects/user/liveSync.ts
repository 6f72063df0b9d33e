import type { JsonObject } from "../../protocol/json.js";
import type { ClientEvent } from "../../protocol/clientEvent.js";
import { eventMatchesFilter, type RoomEventFilter } from "../../protocol/filters/index.js";
import { internalError, invalidParam, toMatrixError, unknownPos, type MatrixError } from "../../platform/errors.js";
import type { Session } from "../../platform/rpc/user.js";
import { resolveSyncFilter, DEFAULT_TIMELINE_LIMIT, MAX_TIMELINE_LIMIT, SYNC_TOKEN_HEADER, SYNC_CLIENT_IP_HEADER, SYNC_IDLE_HEADER, SLIDING_REQUEST_HEADER, SLIDING_STORED_HEADER, type SyncParams } from "../../platform/syncRequest.js";
import * as account from "./account.js";
import * as e2ee from "./e2ee.js";
import { ignoredUsers } from "./ignoredUsers.js";
import { buildSync, type SyncOptions, type SyncSources } from "./sync.js";
import { parseSyncToken } from "./syncToken.js";
import type { AccountStore } from "./accountStore.js";
import type { SlidingSyncRequest } from "../../protocol/slidingSync/request.js";
import { SlidingSync } from "./slidingSync/slidingSync.js";
import type { SlidingConnectionStore } from "./slidingSync/connectionStore.js";
import { LazyMembersStore } from "./lazyMembersStore.js";

/** A /sync parked on a hibernatable WebSocket: what to answer it with (see wakeWaiters). */
interface ParkedSync {
  kind?: undefined;
  deviceId: string;
  params: SyncParams;
  answered: boolean;
}

/**
 * A sliding sync request parked the same way. The request itself is too large for an attachment
 * (2 KiB at most); it is the connection's stored latest request.
 */
interface ParkedSliding {
  kind: "sliding";
  userId: string;
  deviceId: string;
  connId: string;
  answered: boolean;
}

const MAX_PARKED_ANSWER_BYTES = 900_000;

/**
 * The live side of /sync (spec: GET /sync): resolves a request's filter and builds its response
 * (user/sync.ts), parks a waiting /sync on a hibernatable WebSocket and answers or wakes the
 * parked ones when the user's stream grows. A write a waiting sync must see ends in wakeWaiters.
 */
export class LiveSync {
  private readonly ctx: DurableObjectState;
  private readonly accounts: AccountStore;
  private readonly src: SyncSources;
  private readonly sliding: SlidingSync;
  private readonly conns: SlidingConnectionStore;

  constructor(ctx: DurableObjectState, accounts: AccountStore, src: SyncSources, conns: SlidingConnectionStore) {
    this.ctx = ctx;
    this.accounts = accounts;
    // /sync alone remembers which member events a lazy-loading device was sent.
    this.src = { ...src, lazyMembers: new LazyMembersStore(ctx.storage.sql) };
    this.conns = conns;
    this.sliding = new SlidingSync(src, conns);
  }

  /** A sliding sync response for one device (user/slidingSync/); a new request supersedes a parked one of its connection. */
  slidingSyncFor(userId: string, deviceId: string, req: SlidingSyncRequest): { body: JsonObject; empty: boolean } {
    const r = this.sliding.run(userId, deviceId, req, Date.now());
    // After the run: a late request the client cancelled long ago fails (M_UNKNOWN_POS) without
    // ending the request that is live.
    this.supersedeParked(deviceId, req.connId);
    return r;
  }

  /**
   * A sliding sync long-poll: answered at once (200) when something is new, else parked on a
   * hibernatable WebSocket like /sync; the handshake carries the response to give on timeout.
   */
  parkSliding(session: Session, req: SlidingSyncRequest): Response {
    let now: { body: JsonObject; empty: boolean };
    try {
      now = this.slidingSyncFor(session.userId, session.deviceId, req);
    } catch (e) {
      const err = toMatrixError(e);
      if (!err) throw e;
      return matrixErrorResponse(err);
    }
    if (!now.empty) return new Response(JSON.stringify(now.body), { status: 200, headers: { "Content-Type": "application/json" } });
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    pair[1].serializeAttachment({ kind: "sliding", userId: session.userId, deviceId: session.deviceId, connId: req.connId, answered: false } satisfies ParkedSliding);
    return new Response(null, { status: 101, webSocket: pair[0], headers: { [SYNC_IDLE_HEADER]: JSON.stringify(now.body) } });
  }

  /** Only the latest request of a connection may be answered: an older parked one ends unanswered. */
  private supersedeParked(deviceId: string, connId: string): void {
    for (const ws of this.ctx.getWebSockets()) {
      const parked = ws.deserializeAttachment() as ParkedSync | ParkedSliding | null;
      if (parked?.kind !== "sliding" || parked.answered || parked.deviceId !== deviceId || parked.connId !== connId) continue;
      ws.serializeAttachment({ ...parked, answered: true } satisfies ParkedSliding);
      this.sendTo(ws, "superseded");
    }
  }

  /** A parking request is a WebSocket handshake from the Worker carrying the client's access token. */
  private async parkingSession(request: Request): Promise<Session | Response> {
    if (request.headers.get("Upgrade") !== "websocket") return new Response("expected websocket", { status: 426 });
    try {
      return await account.authenticate(this.accounts, request.headers.get(SYNC_TOKEN_HEADER) ?? "", request.headers.get(SYNC_CLIENT_IP_HEADER) ?? undefined);
    } catch {
      return new Response("unknown token", { status: 401 });
    }
  }

  /** The checks on a parking request: its session, since token and parameters, or the refusal. */
  async readParkRequest(request: Request): Promise<{ session: Session; since: string; params: SyncParams } | Response> {
    const session = await this.parkingSession(request);
    if (session instanceof Response) return session;
    const since = new URL(request.url).searchParams.get("since") ?? "";
    const parsed = parseSyncToken(since);
    if (!parsed) return new Response("invalid since token", { status: 400 });
    let params: SyncParams;
    try {
      params = { ...(JSON.parse(new URL(request.url).searchParams.get("params") ?? "{}") as SyncParams), since };
    } catch {
      return new Response("invalid parameters", { status: 400 });
    }
    return { session, since, params };
  }

  /** The checks on a parking sliding sync request: its session and its (Worker-parsed) request, or the refusal. */
  async readSlidingParkRequest(request: Request): Promise<{ session: Session; req: SlidingSyncRequest } | Response> {
    const session = await this.parkingSession(request);
    if (session instanceof Response) return session;
    try {
      // A WebSocket handshake carries no body: the request comes in a header, or (too large for
      // one) is the connection's stored latest request, which the Worker has just made.
      const inline = request.headers.get(SLIDING_REQUEST_HEADER);
      if (inline !== null) return { session, req: JSON.parse(decodeURIComponent(inline)) as SlidingSyncRequest };
      const stored = this.conns.find(session.deviceId, decodeURIComponent(request.headers.get(SLIDING_STORED_HEADER) ?? ""));
      // The connection went between the Worker's call and this one: the client starts over.
      if (!stored) return matrixErrorResponse(unknownPos());
      return { session, req: JSON.parse(stored.request) as SlidingSyncRequest };
    } catch {
      return matrixErrorResponse(internalError("The parked sliding sync request could not be read"));
    }
  }

  /**
   * A waiting /sync parks here as a hibernatable WebSocket from the Worker: the object can be
   * evicted (and is not billed) while nothing happens, and is woken by the next delivery.
   */
  park(session: Session, since: string, params: SyncParams): Response {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], [since]);
    const parked: ParkedSync = { deviceId: session.deviceId, params, answered: false };
    pair[1].serializeAttachment(parked);
    // Anything already there is answered at once, over the socket.
    this.answerParked(pair[1], parked);
    // What an empty sync must still tell the device, so a wait that times out needs no further call.
    const idle = { device_one_time_keys_count: e2ee.oneTimeKeyCounts(this.src.keys, session.deviceId), device_unused_fallback_key_types: this.src.keys.unusedFallbackKeyTypes(session.deviceId) };
    return new Response(null, { status: 101, webSocket: pair[0], headers: { [SYNC_IDLE_HEADER]: JSON.stringify(idle) } });
  }

  /** After devices are deleted: their sliding connections and what lazy loading sent them go. */
  dropGoneDevices(): void {
    this.conns.dropGoneDevices();
    this.src.lazyMembers?.dropGoneDevices();
  }

  /** A /sync response for one device and the request's parameters (filter resolved here). */
  buildSyncFor(deviceId: string, params: SyncParams): { body: JsonObject; empty: boolean } {
    const filter = resolveSyncFilter(params.filter, (id) => {
      if (!/^\d+$/.test(id)) return undefined;
      return this.src.accountData.filter(Number(id));
    });
    return this.syncNow({
      deviceId,
      since: params.since,
      fullState: params.fullState,
      timelineLimit: Math.min(filter?.room?.timeline?.limit ?? DEFAULT_TIMELINE_LIMIT, MAX_TIMELINE_LIMIT),
      lazyLoadMembers: filter?.room?.state?.lazy_load_members === true,
      includeRedundantMembers: filter?.room?.state?.include_redundant_members === true,
      stateFilter: filter?.room?.state,
      useStateAfter: params.useStateAfter === true,
      includeLeave: filter?.room?.include_leave === true,
      leaveToDevice: params.leaveToDevice === true,
      rooms: filter?.room?.rooms,
      notRooms: filter?.room?.not_rooms,
      timelineFilter: filter?.room?.timeline,
    });
  }

  private syncNow(
    opts: Omit<SyncOptions, "since" | "ignoredUsers" | "timelineFilter"> & { since?: string; timelineFilter?: RoomEventFilter },
  ): { body: JsonObject; empty: boolean } {
    const since = opts.since ? parseSyncToken(opts.since) : undefined;
    if (opts.since && !since) throw invalidParam("Invalid since token");
    if (since && !opts.leaveToDevice) {
      // The client has the to-device messages up to this token: they can go (spec: send-to-device).
      this.src.toDevice.deleteUpTo(opts.deviceId, since.toDevice);
    }
    const ignored = ignoredUsers(this.src.accountData);
    const filter = opts.timelineFilter;
    const timelineFilter = filter ? (ev: ClientEvent) => eventMatchesFilter(ev, filter) : undefined;
    return buildSync(this.src, account.requireAccount(this.accounts).user_id, { ...opts, since, ignoredUsers: ignored, timelineFilter });
  }

  /** Appends one entry (not a room event) to the user's stream and wakes waiting syncs. Returns its position. */
  appendStream(kind: string, roomId: string | null, data: unknown): number {
    const pos = this.src.stream.append(kind, roomId, null, data, null, 0, 0);
    this.wakeWaiters();
    return pos;
  }

  /**
   * Something arrived: every parked /sync that now has something for its device gets its
   * response over the socket, so the Worker can return it without another call.
   */
  wakeWaiters(): void {
    for (const ws of this.ctx.getWebSockets()) {
      const parked = ws.deserializeAttachment() as ParkedSync | ParkedSliding | null;
      if (!parked) {
        this.sendTo(ws, "wake");
        continue;
      }
      if (parked.answered) continue;
      if (parked.kind === "sliding") this.answerSliding(ws, parked);
      else this.answerParked(ws, parked);
    }
  }

  private answerSliding(ws: WebSocket, parked: ParkedSliding): void {
    this.answer(ws, parked, () => {
      const conn = this.conns.find(parked.deviceId, parked.connId);
      if (!conn) throw new Error("connection gone");
      return this.sliding.run(parked.userId, parked.deviceId, JSON.parse(conn.request) as SlidingSyncRequest, Date.now());
    });
  }

  private answerParked(ws: WebSocket, parked: ParkedSync): void {
    this.answer(ws, parked, () => this.buildSyncFor(parked.deviceId, parked.params));
  }

  /**
   * Sends a parked request its response once there is one. Workers cap WebSocket messages at
   * 1 MiB, so a bigger response, or an error, is only a "wake": the Worker then asks with a plain
   * call and gets the response or the Matrix error (e.g. M_UNKNOWN_POS) the usual way.
   */
  private answer(ws: WebSocket, parked: ParkedSync | ParkedSliding, build: () => { body: JsonObject; empty: boolean }): void {
    let message: string;
    try {
      const r = build();
      if (r.empty) return;
      message = JSON.stringify(r.body);
      if (message.length > MAX_PARKED_ANSWER_BYTES) message = "wake";
    } catch {
      message = "wake";
    }
    ws.serializeAttachment({ ...parked, answered: true });
    this.sendTo(ws, message);
  }

  private sendTo(ws: WebSocket, message: string): void {
    try {
      ws.send(message);
    } catch {
      // The Worker end has gone away; nothing to wake.
    }
  }
}

/** A Matrix error as the HTTP response the Worker passes on (the answer to a parking request). */
function matrixErrorResponse(err: MatrixError): Response {
  return new Response(JSON.stringify(err.body()), { status: err.status, headers: { "Content-Type": "application/json" } });
}
