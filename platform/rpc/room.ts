/**
 * The RPC contract of RoomDO (one per room): what the Worker and other Durable Objects may call
 * on it through roomStub (platform/stubs.ts). The class implements this interface, so tsc keeps
 * the two in step; callers never import the class itself.
 */
import type { JsonObject } from "../../protocol/json.js";
import type { PDU } from "../../protocol/pdu.js";
import type { RoomEventFilter } from "../../protocol/filters/index.js";
import type { ClientEvent } from "../../protocol/clientEvent.js";
import type { PublicRoomSummary } from "./server.js";
import type { SearchOrder, SortKey } from "../../protocol/search/index.js";

/** The fields a local client decides when sending an event; the room fills in the rest. */
export interface EventTemplate {
  sender: string;
  type: string;
  state_key?: string;
  content: JsonObject;
  redacts?: string;
}

/** The answer to claiming a room's upgrade (durable-objects/room/upgradeClaims.ts). */
export type UpgradeClaim = { kind: "claimed" } | { kind: "done"; replacementRoom: string } | { kind: "busy" };

export interface SendOptions {
  txn?: { deviceId: string; txnId: string };
}

export interface MessagesOptions {
  from?: number;
  to?: number;
  dir: "b" | "f";
  limit: number;
  filter?: RoomEventFilter;
  /** Senders whose non-state events the reader has chosen not to see (spec: ignoring users). */
  ignoredSenders?: string[];
}

/** `start` and `end` are stream orderings of the room: its pagination tokens. */
export interface MessagesPage {
  chunk: ClientEvent[];
  start: number;
  end?: number;
  state: ClientEvent[];
}

/**
 * A room as the space hierarchy shows it (spec: SpaceHierarchyRoomsChunk — the room summary,
 * plus its m.space.child events as stripped state with origin_server_ts).
 */
export interface SpaceHierarchyRoom extends PublicRoomSummary {
  children_state: JsonObject[];
  allowed_room_ids?: string[];
  room_version?: string;
  encryption?: string;
}

/** Who looks at the hierarchy: a user, or a whole server (federation). */
export type HierarchyViewer = { userId: string } | { server: string };

export interface SpaceRoomView {
  room: SpaceHierarchyRoom;
  /** The viewer's membership (for a server: "join"/"invite" if any of its users has it, "ban" if the ACL denies it). */
  membership: string;
  /** Whether this server's copy of the room is current (a local user is joined, or no one elsewhere is). */
  resident: boolean;
}

/** One room's part of POST /search (durable-objects/room/search.ts). */
export interface RoomSearchRequest {
  /** An FTS5 MATCH expression built by protocol/search/ftsQuery.ts (never the user's raw text). */
  match: string;
  order: SearchOrder;
  /** Only results after this sort key (the next_batch being resumed). */
  after?: SortKey;
  limit: number;
  filter?: RoomEventFilter;
  /** Senders whose non-state events the searcher has chosen not to see (spec: ignoring users). */
  ignoredSenders?: string[];
}

/** A result: its sort key (primary = rank or origin_server_ts), its rank and the event. */
export interface RoomSearchHit extends SortKey {
  rank: number;
  event: ClientEvent;
}

export interface RoomSearchResult {
  /** The room's first results after `after`, best first, at most `limit`. */
  hits: RoomSearchHit[];
  /** Whether the room has more results after `hits`. */
  more: boolean;
  /** An estimate of the room's matches the user may see (spec: `count` is approximate). */
  count: number;
  /** Set when the room stopped at its scan budget: every match up to this key was looked at. */
  scannedTo?: SortKey;
}

export interface SearchContextRequest {
  eventIds: string[];
  before: number;
  after: number;
  includeProfile: boolean;
  filter?: RoomEventFilter;
  ignoredSenders?: string[];
}

export interface RoomRpc {
  /** Whether this room exists here (has a create event). */
  exists(): Promise<boolean>;
  /** Stores a new room's create event (built by the Worker: in v12 it names the room), then sends the initial events in order. */
  createRoom(roomId: string, create: PDU, roomVersion: string, initial: EventTemplate[]): Promise<void>;
  /** Builds, authorises, signs and stores a local user's event, and sends it to members and servers. */
  send(template: EventTemplate, opts?: SendOptions): Promise<{ event_id: string }>;

  // Federation (Server-Server API).

  /** Spec: PUT /send/{txnId} — the PDUs of one transaction that belong to this room. */
  receivePdus(origin: string, pdus: JsonObject[]): Promise<Record<string, { error?: string }>>;
  /** For endpoints outside this object that must honour the room's ACL (e.g. invites); unknown rooms allow. */
  serverAclAllows(server: string): Promise<boolean>;
  /** Spec: GET /make_join and /make_leave and /make_knock — an event template for a remote user. */
  makeMembership(userId: string, membership: "join" | "leave" | "knock", supportedVersions: string[]): Promise<{ room_version: string; event: JsonObject }>;
  /** Spec: PUT /send_join, /send_leave, /send_knock (v2) — a remote user's membership event. */
  sendMembership(origin: string, membership: "join" | "leave" | "knock", raw: JsonObject): Promise<JsonObject>;
  /** A local user joined a room on another server (send_join answered): stores its state, auth chain and the join. */
  importRemoteJoin(roomId: string, roomVersion: string, origin: string, joinEvent: JsonObject, state: JsonObject[], authChain: JsonObject[]): Promise<void>;
  /** Spec: GET /event/{eventId}, for a server in the room. */
  federationEvent(origin: string, eventId: string): Promise<JsonObject>;
  /** Spec: GET /state and /state_ids at an event, for a server in the room. */
  federationState(origin: string, eventId: string, idsOnly: boolean): Promise<JsonObject>;
  /** Spec: GET /event_auth — an event's auth chain, for a server in the room. */
  federationEventAuth(origin: string, eventId: string): Promise<JsonObject>;
  /** Spec: GET /backfill — history before `from`, for a server in the room. */
  backfill(origin: string, from: string[], limit: number): Promise<JsonObject[]>;
  /** Spec: POST /get_missing_events — events between `earliest` and `latest`, for a server in the room. */
  getMissingEvents(origin: string, earliest: string[], latest: string[], limit: number, minDepth: number): Promise<JsonObject[]>;

  // Joining.

  /** Restricted rooms: the rooms whose membership would let the user in and a local authoriser; undefined when not restricted for them. */
  restrictedJoinPlan(userId: string): Promise<{ allowRooms: string[]; authoriser?: string } | undefined>;
  /** Whether joins can be done here: a local user is joined, or no other server is. */
  isResidentHere(): Promise<boolean>;
  /** Spec: guest access module — guests may join only rooms whose m.room.guest_access is can_join. */
  guestCanJoin(): Promise<boolean>;

  // Reading, for clients.

  /** A user's current membership ("leave" when none). */
  membership(userId: string): Promise<string>;
  /** The state a user may read: current while joined (or world-readable), else as when they left. */
  getState(userId: string): Promise<ClientEvent[]>;
  /** One state event of the state the user may read. */
  getStateEvent(userId: string, type: string, key: string): Promise<ClientEvent>;
  /** Spec: GET /rooms/{roomId}/members, with `at`, `membership` and `not_membership`. */
  members(userId: string, opts: { at?: number; membership?: string; notMembership?: string }): Promise<ClientEvent[]>;
  /** Spec: GET /rooms/{roomId}/joined_members; both keys always present, null when unset. */
  joinedMembers(userId: string): Promise<Record<string, { display_name: string | null; avatar_url: string | null }>>;
  /** Whether the user is joined and has the power to send this event type now. */
  userCanSend(userId: string, type: string, isState: boolean): Promise<boolean>;
  /** Claims the room's upgrade for this user; `finishUpgrade` ends the claim with its answer (none: it failed). */
  claimUpgrade(userId: string): Promise<UpgradeClaim>;
  finishUpgrade(userId: string, replacementRoom?: string): Promise<void>;
  /** Spec: GET /rooms/{roomId}/event/{eventId}, if the user may see it. */
  getEvent(userId: string, eventId: string, ignoredSenders?: string[]): Promise<ClientEvent>;
  /** Spec: GET /rooms/{roomId}/messages; paging back past the oldest event held backfills from other servers. */
  messages(userId: string, opts: MessagesOptions): Promise<MessagesPage>;
  /** Spec: GET /rooms/{roomId}/context/{eventId}. */
  context(userId: string, eventId: string, limit: number, ignoredSenders?: string[]): Promise<JsonObject>;
  /** Spec: GET /rooms/{roomId}/timestamp_to_event. */
  timestampToEvent(userId: string, ts: number, dir: "f" | "b"): Promise<{ event_id: string; origin_server_ts: number }>;
  /** Spec: GET /rooms/{roomId}/relations/{eventId}. */
  relations(userId: string, eventId: string, relType: string | undefined, eventType: string | undefined, limit: number, from: number | undefined): Promise<JsonObject>;
  /** POST /search in this room: the user's visible matches; nothing in an encrypted room. */
  search(userId: string, req: RoomSearchRequest): Promise<RoomSearchResult>;
  /** POST /search event_context: for each given result, the events around it (by event ID). */
  searchContexts(userId: string, req: SearchContextRequest): Promise<Record<string, JsonObject>>;
  /** Spec: GET /rooms/{roomId}/threads, with the same access rule as /messages. */
  threads(userId: string, include: "all" | "participated", limit: number, from: number | undefined): Promise<JsonObject>;

  // Ephemeral: typing and receipts.

  /** Spec: PUT /rooms/{roomId}/typing/{userId}, for a joined user. */
  setTyping(userId: string, typing: boolean, timeoutMs: number): Promise<void>;
  /** A typing EDU from another server (spec: m.typing). Remote typing lasts 30 s unless renewed. */
  remoteTyping(userId: string, typing: boolean): Promise<void>;
  /** Receipt EDUs from another server (spec: m.receipt), for its own joined users only. */
  remoteReceipts(origin: string, byType: JsonObject): Promise<void>;
  /** Spec: POST /rooms/{roomId}/receipt/{receiptType}/{eventId}. */
  setReceipt(userId: string, receiptType: string, eventId: string, threadId: string | undefined): Promise<void>;

  // Directories.

  /** The room as the public room directory shows it. */
  summary(): Promise<PublicRoomSummary>;
  /** Spec: space hierarchy — this room as GET /hierarchy shows it, and where `viewer` stands in it. */
  spaceRoom(viewer: HierarchyViewer): Promise<SpaceRoomView>;
}
