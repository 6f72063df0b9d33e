/**
 * A fake federating homeserver inside the test process, for hostile-peer tests: a Node HTTP
 * server on 127.0.0.1:<port>, named "127.0.0.1:<port>", that publishes a self-signed key at
 * GET /_matrix/key/v2/server, signs requests to a Lattice server with the X-Matrix scheme, and
 * builds signed PDUs as its own users. It follows the rooms it joins just enough to build
 * plausible events (the state it learnt at send_join plus the PDUs it is sent), and lets tests
 * send anything at all: wrong signatures, forged senders, broken hashes, stale prev_events.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { generateSigningKey, signJson, type SigningKey } from "../../protocol/signing.js";
import { encodeBase64 } from "../../protocol/base64.js";
import { buildEvent, roomIdFromCreateEvent } from "../../protocol/buildEvent.js";
import { signEvent } from "../../protocol/eventSigning.js";
import { fromWireFormat, toWireFormat } from "../../protocol/wireFormat.js";
import { getRoomVersion, type RoomVersion } from "../../protocol/roomVersions.js";
import { authEventTypes } from "../../protocol/authRules/index.js";
import { stateKey, type PDU, type StateKey } from "../../protocol/pdu.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { serverNameOf } from "../../protocol/identifiers.js";
import { signRequest } from "../../federation-client/requestSigning.js";

/** Where requests go: a Lattice server under test. */
export interface Peer {
  baseUrl: string;
  serverName: string;
}

export interface Reply {
  status: number;
  body: Record<string, unknown>;
}

/** What the fake server knows of a room it joined. */
export interface FakeRoom {
  roomId: string;
  version: RoomVersion;
  events: Map<string, PDU>;
  /** Current state as the fake server believes it: (type, state_key) → event ID. */
  state: Map<StateKey, string>;
  /** The newest event it knows: the prev_event of the next event it builds. */
  head: PDU;
  /**
   * Rooms the fake server hosts itself answer make_join/send_join; this lets a test arrange the
   * send_join auth chain the way a given server sends it (by default: oldest first, by depth).
   */
  arrangeAuthChain?: (events: PDU[]) => PDU[];
}

export interface PduTemplate {
  sender: string;
  type: string;
  state_key?: string;
  content: JsonObject;
  /** Defaults: the room's head, the auth events the current state gives, head depth + 1, now. */
  prev_events?: string[];
  auth_events?: string[];
  depth?: number;
  origin_server_ts?: number;
}

export interface RequestOptions {
  /** Sign as this origin instead of ours (the key is still ours). */
  origin?: string;
  /** Put this destination in the header and the signature. */
  destination?: string;
  /** Sign with this key instead of ours. */
  key?: SigningKey;
  /** Send no Authorization header at all. */
  unsigned?: boolean;
}

export class FakeServer {
  readonly key: SigningKey = generateSigningKey("fake");
  readonly rooms = new Map<string, FakeRoom>();
  /** Transactions Lattice sent us, newest last. */
  readonly received: JsonObject[] = [];
  /** Media served only by the legacy /_matrix/media/v3/download (see handle): media ID → content. */
  readonly legacyMedia = new Map<string, { bytes: Uint8Array; contentType: string; unknownEndpointStatus: 400 | 404 }>();
  /** Answers to GET /query/directory: alias → the body served (anything, to test bad answers). */
  readonly aliasAnswers = new Map<string, unknown>();
  /** Invite events Lattice sent us through v1 /invite, newest last. */
  readonly invites: JsonObject[] = [];
  /** Rooms hosted like an old server (hostLegacyRoom): v1 send_join/send_leave only. */
  private readonly legacyHosted = new Set<string>();
  private http!: Server;
  serverName = "";
  /** Whether GET /event_auth is answered (servers that don't make Lattice fetch event by event). */
  serveEventAuth = true;
  /** Whether get_missing_events answers include the latest_events asked about. */
  missingEventsIncludeLatest = false;
  private txnCounter = 0;

  static async start(): Promise<FakeServer> {
    const f = new FakeServer();
    f.http = createServer((req, res) => {
      f.handle(req, res).catch((e: unknown) => {
        res.writeHead(500, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ errcode: "M_UNKNOWN", error: String(e) }));
      });
    });
    await new Promise<void>((resolve) => f.http.listen(0, "127.0.0.1", resolve));
    f.serverName = `127.0.0.1:${(f.http.address() as AddressInfo).port}`;
    return f;
  }

  async close(): Promise<void> {
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  userId(localpart: string): string {
    return `@${localpart}:${this.serverName}`;
  }

  // ---- serving -------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://fake");
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const path = url.pathname;
    if (req.method === "GET" && path === "/_matrix/key/v2/server") {
      const keys = await signJson(
        {
          server_name: this.serverName,
          verify_keys: { [this.key.keyId]: { key: encodeBase64(this.key.publicKey) } },
          old_verify_keys: {},
          valid_until_ts: Date.now() + 24 * 3600_000,
        },
        this.serverName,
        this.key,
      );
      return reply(200, keys);
    }
    if (req.method === "GET" && path === "/_matrix/federation/v1/query/directory") {
      const answer = this.aliasAnswers.get(url.searchParams.get("room_alias") ?? "");
      return answer === undefined ? reply(404, { errcode: "M_NOT_FOUND", error: "no such alias" }) : reply(200, answer);
    }
    let m: RegExpMatchArray | null;
    if (req.method === "PUT" && (m = path.match(/^\/_matrix\/federation\/v1\/send\/([^/]+)$/))) {
      const body = JSON.parse(text || "{}") as JsonObject;
      this.received.push(body);
      for (const raw of Array.isArray(body.pdus) ? body.pdus : []) await this.learn(raw);
      return reply(200, { pdus: {} });
    }
    if (req.method === "GET" && (m = path.match(/^\/_matrix\/federation\/v1\/event\/([^/]+)$/))) {
      const id = decodeURIComponent(m[1]);
      for (const room of this.rooms.values()) {
        const ev = room.events.get(id);
        if (ev) return reply(200, { origin: this.serverName, origin_server_ts: Date.now(), pdus: [this.wire(room.roomId, ev)] });
      }
      return reply(404, { errcode: "M_NOT_FOUND", error: "Unknown event" });
    }
    if (req.method === "GET" && this.serveEventAuth && (m = path.match(/^\/_matrix\/federation\/v1\/event_auth\/([^/]+)\/([^/]+)$/))) {
      const room = this.rooms.get(decodeURIComponent(m[1]));
      const ev = room?.events.get(decodeURIComponent(m[2]));
      if (!room || !ev) return reply(404, { errcode: "M_NOT_FOUND", error: "Unknown event" });
      return reply(200, { auth_chain: this.authChainOf(room, [ev]).map((e) => this.wire(room.roomId, e)) });
    }
    if (req.method === "POST" && (m = path.match(/^\/_matrix\/federation\/v1\/get_missing_events\/([^/]+)$/))) {
      const room = this.rooms.get(decodeURIComponent(m[1]));
      if (!room) return reply(404, { errcode: "M_NOT_FOUND", error: "Unknown room" });
      const body = JSON.parse(text || "{}") as { earliest_events?: string[]; latest_events?: string[]; limit?: number };
      const latest = body.latest_events ?? [];
      let events = this.missingEvents(room, body.earliest_events ?? [], latest, body.limit ?? 10);
      // Some servers answer with the latest events themselves as well.
      if (this.missingEventsIncludeLatest) events = [...events, ...latest.flatMap((id) => room.events.get(id) ?? [])];
      return reply(200, { events: events.map((e) => this.wire(room.roomId, e)) });
    }
    if (req.method === "GET" && (m = path.match(/^\/_matrix\/federation\/v1\/backfill\/([^/]+)$/))) {
      const room = this.rooms.get(decodeURIComponent(m[1]));
      if (!room) return reply(404, { errcode: "M_NOT_FOUND", error: "Unknown room" });
      const events = this.backfill(room, url.searchParams.getAll("v"), Number(url.searchParams.get("limit") ?? "10"));
      return reply(200, { origin: this.serverName, origin_server_ts: Date.now(), pdus: events.map((e) => this.wire(room.roomId, e)) });
    }
    if (req.method === "GET" && (m = path.match(/^\/_matrix\/federation\/v1\/make_join\/([^/]+)\/([^/]+)$/))) {
      const room = this.rooms.get(decodeURIComponent(m[1]));
      if (!room) return reply(404, { errcode: "M_NOT_FOUND", error: "Unknown room" });
      return reply(200, { room_version: room.version.id, event: this.joinTemplate(room, decodeURIComponent(m[2])) });
    }
    if (req.method === "PUT" && (m = path.match(/^\/_matrix\/federation\/v2\/send_join\/([^/]+)\/([^/]+)$/))) {
      const room = this.rooms.get(decodeURIComponent(m[1]));
      // A legacy room's server has no v2 send_join: 404 M_UNRECOGNIZED below.
      if (room && this.legacyHosted.has(room.roomId)) return reply(404, { errcode: "M_UNRECOGNIZED", error: "Unrecognized request" });
      if (!room) return reply(404, { errcode: "M_NOT_FOUND", error: "Unknown room" });
      return reply(200, await this.acceptJoin(room, JSON.parse(text) as unknown));
    }
    // Rooms hosted like an old server (hostLegacyRoom) are also left through make_leave and joined
    // and left through the deprecated v1 send_join / send_leave only.
    if (req.method === "GET" && (m = path.match(/^\/_matrix\/federation\/v1\/make_leave\/([^/]+)\/([^/]+)$/))) {
      const room = this.rooms.get(decodeURIComponent(m[1]));
      if (!room || !this.legacyHosted.has(room.roomId)) return reply(404, { errcode: "M_NOT_FOUND", error: "Unknown room" });
      const userId = decodeURIComponent(m[2]);
      const t = { sender: userId, type: "m.room.member", state_key: userId, content: { membership: "leave" } };
      const event = { room_id: room.roomId, ...t, prev_events: [room.head.event_id], auth_events: this.authEventsFor(room.roomId, t), depth: room.head.depth + 1, origin_server_ts: Date.now() };
      return reply(200, { room_version: room.version.id, event });
    }
    if (req.method === "PUT" && (m = path.match(/^\/_matrix\/federation\/v1\/send_(join|leave)\/([^/]+)\/([^/]+)$/))) {
      const room = this.rooms.get(decodeURIComponent(m[2]));
      if (!room || !this.legacyHosted.has(room.roomId)) return reply(404, { errcode: "M_NOT_FOUND", error: "Unknown room" });
      const event = await fromWireFormat(JSON.parse(text) as JsonObject, room.version);
      const state = [...room.state.values()].map((id) => this.wire(room.roomId, room.events.get(id) as PDU));
      this.record(room.roomId, event);
      if (m[1] === "leave") return reply(200, [200, {}]);
      // The room is small and all state: its auth chain is its state.
      return reply(200, [200, { origin: this.serverName, state, auth_chain: state }]);
    }
    // Media like a server from before authenticated media: the federation endpoint is unknown
    // (400 M_UNRECOGNIZED as Synapse before 1.114 says, or 404), the legacy download serves it.
    if (req.method === "GET" && (m = path.match(/^\/_matrix\/federation\/v1\/media\/download\/([^/]+)$/))) {
      const media = this.legacyMedia.get(decodeURIComponent(m[1]));
      return reply(media?.unknownEndpointStatus ?? 404, { errcode: "M_UNRECOGNIZED", error: "Unrecognized request" });
    }
    if (req.method === "GET" && (m = path.match(/^\/_matrix\/media\/v3\/download\/([^/]+)\/([^/]+)$/))) {
      const media = decodeURIComponent(m[1]) === this.serverName ? this.legacyMedia.get(decodeURIComponent(m[2])) : undefined;
      if (!media) return reply(404, { errcode: "M_NOT_FOUND", error: "Not found" });
      if (url.searchParams.get("allow_remote") !== "false") return reply(400, { errcode: "M_UNKNOWN", error: "expected allow_remote=false" });
      res.writeHead(200, { "Content-Type": media.contentType, "Content-Length": String(media.bytes.byteLength) });
      res.end(media.bytes);
      return;
    }
    // Invites only through the deprecated v1 API (rooms of versions 1 and 2), like an old server.
    if (req.method === "PUT" && /^\/_matrix\/federation\/v1\/invite\/[^/]+\/[^/]+$/.test(path)) {
      const event = JSON.parse(text) as JsonObject;
      this.invites.push(event);
      const version = getRoomVersion("1") as RoomVersion;
      return reply(200, [200, { event: await signEvent(event, version, this.serverName, this.key) }]);
    }
    return reply(404, { errcode: "M_UNRECOGNIZED", error: "The fake server does not do this" });
  }

  // ---- hosting a room ------------------------------------------------------------------------

  /**
   * Creates a room hosted here: the create event and the creator's join, then `extra` state
   * events in order (each built on the previous; a template's `depth` overrides the usual head
   * depth + 1, to copy servers that number depths their own way). Returns the room ID.
   */
  async hostRoom(roomVersion: string, creatorLocalpart: string, extra: Array<Omit<PduTemplate, "sender"> & { sender?: string }>): Promise<string> {
    const version = getRoomVersion(roomVersion);
    if (!version) throw new Error(`unknown room version ${roomVersion}`);
    const creator = this.userId(creatorLocalpart);
    const v12 = version.roomIdIsCreateEventHash;
    const legacyRoomId = `!fake${Date.now()}${this.txnCounter++}:${this.serverName}`;
    const create = await buildEvent(
      {
        room_id: v12 ? undefined : legacyRoomId,
        sender: creator,
        type: "m.room.create",
        state_key: "",
        content: version.v11EventFormat ? { room_version: version.id } : { room_version: version.id, creator },
        prev_events: [],
        auth_events: [],
        depth: 1,
        origin_server_ts: Date.now(),
      },
      version,
      this.serverName,
      this.key,
    );
    const roomId = v12 ? roomIdFromCreateEvent(create) : legacyRoomId;
    this.rooms.set(roomId, { roomId, version, events: new Map(), state: new Map(), head: create });
    this.record(roomId, create);
    const templates = [{ sender: creator, type: "m.room.member", state_key: creator, content: { membership: "join" } }, ...extra];
    for (const t of templates) this.record(roomId, await this.pdu(roomId, { sender: creator, ...t }));
    return roomId;
  }

  /** make_join: a join template on the room's head and current state. */
  private joinTemplate(room: FakeRoom, userId: string): JsonObject {
    const t = { sender: userId, type: "m.room.member", state_key: userId, content: { membership: "join" } };
    const event: JsonObject = {
      room_id: room.roomId,
      ...t,
      prev_events: [room.head.event_id],
      auth_events: this.authEventsFor(room.roomId, t),
      depth: room.head.depth + 1,
      origin_server_ts: Date.now(),
    };
    if (!room.version.v11EventFormat) event.origin = serverNameOf(userId);
    return event;
  }

  /** Every event the fake knows that `events` reach through auth_events, oldest first by depth. */
  private authChainOf(room: FakeRoom, events: PDU[]): PDU[] {
    const chain = new Map<string, PDU>();
    const walk = (ids: string[]) => {
      for (const id of ids) {
        const ev = room.events.get(id);
        if (!ev || chain.has(id)) continue;
        chain.set(id, ev);
        walk(ev.auth_events);
      }
    };
    for (const ev of events) walk(ev.auth_events);
    return [...chain.values()].sort((a, b) => a.depth - b.depth);
  }

  /** get_missing_events: the ancestors of `latest` down to `earliest` (neither included), oldest first. */
  private missingEvents(room: FakeRoom, earliest: string[], latest: string[], limit: number): PDU[] {
    const start = latest.flatMap((id) => room.events.get(id)?.prev_events ?? []);
    return walkPrevEvents(room, start, new Set([...earliest, ...latest]), limit).sort((a, b) => a.depth - b.depth);
  }

  /** backfill: `from` and the events before them, walking prev_events, up to `limit` (in walk order, not by depth). */
  private backfill(room: FakeRoom, from: string[], limit: number): PDU[] {
    return walkPrevEvents(room, from, new Set(), limit);
  }

  /** send_join v2: take the join as it is, answer with the state before it and the auth chain. */
  private async acceptJoin(room: FakeRoom, raw: unknown): Promise<JsonObject> {
    const join = await fromWireFormat(raw, room.version);
    const state = [...room.state.values()].map((id) => room.events.get(id)).filter((e): e is PDU => e !== undefined);
    const byDepth = this.authChainOf(room, [...state, join]);
    const authChain = room.arrangeAuthChain ? room.arrangeAuthChain(byDepth) : byDepth;
    this.record(room.roomId, join);
    return {
      origin: this.serverName,
      state: state.map((e) => this.wire(room.roomId, e)),
      auth_chain: authChain.map((e) => this.wire(room.roomId, e)),
      members_omitted: false,
      servers_in_room: [this.serverName],
    };
  }

  /**
   * A public room of version 10 hosted like an old server hosts it: created and joined by
   * `localpart`, with power levels and join rules, joined and left only through make_join /
   * make_leave and the deprecated v1 send_join / send_leave.
   */
  async hostLegacyRoom(localpart: string): Promise<string> {
    const creator = this.userId(localpart);
    const roomId = await this.hostRoom("10", localpart, [
      { type: "m.room.power_levels", state_key: "", content: { users: { [creator]: 100 } } },
      { type: "m.room.join_rules", state_key: "", content: { join_rule: "public" } },
    ]);
    this.legacyHosted.add(roomId);
    return roomId;
  }

  /** Records a PDU Lattice sent us into the room it belongs to (accepted as it is). */
  private async learn(raw: unknown): Promise<void> {
    if (!isJsonObject(raw) || typeof raw.room_id !== "string") return;
    const room = this.rooms.get(raw.room_id);
    if (!room) return;
    this.record(room.roomId, await fromWireFormat(raw, room.version));
  }

  /** Takes an event into the fake's view of the room: a new head, and state when it is state. */
  record(roomId: string, pdu: PDU): void {
    const room = this.room(roomId);
    room.events.set(pdu.event_id, pdu);
    if (pdu.state_key !== undefined) room.state.set(stateKey(pdu.type, pdu.state_key), pdu.event_id);
    if (pdu.depth >= room.head.depth) room.head = pdu;
  }

  room(roomId: string): FakeRoom {
    const room = this.rooms.get(roomId);
    if (!room) throw new Error(`the fake server is not in ${roomId}`);
    return room;
  }

  // ---- requests ------------------------------------------------------------------------------

  /** A federation request to `peer`, signed as this server unless told otherwise. */
  async request(peer: Peer, method: "GET" | "PUT" | "POST", path: string, body?: JsonObject, opts: RequestOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (!opts.unsigned) {
      headers.Authorization = await signRequest(
        { method, uri: path, origin: opts.origin ?? this.serverName, destination: opts.destination ?? peer.serverName, content: body },
        opts.key ?? this.key,
        // Like Synapse's canonical JSON, encode floats rather than refuse them.
        { strict: false },
      );
    }
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const r = await fetch(`${peer.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
    const text = await r.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { _raw: text };
    }
    return { status: r.status, body: parsed };
  }

  /** PUT /send/{txnId} with these PDUs and EDUs; a fresh transaction ID unless one is given. */
  async sendTxn(peer: Peer, pdus: JsonObject[], edus: JsonObject[] = [], opts: RequestOptions & { txnId?: string; bodyOrigin?: string } = {}): Promise<Reply> {
    const txnId = opts.txnId ?? `fake${Date.now()}_${this.txnCounter++}`;
    const body: JsonObject = { origin: opts.bodyOrigin ?? opts.origin ?? this.serverName, origin_server_ts: Date.now(), pdus };
    if (edus.length > 0) body.edus = edus;
    return this.request(peer, "PUT", `/_matrix/federation/v1/send/${encodeURIComponent(txnId)}`, body, opts);
  }

  /** A user of ours joins a room on `peer` through make_join and send_join; returns the join event. */
  async join(peer: Peer, roomId: string, localpart: string, opts: { sendJoinApi?: "v1" | "v2"; onReply?: (reply: Reply) => void } = {}): Promise<PDU> {
    const userId = this.userId(localpart);
    const enc = encodeURIComponent;
    const made = await this.request(peer, "GET", `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(userId)}?ver=10&ver=11&ver=12`);
    if (made.status !== 200) throw new Error(`make_join: ${made.status} ${JSON.stringify(made.body)}`);
    const version = getRoomVersion(String(made.body.room_version));
    if (!version) throw new Error(`unknown room version ${String(made.body.room_version)}`);
    const t = made.body.event as JsonObject;
    const join = await buildEvent(
      {
        room_id: roomId,
        sender: userId,
        type: "m.room.member",
        state_key: userId,
        content: t.content as JsonObject,
        prev_events: t.prev_events as string[],
        auth_events: t.auth_events as string[],
        depth: t.depth as number,
        origin_server_ts: Date.now(),
      },
      version,
      this.serverName,
      this.key,
    );
    const api = opts.sendJoinApi ?? "v2";
    const reply = await this.request(peer, "PUT", `/_matrix/federation/${api}/send_join/${enc(roomId)}/${enc(join.event_id)}`, toWireFormat(join, version));
    if (reply.status !== 200) throw new Error(`send_join: ${reply.status} ${JSON.stringify(reply.body)}`);
    opts.onReply?.(reply);
    // v1 answers [200, body]; request() parsed that array into `body`.
    const sent = api === "v1" ? { body: (reply.body as unknown as [number, Record<string, unknown>])[1] } : reply;
    let room = this.rooms.get(roomId);
    if (!room) {
      room = { roomId, version, events: new Map(), state: new Map(), head: join };
      this.rooms.set(roomId, room);
    }
    for (const raw of [...(sent.body.auth_chain as unknown[]), ...(sent.body.state as unknown[])]) {
      const ev = await fromWireFormat(raw, version);
      room.events.set(ev.event_id, ev);
    }
    for (const raw of sent.body.state as unknown[]) {
      const ev = await fromWireFormat(raw, version);
      if (ev.state_key !== undefined) room.state.set(stateKey(ev.type, ev.state_key), ev.event_id);
    }
    this.record(roomId, join);
    return join;
  }

  // ---- events --------------------------------------------------------------------------------

  /** The auth events the fake's view of the current state gives an event. */
  authEventsFor(roomId: string, t: Pick<PDU, "type" | "state_key" | "sender" | "content">): string[] {
    const room = this.room(roomId);
    const out: string[] = [];
    for (const [type, key] of authEventTypes(t, room.version)) {
      const id = room.state.get(stateKey(type, key));
      if (id && !out.includes(id)) out.push(id);
    }
    return out;
  }

  /** A PDU of `roomId` built, hashed and signed by this server (signed with `key` if given). */
  async pdu(roomId: string, t: PduTemplate, key: SigningKey = this.key, serverName = this.serverName): Promise<PDU> {
    const room = this.room(roomId);
    return buildEvent(
      {
        room_id: roomId,
        sender: t.sender,
        type: t.type,
        state_key: t.state_key,
        content: t.content,
        prev_events: t.prev_events ?? [room.head.event_id],
        auth_events: t.auth_events ?? this.authEventsFor(roomId, t),
        depth: t.depth ?? room.head.depth + 1,
        origin_server_ts: t.origin_server_ts ?? Date.now(),
      },
      room.version,
      serverName,
      key,
    );
  }

  /** The wire form of an event (no event_id for v3+ rooms). */
  wire(roomId: string, pdu: PDU): JsonObject {
    return toWireFormat(pdu, this.room(roomId).version);
  }

  /** A message from one of our users, in wire form, with its event ID. */
  async message(roomId: string, localpart: string, body: string, extra: Partial<PduTemplate> = {}): Promise<{ pdu: PDU; wire: JsonObject }> {
    const pdu = await this.pdu(roomId, { sender: this.userId(localpart), type: "m.room.message", content: { msgtype: "m.text", body }, ...extra });
    return { pdu, wire: this.wire(roomId, pdu) };
  }
}

/** Events reached from `start` by walking prev_events breadth first, skipping `seen`, at most `limit`, in walk order. */
function walkPrevEvents(room: FakeRoom, start: string[], seen: Set<string>, limit: number): PDU[] {
  const out: PDU[] = [];
  let frontier = start;
  while (frontier.length > 0 && out.length < limit) {
    const next: string[] = [];
    for (const id of frontier) {
      const ev = room.events.get(id);
      if (seen.has(id) || !ev || out.length >= limit) continue;
      seen.add(id);
      out.push(ev);
      next.push(...ev.prev_events);
    }
    frontier = next;
  }
  return out;
}
