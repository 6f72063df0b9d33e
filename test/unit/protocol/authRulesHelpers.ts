/**
 * A tiny room builder for the auth rules tests. Events get fake IDs and hashes (the auth rules
 * do not look at them) and a signature entry for the sender's server (the auth rules only ask
 * whether a server signed).
 */
import assert from "node:assert/strict";
import nacl from "tweetnacl";
import type { JsonObject } from "../../../protocol/json.js";
import type { PDU, StateMap } from "../../../protocol/pdu.js";
import { stateKey } from "../../../protocol/pdu.js";
import type { RoomVersion } from "../../../protocol/roomVersions.js";
import { ROOM_VERSIONS, getRoomVersion } from "../../../protocol/roomVersions.js";
import { authorizeEvent, ruleIdOf, ruleNumber } from "../../../protocol/authRules/index.js";
import type { AuthResult, RuleId } from "../../../protocol/authRules/index.js";

export const ALL_VERSIONS: RoomVersion[] = [...ROOM_VERSIONS.values()];

export function version(id: string): RoomVersion {
  const v = getRoomVersion(id);
  if (!v) throw new Error(`no room version ${id}`);
  return v;
}

export const ALICE = "@alice:a.test"; // the creator
export const BOB = "@bob:b.test";
export const CAROL = "@carol:c.test";
export const DAVE = "@dave:d.test";
export const MALLORY = "@mallory:m.test";

export function domain(id: string): string {
  return id.slice(id.indexOf(":") + 1);
}

export interface EventSpec {
  type: string;
  sender: string;
  state_key?: string;
  content?: JsonObject;
  prev_events?: string[];
  redacts?: string;
  event_id?: string;
  room_id?: string | null;
  signatures?: Record<string, Record<string, string>>;
}

export interface RoomOptions {
  creator?: string;
  createContent?: JsonObject;
  /** Skip the standard creator join, power levels and join rules. */
  bare?: boolean;
  joinRule?: string;
  powerLevels?: JsonObject;
}

let counter = 0;

export class TestRoom {
  readonly version: RoomVersion;
  readonly creator: string;
  readonly create: PDU;
  readonly roomId: string;
  readonly state: StateMap = new Map();
  private last: string;

  constructor(versionId: string, opts: RoomOptions = {}) {
    this.version = version(versionId);
    this.creator = opts.creator ?? ALICE;
    const content: JsonObject = { room_version: this.version.id, ...(opts.createContent ?? {}) };
    if (!this.version.v11EventFormat && !("creator" in content)) content.creator = this.creator;
    if (this.version.roomIdIsCreateEventHash) {
      const hash = `CreateHash${++counter}`;
      this.create = this.pdu({ type: "m.room.create", sender: this.creator, state_key: "", content }, `$${hash}`, []);
      delete this.create.room_id;
      this.roomId = `!${hash}`;
    } else {
      this.roomId = `!room${++counter}:${domain(this.creator)}`;
      this.create = this.pdu({ type: "m.room.create", sender: this.creator, state_key: "", content }, undefined, []);
    }
    this.state.set(stateKey("m.room.create", ""), this.create);
    this.last = this.create.event_id;
    if (opts.bare) return;
    this.send({ type: "m.room.member", sender: this.creator, state_key: this.creator, content: { membership: "join" } });
    const users: JsonObject = this.version.privilegedCreators ? {} : { [this.creator]: 100 };
    this.send({
      type: "m.room.power_levels",
      sender: this.creator,
      state_key: "",
      content: opts.powerLevels ?? { users },
    });
    this.send({
      type: "m.room.join_rules",
      sender: this.creator,
      state_key: "",
      content: { join_rule: opts.joinRule ?? "public" },
    });
  }

  /** Builds a PDU in this room without checking it. */
  pdu(spec: EventSpec, eventId?: string, prev?: string[]): PDU {
    const n = ++counter;
    const id = eventId ?? spec.event_id ?? (this.version.eventIdFormat === "v1" ? `$e${n}:${domain(spec.sender)}` : `$e${n}`);
    const event: PDU = {
      event_id: id,
      room_id: spec.room_id === null ? undefined : (spec.room_id ?? this.roomId),
      sender: spec.sender,
      type: spec.type,
      content: spec.content ?? {},
      origin_server_ts: 1_700_000_000_000 + n,
      depth: n,
      prev_events: spec.prev_events ?? prev ?? (this.last ? [this.last] : []),
      auth_events: [],
      hashes: { sha256: "fake" },
      signatures: spec.signatures ?? { [domain(spec.sender)]: { "ed25519:k": "fakesig" } },
    };
    if (spec.room_id === null) delete event.room_id;
    if (spec.state_key !== undefined) event.state_key = spec.state_key;
    if (spec.redacts !== undefined) event.redacts = spec.redacts;
    return event;
  }

  check(spec: EventSpec): AuthResult {
    return authorizeEvent(this.pdu(spec), this.state, this.version);
  }

  /** Authorises and applies an event; throws when refused (setup steps must be legal). */
  send(spec: EventSpec): PDU {
    const event = this.pdu(spec);
    const result = authorizeEvent(event, this.state, this.version);
    if (!result.allowed) {
      throw new Error(`setup event refused in v${this.version.id}: ${result.rule}: ${result.reason}`);
    }
    if (event.state_key !== undefined) this.state.set(stateKey(event.type, event.state_key), event);
    this.last = event.event_id;
    return event;
  }

  // Shorthands for setup.
  join(user: string, content: JsonObject = {}): PDU {
    return this.send({ type: "m.room.member", sender: user, state_key: user, content: { membership: "join", ...content } });
  }
  invite(sender: string, target: string): PDU {
    return this.send({ type: "m.room.member", sender, state_key: target, content: { membership: "invite" } });
  }
  ban(sender: string, target: string): PDU {
    return this.send({ type: "m.room.member", sender, state_key: target, content: { membership: "ban" } });
  }
  setPowerLevels(content: JsonObject, sender = this.creator): PDU {
    return this.send({ type: "m.room.power_levels", sender, state_key: "", content });
  }
  setJoinRule(joinRule: string, extra: JsonObject = {}): PDU {
    return this.send({ type: "m.room.join_rules", sender: this.creator, state_key: "", content: { join_rule: joinRule, ...extra } });
  }
  /** Puts an event into the state without authorising it (for states auth could not reach). */
  force(spec: EventSpec): PDU {
    const event = this.pdu(spec);
    if (event.state_key !== undefined) this.state.set(stateKey(event.type, event.state_key), event);
    return event;
  }
}

/** Power levels content giving `levels` to users, leaving the v12 creator out of `users`. */
export function pl(room: TestRoom, users: Record<string, number>, rest: JsonObject = {}): JsonObject {
  const all: JsonObject = room.version.privilegedCreators ? {} : { [room.creator]: 100 };
  for (const [u, l] of Object.entries(users)) all[u] = l;
  return { users: all, ...rest };
}

export function assertAllowed(result: AuthResult): void {
  assert.equal(result.allowed, true, result.allowed ? "" : `refused: ${result.rule}: ${result.reason}`);
}

export function assertRefused(result: AuthResult, id: RuleId, v?: RoomVersion): void {
  assert.equal(result.allowed, false, `expected refusal by ${id}, but allowed`);
  assert.equal(ruleIdOf(result), id, result.allowed ? "" : `refused by ${result.rule}: ${result.reason}`);
  if (v && !result.allowed) assert.equal(result.rule, `${ruleNumber(id, v)} ${id}`);
}

export function expectResult(result: AuthResult, expected: "allow" | RuleId, v?: RoomVersion): void {
  if (expected === "allow") assertAllowed(result);
  else assertRefused(result, expected, v);
}

/** Deterministic ed25519 key pair for third-party invite tests. */
export function identityServerKey(seedByte: number): { publicKey: string; sign(obj: JsonObject): string } {
  const pair = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(seedByte));
  const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64").replace(/=+$/, "");
  return {
    publicKey: b64(pair.publicKey),
    sign(obj: JsonObject): string {
      const keys = Object.keys(obj).sort();
      const canonical = `{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(obj[k])}`).join(",")}}`;
      return b64(nacl.sign.detached(new TextEncoder().encode(canonical), pair.secretKey));
    },
  };
}
