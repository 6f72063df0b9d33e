/**
 * Property: the resolved state never depends on the order of the state sets or on the insertion
 * order of each map. Random rooms (deterministic PRNG, fixed seeds) with several forks of random
 * state events — allowed or not — resolved for room versions 1, 2, 6, 10, 11 and 12.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { JsonObject } from "../../../protocol/json.js";
import type { StateIdMap } from "../../../protocol/pdu.js";
import { resolveState } from "../../../protocol/stateResolution/index.js";
import { ALICE, BOB, CHARLIE, EVE, ZARA, TestRoom, prng, shuffle, version, type Fork } from "./stateResolutionFixtures.js";

const USERS = [ALICE, BOB, CHARLIE, EVE, ZARA];
const VERSIONS = ["1", "2", "6", "10", "11", "12"];

function randomRoom(seed: number): { room: TestRoom; states: StateIdMap[] } {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const v = VERSIONS[seed % VERSIONS.length];
  const room = new TestRoom(version(v));
  const base = room.standard(ALICE, { [BOB]: 50, [CHARLIE]: 25 }, [BOB, CHARLIE, EVE]);
  let n = 0;
  const ts = (): number => 5000 + Math.floor(rand() * 8); // narrow: many equal timestamps
  const randomEvent = (f: Fork): void => {
    const id = `$s${seed}_${n++}`;
    const sender = pick(USERS);
    switch (Math.floor(rand() * 6)) {
      case 0:
        f.send(id, sender, "m.room.topic", "", { topic: id }, { ts: ts() });
        break;
      case 1: {
        const membership = pick(["join", "leave", "ban", "invite", "leave"]);
        const target = membership === "join" ? sender : pick(USERS);
        f.send(id, sender, "m.room.member", target, { membership }, { ts: ts() });
        break;
      }
      case 2: {
        const users: JsonObject = {};
        for (const u of USERS) {
          if (u === ALICE && v === "12") continue;
          if (rand() < 0.6) users[u] = pick([0, 10, 25, 50, 100]);
        }
        f.send(id, sender, "m.room.power_levels", "", { users }, { ts: ts() });
        break;
      }
      case 3:
        f.send(id, sender, "m.room.join_rules", "", { join_rule: pick(["public", "invite"]) }, { ts: ts() });
        break;
      case 4:
        f.send(id, sender, "org.example.custom", pick(["a", "b", "c"]), { id }, { ts: ts() });
        break;
      default:
        f.send(id, sender, "m.room.message", undefined, { body: id }, { ts: ts() });
    }
  };
  const forks: Fork[] = [base];
  const forkCount = 2 + Math.floor(rand() * 3);
  for (let i = 0; i < forkCount; i++) {
    const f = pick(forks).branch();
    const steps = 1 + Math.floor(rand() * 8);
    for (let j = 0; j < steps; j++) randomEvent(f);
    forks.push(f);
  }
  return { room, states: forks.slice(1).map((f) => f.state) };
}

describe("state resolution is deterministic", () => {
  for (let seed = 1; seed <= 60; seed++) {
    it(`seed ${seed} (room version ${VERSIONS[seed % VERSIONS.length]})`, () => {
      const { room, states } = randomRoom(seed);
      const expected = [...resolveState(room.version, states, room.getEvent)];
      const rand = prng(seed * 7919);
      for (let round = 0; round < 6; round++) {
        const shuffled = shuffle(states, rand).map((s) => new Map(shuffle([...s], rand)));
        const got = [...resolveState(room.version, shuffled, room.getEvent)];
        assert.deepEqual(got, expected);
      }
    });
  }
});
