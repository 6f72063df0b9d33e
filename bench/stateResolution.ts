/**
 * State resolution benchmark: two forks with 5,000 conflicting state events each, resolved by
 * resolveState with the real auth rules. Prints milliseconds per scenario (median of 3 runs,
 * after one warm-up run).
 *
 *   node --import tsx bench/stateResolution.ts
 */
import { pathToFileURL } from "node:url";
import type { JsonObject } from "../protocol/json.js";
import { stateKey, type PDU, type StateIdMap } from "../protocol/pdu.js";
import { getRoomVersion, type RoomVersion } from "../protocol/roomVersions.js";
import { resolveState } from "../protocol/stateResolution/index.js";

const N = 5000;
const ALICE = "@alice:bench.example";

class BenchRoom {
  readonly events: Map<string, PDU>;
  readonly state: StateIdMap;
  readonly roomId: string;
  private depth: number;
  private tip: string[];
  private ts: number;

  /** A new room (with its create event), or a fork continuing from `parent`. */
  constructor(readonly version: RoomVersion, parent?: BenchRoom) {
    this.roomId = version.roomIdIsCreateEventHash ? "!CREATE" : "!bench:bench.example";
    // One event store for the whole room, shared by its forks.
    this.events = parent?.events ?? new Map();
    this.state = new Map(parent?.state ?? []);
    this.depth = parent?.depth ?? 0;
    this.tip = [...(parent?.tip ?? [])];
    this.ts = parent?.ts ?? 1_700_000_000_000;
    if (parent === undefined) {
      const content: JsonObject = { room_version: version.id };
      if (!version.v11EventFormat) content.creator = ALICE;
      this.add("$CREATE", ALICE, "m.room.create", "", content);
    }
  }

  fork(): BenchRoom {
    return new BenchRoom(this.version, this);
  }

  private auth(sender: string, type: string, key: string, content: JsonObject): string[] {
    const ids: string[] = [];
    const push = (t: string, k: string): void => {
      const id = this.state.get(stateKey(t, k));
      if (id !== undefined && !ids.includes(id)) ids.push(id);
    };
    if (!this.version.roomIdIsCreateEventHash) push("m.room.create", "");
    push("m.room.power_levels", "");
    push("m.room.member", sender);
    if (type === "m.room.member") {
      push("m.room.member", key);
      if (content.membership === "join") push("m.room.join_rules", "");
    }
    return ids;
  }

  add(id: string, sender: string, type: string, key: string, content: JsonObject): void {
    const isCreate = type === "m.room.create";
    const pdu: PDU = {
      event_id: id,
      sender,
      type,
      state_key: key,
      content,
      origin_server_ts: this.ts++,
      depth: ++this.depth,
      prev_events: this.tip,
      auth_events: isCreate ? [] : this.auth(sender, type, key, content),
      hashes: { sha256: "" },
      signatures: {},
    };
    if (!(isCreate && this.version.roomIdIsCreateEventHash)) pdu.room_id = this.roomId;
    this.events.set(id, pdu);
    this.state.set(stateKey(type, key), id);
    this.tip = [id];
  }
}

function baseRoom(version: RoomVersion, members: number): BenchRoom {
  const room = new BenchRoom(version);
  room.add("$IMA", ALICE, "m.room.member", ALICE, { membership: "join" });
  const users: JsonObject = version.privilegedCreators ? {} : { [ALICE]: 100 };
  room.add("$IPOWER", ALICE, "m.room.power_levels", "", { users });
  room.add("$IJR", ALICE, "m.room.join_rules", "", { join_rule: "public" });
  for (let i = 0; i < members; i++) {
    const u = `@u${i}:bench.example`;
    room.add(`$JOIN_${i}`, u, "m.room.member", u, { membership: "join" });
  }
  return room;
}

interface Scenario {
  name: string;
  version: RoomVersion;
  states: StateIdMap[];
  getEvent: (id: string) => PDU | undefined;
  check(result: StateIdMap): void;
}

/** 5,000 keys of a custom state type set differently by the (all-powerful) creator on each fork. */
function customState(versionId: string): Scenario {
  const version = getRoomVersion(versionId) as RoomVersion;
  const base = baseRoom(version, 0);
  const a = base.fork();
  const b = base.fork();
  for (let i = 0; i < N; i++) a.add(`$A_${i}`, ALICE, "org.example.bench", `k${i}`, { v: `a${i}` });
  for (let i = 0; i < N; i++) b.add(`$B_${i}`, ALICE, "org.example.bench", `k${i}`, { v: `b${i}` });
  return {
    name: `customState v${versionId}`,
    version,
    states: [a.state, b.state],
    getEvent: (id) => base.events.get(id),
    check: (r) => {
      if (r.size !== 4 + N) throw new Error(`customState: ${r.size} keys`);
    },
  };
}

/**
 * 5,000 members: fork a, every member changes their display name (a join over a join); fork b,
 * the creator kicks every member (5,000 power events for the reverse topological power sort).
 */
function memberChanges(versionId: string): Scenario {
  const version = getRoomVersion(versionId) as RoomVersion;
  const base = baseRoom(version, N);
  const a = base.fork();
  const b = base.fork();
  for (let i = 0; i < N; i++) {
    const u = `@u${i}:bench.example`;
    a.add(`$RENAME_${i}`, u, "m.room.member", u, { membership: "join", displayname: `User ${i}` });
  }
  for (let i = 0; i < N; i++) b.add(`$KICK_${i}`, ALICE, "m.room.member", `@u${i}:bench.example`, { membership: "leave" });
  return {
    name: `memberChanges v${versionId}`,
    version,
    states: [a.state, b.state],
    getEvent: (id) => base.events.get(id),
    check: (r) => {
      if (r.size !== 4 + N) throw new Error(`memberChanges: ${r.size} keys`);
    },
  };
}

/** 5,000 power levels changes on each fork, each citing the previous one (long mainlines). */
function powerLevelChains(versionId: string): Scenario {
  const version = getRoomVersion(versionId) as RoomVersion;
  const base = baseRoom(version, 0);
  const a = base.fork();
  const b = base.fork();
  const users = (i: number, who: string): JsonObject => {
    const u: JsonObject = version.privilegedCreators ? {} : { [ALICE]: 100 };
    u[`@${who}${i % 50}:bench.example`] = i % 100;
    return u;
  };
  for (let i = 0; i < N; i++) a.add(`$PLA_${i}`, ALICE, "m.room.power_levels", "", { users: users(i, "a") });
  for (let i = 0; i < N; i++) b.add(`$PLB_${i}`, ALICE, "m.room.power_levels", "", { users: users(i, "b") });
  return {
    name: `powerLevelChains v${versionId}`,
    version,
    states: [a.state, b.state],
    getEvent: (id) => base.events.get(id),
    check: (r) => {
      if (r.size !== 4) throw new Error(`powerLevelChains: ${r.size} keys`);
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

export async function benchStateResolution(): Promise<Record<string, number>> {
  const scenarios = [customState("1"), customState("11"), customState("12"), memberChanges("1"), memberChanges("11"), memberChanges("12"),
    powerLevelChains("11"), powerLevelChains("12")];
  const figures: Record<string, number> = {};
  for (const sc of scenarios) {
    sc.check(resolveState(sc.version, sc.states, sc.getEvent)); // warm-up + sanity check
    const times: number[] = [];
    for (let run = 0; run < 3; run++) {
      const t0 = performance.now();
      resolveState(sc.version, sc.states, sc.getEvent);
      times.push(performance.now() - t0);
    }
    figures[`${sc.name} (2 forks × ${N} conflicting) ms`] = Math.round(median(times) * 10) / 10;
  }
  return figures;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchStateResolution(), null, 2));
}
