import { setOwn, type JsonObject } from "../../../protocol/json.js";
import { orderByActivity, windowOf, type ListedRoom } from "../../../protocol/slidingSync/roomList.js";
import { MAX_SUBSCRIPTIONS, type ListConfig, type RoomConfig, type SlidingSyncRequest } from "../../../protocol/slidingSync/request.js";
import { unknownPos } from "../../../platform/errors.js";
import { formatSlidingPos, parseSlidingPos } from "../../../platform/slidingSyncPos.js";
import { ignoredUsers, invitedByIgnoredUser } from "../ignoredUsers.js";
import type { RoomRow } from "../roomViewStore.js";
import type { SyncSources } from "../sync.js";
import type { SlidingConnectionStore, SentRoom } from "./connectionStore.js";
import { buildExtensions } from "./extensions.js";
import { combineConfigs, roomResult, type CombinedConfig, type RoomContext } from "./roomResult.js";

/**
 * Simplified sliding sync (MSC4186) as a second view of the user's stream: the room list
 * (ordered by each room's latest activity), the rooms of the request's list windows and
 * subscriptions that are new to the connection or changed since it last saw them, and the
 * extensions. What each connection was sent lives in SlidingConnectionStore, one generation
 * per response, so a client retrying with the same pos gets a consistent answer.
 */

/** Connections a device may keep; the least recently used beyond this are dropped. */
const CONNECTIONS_PER_DEVICE = 10;
/**
 * A connection unused this long is expired (M_UNKNOWN_POS): starting over is cheaper for both
 * sides than catching up on a week, and its state need not be kept (Synapse expires at 7 days).
 */
export const CONNECTION_EXPIRY_MS = 7 * 24 * 3600 * 1000;

type Listed = ListedRoom & { row: RoomRow };

export class SlidingSync {
  constructor(
    private readonly src: SyncSources,
    private readonly conns: SlidingConnectionStore,
  ) {}

  /** Builds the response to one request of a device; `empty` when a long-poll should wait on. */
  run(userId: string, deviceId: string, req: SlidingSyncRequest, now: number): { body: JsonObject; empty: boolean } {
    const { src, conns } = this;
    let conn = conns.find(deviceId, req.connId);
    let gen = 0;
    let prevStreamPos: number | undefined;
    let prevCounts: string | undefined;
    let sent = new Map<string, SentRoom>();
    if (req.pos !== undefined) {
      const pos = parseSlidingPos(req.pos);
      const position = pos && conn && conn.nonce === pos.nonce ? conns.position(conn.id, pos.gen) : undefined;
      if (!pos || !conn || !position) throw unknownPos();
      if (now - conn.lastUsedTs > CONNECTION_EXPIRY_MS) throw unknownPos("This sync connection has expired");
      gen = pos.gen;
      prevStreamPos = position.streamPos;
      prevCounts = position.listCounts;
      conns.settleAt(conn.id, gen);
      sent = conns.sentRooms(conn.id, gen);
      const previous = JSON.parse(conn.request) as SlidingSyncRequest;
      req = withStickySubscriptions(withStickyLists(req, previous), previous);
      conns.setRequest(conn.id, JSON.stringify(req), now);
    } else {
      req = withStickySubscriptions(req, undefined);
      conn = conns.start(deviceId, req.connId, newNonce(), JSON.stringify(req), now);
      conns.pruneDevice(deviceId, CONNECTIONS_PER_DEVICE);
    }

    const ignored = ignoredUsers(src.accountData);
    const maxPos = src.stream.maxPos();
    const direct = directRooms(src);
    const all = src.rooms.unforgottenRooms();
    const listed = orderByActivity(this.listedRooms(all, userId, sent, ignored, direct));
    const byId = new Map(all.map((r) => [r.room_id, r]));

    // Which rooms the request covers, with the configs and list names that matched each.
    const candidates = new Map<string, { row: RoomRow; configs: RoomConfig[]; lists: string[] }>();
    const listRooms = new Map<string, string[]>();
    const counts: Record<string, JsonObject> = {};
    const spaceChildren = this.spaceChildren(req.lists);
    for (const [name, list] of Object.entries(req.lists)) {
      const w = windowOf(listed, list.filters, list.ranges, spaceChildren);
      setOwn(counts, name, { count: w.count });
      listRooms.set(
        name,
        w.rooms.map((r) => r.roomId),
      );
      for (const r of w.rooms) {
        const c = candidates.get(r.roomId) ?? { row: r.row, configs: [], lists: [] };
        c.configs.push(list);
        c.lists.push(name);
        candidates.set(r.roomId, c);
      }
    }
    const subscribed: string[] = [];
    for (const [roomId, config] of Object.entries(req.subscriptions)) {
      // Only rooms the user is in, is invited to or knocks on, or was in (MSC4186 "Subscriptions").
      const row = byId.get(roomId);
      if (!row || !visible(row, userId, ignored, src)) continue;
      subscribed.push(roomId);
      const c = candidates.get(roomId) ?? { row, configs: [], lists: [] };
      c.configs.push(config);
      candidates.set(roomId, c);
    }

    const ctx: RoomContext = { src, userId, deviceId, ignoredUsers: ignored, maxPos };
    const rooms: Record<string, JsonObject> = {};
    const nowSent: SentRoom[] = [];
    const initialRooms = new Set<string>();
    // Rooms matched by the same lists and subscriptions share one combined config (and its JSON).
    const combined = new Map<string, { config: CombinedConfig; json: string }>();
    for (const [roomId, c] of candidates) {
      const key = c.configs.length === c.lists.length ? c.lists.join("\n") : undefined;
      let config = key !== undefined ? combined.get(key) : undefined;
      if (!config) {
        const made = combineConfigs(c.configs);
        config = { config: made, json: JSON.stringify(made) };
        if (key !== undefined) combined.set(key, config);
      }
      const out = roomResult(ctx, {
        room: c.row,
        config: config.config,
        configJson: config.json,
        lists: c.lists,
        sent: sent.get(roomId),
        isDm: direct.has(roomId),
        prevStreamPos,
      });
      if (!out) continue;
      rooms[roomId] = out.result;
      nowSent.push(out.sent);
      if (out.result.initial === true) initialRooms.add(roomId);
    }

    const ext = buildExtensions({ src, deviceId, prevStreamPos, maxPos, listRooms, subscribedRooms: subscribed, initialRooms }, req.extensions);
    const countsJson = JSON.stringify(counts);
    const empty = Object.keys(rooms).length === 0 && !ext.fresh && countsJson === prevCounts;
    // Nothing new keeps the same pos: the client's view is unchanged, so no generation is needed.
    if (!empty || req.pos === undefined) {
      const parent = gen;
      gen = conns.nextGen(conn.id);
      conns.addGeneration(conn.id, gen, { parent, streamPos: maxPos, listCounts: countsJson }, nowSent);
    }
    const body: JsonObject = { pos: formatSlidingPos({ nonce: conn.nonce, gen }), lists: counts, rooms, extensions: ext.body };
    if (req.txnId !== undefined) body.txn_id = req.txnId;
    return { body, empty };
  }

  /** The server's room list for this connection (MSC4186 "Lists"), before filters and ranges. */
  private listedRooms(all: readonly RoomRow[], userId: string, sent: ReadonlyMap<string, SentRoom>, ignored: ReadonlySet<string>, direct: ReadonlySet<string>): Listed[] {
    const { src } = this;
    const encrypted = new Set(src.rooms.stateOfType("m.room.encryption").map((s) => s.roomId));
    const roomType = new Map<string, string | null>();
    for (const s of src.rooms.stateOfType("m.room.create")) roomType.set(s.roomId, typeof s.content.type === "string" ? s.content.type : null);
    const tags = src.accountData.roomsOfType("m.tag");
    const out: Listed[] = [];
    for (const row of all) {
      if (!visible(row, userId, ignored, src)) continue;
      // Rooms the user left on their own are listed only once the connection has seen them.
      if (row.membership === "leave" && !sent.has(row.room_id) && leftByThemselves(row, userId, src)) continue;
      const t = tags.get(row.room_id)?.tags;
      out.push({
        row,
        roomId: row.room_id,
        membership: row.membership,
        activity: row.last_pos,
        isDm: direct.has(row.room_id),
        isEncrypted: encrypted.has(row.room_id),
        roomType: roomType.has(row.room_id) ? roomType.get(row.room_id) : strippedRoomType(row),
        tags: t && typeof t === "object" && !Array.isArray(t) ? Object.keys(t) : [],
      });
    }
    return out;
  }

  /** The rooms named by m.space.child in the spaces some list filters on (joined spaces only). */
  private spaceChildren(lists: Record<string, ListConfig>): Set<string> | undefined {
    const spaces = new Set<string>();
    for (const l of Object.values(lists)) for (const s of l.filters.spaces ?? []) spaces.add(s);
    if (spaces.size === 0) return undefined;
    const out = new Set<string>();
    for (const s of this.src.rooms.stateOfType("m.space.child")) {
      if (spaces.has(s.roomId) && this.src.rooms.membership(s.roomId) === "join" && Array.isArray(s.content.via)) out.add(s.stateKey);
    }
    return out;
  }
}

/**
 * Whether the user may see the room on a sliding sync connection: not an invite from someone
 * they ignore, and not a ban from a room they never saw the state of.
 */
function visible(row: RoomRow, userId: string, ignored: ReadonlySet<string>, src: SyncSources): boolean {
  if (row.membership === "invite") return !invitedByIgnoredUser(row.invite_state, userId, ignored);
  if (row.membership === "ban") return src.rooms.stateEvent(row.room_id, "m.room.create", "") !== undefined;
  return true;
}

/** Rooms named in the user's m.direct account data. */
function directRooms(src: SyncSources): Set<string> {
  const out = new Set<string>();
  const content = src.accountData.get("", "m.direct") ?? {};
  for (const ids of Object.values(content)) if (Array.isArray(ids)) for (const id of ids) if (typeof id === "string") out.add(id);
  return out;
}

function leftByThemselves(row: RoomRow, userId: string, src: SyncSources): boolean {
  return src.rooms.stateEvent(row.room_id, "m.room.member", userId)?.sender === userId;
}

function strippedRoomType(row: RoomRow): string | null | undefined {
  const create = (JSON.parse(row.invite_state ?? "[]") as Array<{ type?: string; content?: { type?: unknown } }>).find((e) => e.type === "m.room.create");
  if (!create) return undefined;
  return typeof create.content?.type === "string" ? create.content.type : null;
}

/** A list resent with only its ranges keeps the rest of its previous config on the connection. */
function withStickyLists(req: SlidingSyncRequest, previous: SlidingSyncRequest): SlidingSyncRequest {
  const lists: Record<string, ListConfig> = {};
  for (const [name, list] of Object.entries(req.lists)) {
    const before = previous.lists && Object.hasOwn(previous.lists, name) ? previous.lists[name] : undefined;
    setOwn(lists, name, list.rangesOnly && before ? { ...before, ranges: list.ranges, rangesOnly: false } : list);
  }
  return { ...req, lists };
}

/**
 * The connection's room subscriptions: the previous request's, less its `unsubscribe_rooms`, with
 * this request's added (or their configs replaced). matrix-js-sdk (MSC3575's dialect) sends a
 * subscription only on the request that adds it and `unsubscribe_rooms` on the one that drops it;
 * the rooms it subscribed to before must stay subscribed on every later request. matrix-rust-sdk
 * resends its whole set on every request, which this keeps as it is; a room it stops sending
 * stays subscribed until its next connection and only brings updates it can ignore. The oldest
 * subscriptions go beyond MAX_SUBSCRIPTIONS, so a connection cannot grow them without bound.
 */
function withStickySubscriptions(req: SlidingSyncRequest, previous: SlidingSyncRequest | undefined): SlidingSyncRequest {
  const subs = new Map(Object.entries(previous?.subscriptions ?? {}));
  for (const roomId of req.unsubscribeRooms ?? []) subs.delete(roomId);
  for (const [roomId, config] of Object.entries(req.subscriptions)) {
    // Re-added last, so the oldest stay first for the cap below.
    subs.delete(roomId);
    subs.set(roomId, config);
  }
  const kept = [...subs].slice(-MAX_SUBSCRIPTIONS);
  const { unsubscribeRooms: _done, ...rest } = req;
  return { ...rest, subscriptions: Object.fromEntries(kept) };
}

function newNonce(): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
