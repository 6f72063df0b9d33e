/**
 * Hand-built rooms for the state resolution tests: PDUs with fake event IDs (hashes and
 * signatures are irrelevant to state resolution). A Fork tracks the state after its last event
 * and selects auth_events the way the spec's "auth events selection" does.
 */
import type { JsonObject } from "../../../protocol/json.js";
import { stateKey, type PDU, type StateIdMap } from "../../../protocol/pdu.js";
import { getRoomVersion, type RoomVersion } from "../../../protocol/roomVersions.js";

export const ALICE = "@alice:example.org";
export const BOB = "@bob:example.org";
export const CHARLIE = "@charlie:example.org";
export const EVE = "@eve:example.org";
export const ZARA = "@zara:example.org";

export function version(id: string): RoomVersion {
  const v = getRoomVersion(id);
  if (v === undefined) throw new Error(`no room version ${id}`);
  return v;
}

export interface SendOptions {
  ts?: number;
  /** Replace the automatically selected auth events. */
  auth?: string[];
  /** Extra prev_events (for merges). */
  prev?: string[];
}

export class TestRoom {
  readonly events = new Map<string, PDU>();
  readonly roomId: string;
  private clock = 1000;

  constructor(readonly version: RoomVersion, readonly createId = "$CREATE") {
    this.roomId = version.roomIdIsCreateEventHash ? `!${createId.slice(1)}` : "!room:example.org";
  }

  readonly getEvent = (id: string): PDU | undefined => this.events.get(id);

  nextTs(): number {
    this.clock += 10;
    return this.clock;
  }

  event(id: string): PDU {
    const ev = this.events.get(id);
    if (ev === undefined) throw new Error(`test room has no ${id}`);
    return ev;
  }

  /** The create event, as a fork holding only it. */
  create(creator: string, extraContent: JsonObject = {}): Fork {
    const content: JsonObject = { room_version: this.version.id, ...extraContent };
    if (!this.version.v11EventFormat) content.creator = creator;
    const pdu: PDU = {
      event_id: this.createId,
      sender: creator,
      type: "m.room.create",
      state_key: "",
      content,
      origin_server_ts: this.nextTs(),
      depth: 1,
      prev_events: [],
      auth_events: [],
      hashes: { sha256: "" },
      signatures: {},
    };
    if (!this.version.roomIdIsCreateEventHash) pdu.room_id = this.roomId;
    this.events.set(pdu.event_id, pdu);
    return new Fork(this, new Map([[stateKey("m.room.create", ""), pdu.event_id]]), [pdu.event_id], 1);
  }

  /**
   * A room as most tests want it: `creator` creates and joins, sets power levels `users`
   * (the creator gets 100 except in v12, where creators cannot be listed), public join rules,
   * then every user in `members` joins.
   */
  standard(creator: string, users: Record<string, number>, members: string[]): Fork {
    const fork = this.create(creator);
    fork.send("$IMA", creator, "m.room.member", creator, { membership: "join" });
    const plUsers: JsonObject = { ...users };
    if (!this.version.privilegedCreators) plUsers[creator] = 100;
    fork.send("$IPOWER", creator, "m.room.power_levels", "", { users: plUsers });
    fork.send("$IJR", creator, "m.room.join_rules", "", { join_rule: "public" });
    for (const m of members) fork.send(`$IM_${m.slice(1, m.indexOf(":")).toUpperCase()}`, m, "m.room.member", m, { membership: "join" });
    return fork;
  }
}

export class Fork {
  constructor(
    readonly room: TestRoom,
    readonly state: StateIdMap,
    private tips: string[],
    private depth: number,
  ) {}

  /** A copy that continues from the same point. */
  branch(): Fork {
    return new Fork(this.room, new Map(this.state), [...this.tips], this.depth);
  }

  /** Auth events selection (server-server-api) against this fork's current state. */
  selectAuth(sender: string, type: string, key: string | undefined, content: JsonObject): string[] {
    const pick = (t: string, k: string): string[] => {
      const id = this.state.get(stateKey(t, k));
      return id === undefined ? [] : [id];
    };
    const ids: string[] = [];
    if (!this.room.version.roomIdIsCreateEventHash) ids.push(...pick("m.room.create", ""));
    ids.push(...pick("m.room.power_levels", ""));
    ids.push(...pick("m.room.member", sender));
    if (type === "m.room.member" && key !== undefined) {
      if (key !== sender) ids.push(...pick("m.room.member", key));
      const m = content.membership;
      if (m === "join" || m === "invite" || m === "knock") ids.push(...pick("m.room.join_rules", ""));
    }
    return ids;
  }

  send(
    id: string,
    sender: string,
    type: string,
    key: string | undefined,
    content: JsonObject,
    opts: SendOptions = {},
  ): PDU {
    if (this.room.events.has(id)) throw new Error(`duplicate test event ${id}`);
    const prev = [...this.tips, ...(opts.prev ?? [])];
    const depth = Math.max(this.depth, ...prev.map((p) => this.room.event(p).depth)) + 1;
    const pdu: PDU = {
      event_id: id,
      room_id: this.room.roomId,
      sender,
      type,
      content,
      origin_server_ts: opts.ts ?? this.room.nextTs(),
      depth,
      prev_events: prev,
      auth_events: opts.auth ?? this.selectAuth(sender, type, key, content),
      hashes: { sha256: "" },
      signatures: {},
    };
    if (key !== undefined) pdu.state_key = key;
    this.room.events.set(id, pdu);
    if (key !== undefined) this.state.set(stateKey(type, key), id);
    this.tips = [id];
    this.depth = depth;
    return pdu;
  }
}

/** Readable form of a state map for assertions: "type|state_key" → event ID, sorted. */
export function readable(state: StateIdMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, id] of [...state].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out[k.replace("\u0000", "|")] = id;
  }
  return out;
}

export function memberKey(user: string): string {
  return stateKey("m.room.member", user);
}

/** mulberry32: a small deterministic PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: readonly T[], rand: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
