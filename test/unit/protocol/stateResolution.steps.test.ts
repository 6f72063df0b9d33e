/**
 * The steps of state resolution one by one, on small hand-made auth graphs (the auth rules are
 * not involved except in the iterative auth checks).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import type { JsonObject } from "../../../protocol/json.js";
import { stateKey, type PDU } from "../../../protocol/pdu.js";
import { authChain, authDifference } from "../../../protocol/stateResolution/authChain.js";
import { splitConflicted } from "../../../protocol/stateResolution/conflictedStateSet.js";
import { conflictedSubgraph } from "../../../protocol/stateResolution/conflictedSubgraph.js";
import { MissingEventError, ResolutionContext } from "../../../protocol/stateResolution/context.js";
import { iterativeAuthCheck } from "../../../protocol/stateResolution/iterativeAuthCheck.js";
import { mainlineOf, mainlineSort, MainlinePositions } from "../../../protocol/stateResolution/mainlineSort.js";
import { isPowerEvent } from "../../../protocol/stateResolution/powerEvents.js";
import { reverseTopologicalPowerSort } from "../../../protocol/stateResolution/reverseTopologicalPowerSort.js";
import { sha1Hex } from "../../../protocol/stateResolution/sha1.js";
import { resolveState } from "../../../protocol/stateResolution/index.js";
import { ALICE, BOB, EVE, TestRoom, memberKey, version } from "./stateResolutionFixtures.js";

/** A bare auth graph: id → PDU with the given auth events (content as given). */
class Graph {
  readonly events = new Map<string, PDU>();
  readonly getEvent = (id: string): PDU | undefined => this.events.get(id);
  add(
    id: string,
    auth: string[],
    fields: { type?: string; stateKey?: string; sender?: string; content?: JsonObject; ts?: number } = {},
  ): this {
    const pdu: PDU = {
      event_id: id,
      room_id: "!room:example.org",
      sender: fields.sender ?? ALICE,
      type: fields.type ?? "org.example.state",
      state_key: fields.stateKey ?? id,
      content: fields.content ?? {},
      origin_server_ts: fields.ts ?? 0,
      depth: 1,
      prev_events: [],
      auth_events: auth,
      hashes: { sha256: "" },
      signatures: {},
    };
    this.events.set(id, pdu);
    return this;
  }
  ctx(): ResolutionContext {
    return new ResolutionContext(this.getEvent);
  }
}

const sorted = (s: Iterable<string>): string[] => [...s].sort();

describe("state resolution steps", () => {
  describe("unconflicted state map / conflicted state set", () => {
    const k1 = stateKey("t", "1");
    const k2 = stateKey("t", "2");
    const k3 = stateKey("t", "3");
    const s1 = new Map([
      [k1, "$a"],
      [k2, "$b"],
      [k3, "$c"],
    ]);
    const s2 = new Map([
      [k1, "$a"],
      [k2, "$b2"],
    ]);
    it("v2: same everywhere is unconflicted; different or missing somewhere is conflicted", () => {
      const split = splitConflicted([s1, s2], "v2");
      assert.deepEqual([...split.unconflicted], [[k1, "$a"]]);
      assert.deepEqual(sorted(split.conflicted), ["$b", "$b2", "$c"]);
      assert.deepEqual(split.conflictedByKey.get(k2), ["$b", "$b2"]);
    });
    it("v1: a key missing from some states but never different is not a conflict", () => {
      const split = splitConflicted([s1, s2], "v1");
      assert.deepEqual(sorted(split.unconflicted.keys()), [k1, k3]);
      assert.deepEqual(sorted(split.conflicted), ["$b", "$b2"]);
    });
  });

  describe("auth chain and auth difference", () => {
    // R ← A ← B, R ← C, and D cites both B and C.
    const g = new Graph().add("$R", []).add("$A", ["$R"]).add("$B", ["$A"]).add("$C", ["$R"]).add("$D", ["$B", "$C"]);
    it("auth chain: everything reachable through auth_events, not the event itself", () => {
      assert.deepEqual(sorted(authChain("$D", g.ctx())), ["$A", "$B", "$C", "$R"]);
      assert.deepEqual(sorted(authChain("$R", g.ctx())), []);
    });
    it("auth difference: ∪ C_i − ∩ C_i of the states' full auth chains", () => {
      const k = (n: string): string => stateKey("t", n);
      const s1 = new Map([[k("x"), "$B"]]); // C1 = {A, R}
      const s2 = new Map([[k("x"), "$C"]]); // C2 = {R}
      const s3 = new Map([[k("x"), "$D"]]); // C3 = {A, B, C, R}
      const ctx = g.ctx();
      const states = [s1, s2, s3];
      const diff = authDifference(states, splitConflicted(states, "v2"), ctx);
      assert.deepEqual(sorted(diff), ["$A", "$B", "$C"]);
      // With an unconflicted event whose chain holds $A, $A is in every C_i.
      const u = new Map([[k("u"), "$B"]]);
      const states2 = [new Map([...s2, ...u]), new Map([...s3, ...u])];
      const diff2 = authDifference(states2, splitConflicted(states2, "v2"), g.ctx());
      assert.deepEqual(sorted(diff2), ["$B", "$C"]);
    });
  });

  it("conflicted state subgraph: every event on an auth path between two conflicted events", () => {
    // C1 → M → C2 → R;  C1 → P → Q → C2;  C1 → X → R;  C3 → R;  Y → C1 (Y cites C1, not reached).
    const g = new Graph()
      .add("$R", [])
      .add("$C2", ["$R"])
      .add("$M", ["$C2"])
      .add("$Q", ["$C2"])
      .add("$P", ["$Q"])
      .add("$X", ["$R"])
      .add("$C1", ["$M", "$P", "$X"])
      .add("$C3", ["$R"])
      .add("$Y", ["$C1"]);
    const sub = conflictedSubgraph(new Set(["$C1", "$C2", "$C3"]), g.ctx());
    assert.deepEqual(sorted(sub), ["$C1", "$C2", "$C3", "$M", "$P", "$Q"]);
  });

  it("power events", () => {
    const ev = (type: string, key: string | undefined, sender: string, content: JsonObject): PDU => {
      const g = new Graph().add("$e", [], { type, stateKey: key, sender, content });
      const e = g.events.get("$e") as PDU;
      if (key === undefined) delete e.state_key;
      return e;
    };
    assert.equal(isPowerEvent(ev("m.room.power_levels", "", ALICE, {})), true);
    assert.equal(isPowerEvent(ev("m.room.join_rules", "", ALICE, {})), true);
    assert.equal(isPowerEvent(ev("m.room.member", BOB, ALICE, { membership: "ban" })), true);
    assert.equal(isPowerEvent(ev("m.room.member", BOB, ALICE, { membership: "leave" })), true);
    assert.equal(isPowerEvent(ev("m.room.member", BOB, BOB, { membership: "leave" })), false);
    assert.equal(isPowerEvent(ev("m.room.member", BOB, ALICE, { membership: "invite" })), false);
    assert.equal(isPowerEvent(ev("m.room.topic", "", ALICE, {})), false);
    assert.equal(isPowerEvent(ev("m.room.power_levels", undefined, ALICE, {})), false);
  });

  describe("reverse topological power ordering", () => {
    const v11 = version("11");
    const g = new Graph()
      .add("$CREATE", [], { type: "m.room.create", stateKey: "", content: { creator: ALICE, room_version: "11" } })
      .add("$P", ["$CREATE"], {
        type: "m.room.power_levels",
        stateKey: "",
        content: { users: { [ALICE]: 100, [BOB]: 10 } },
      })
      .add("$B", ["$CREATE", "$P"], { sender: BOB, ts: 1 })
      .add("$N", ["$CREATE", "$P", "$B"], { sender: BOB, ts: 2 })
      .add("$A", ["$CREATE", "$P", "$N"], { sender: ALICE, ts: 3 })
      .add("$A2", ["$CREATE", "$P"], { sender: ALICE, ts: 50 })
      .add("$E1", ["$CREATE", "$P"], { sender: EVE, ts: 7 })
      .add("$E0", ["$CREATE", "$P"], { sender: EVE, ts: 7 })
      .add("$E2", ["$CREATE", "$P"], { sender: EVE, ts: 5 })
      .add("$NOPL", ["$CREATE"], { sender: ALICE, ts: 99 });

    it("higher sender power first, then older origin_server_ts, then smaller event_id", () => {
      const order = reverseTopologicalPowerSort(new Set(["$E1", "$E0", "$E2", "$B", "$A2"]), v11, g.ctx());
      assert.deepEqual(order, ["$A2", "$B", "$E2", "$E0", "$E1"]);
    });
    it("without a power levels event, the creator counts as 100", () => {
      const order = reverseTopologicalPowerSort(new Set(["$B", "$NOPL"]), v11, g.ctx());
      assert.deepEqual(order, ["$NOPL", "$B"]);
    });
    it("auth ancestry comes first, even through an event outside the sorted set", () => {
      // $A (alice, 100) would sort before $B (bob, 10), but $A → $N → $B: $B must come first.
      const order = reverseTopologicalPowerSort(new Set(["$A", "$B", "$A2"]), v11, g.ctx());
      assert.deepEqual(order, ["$A2", "$B", "$A"]);
    });
  });

  describe("mainline ordering", () => {
    const pl = { type: "m.room.power_levels", stateKey: "" };
    const g = new Graph()
      .add("$P0", [], pl)
      .add("$P1", ["$P0"], pl)
      .add("$P2", ["$P1"], pl)
      .add("$Q", ["$P0"], pl) // off the mainline of $P2
      .add("$Q2", ["$Q"], pl)
      .add("$e1", ["$P2"], { ts: 1 })
      .add("$e2", ["$P1"], { ts: 1 })
      .add("$e3", ["$Q2"], { ts: 1 })
      .add("$e4", [], { ts: 9 })
      .add("$e5", ["$P1"], { ts: 0 })
      .add("$e7", ["$P2"], { ts: 1 })
      .add("$e6", ["$P2"], { ts: 1 });
    it("positions: index where the event's power levels chain meets the mainline, ∞ if never", () => {
      const ctx = g.ctx();
      const mainline = mainlineOf("$P2", ctx);
      assert.deepEqual([...mainline], [["$P2", 0], ["$P1", 1], ["$P0", 2]]);
      const pos = new MainlinePositions(mainline, ctx);
      assert.equal(pos.position("$e1"), 0);
      assert.equal(pos.position("$e2"), 1);
      assert.equal(pos.position("$e3"), 2);
      assert.equal(pos.position("$e4"), Infinity);
      // A mainline event itself: its own position is not counted (e0 is excluded).
      assert.equal(pos.position("$P1"), 2);
    });
    it("greater position first, then origin_server_ts, then event_id", () => {
      const order = mainlineSort(["$e1", "$e2", "$e3", "$e4", "$e5"], "$P2", g.ctx());
      assert.deepEqual(order, ["$e4", "$e3", "$e5", "$e2", "$e1"]);
    });
    it("same position and origin_server_ts: smaller event_id first, whatever the input order", () => {
      assert.deepEqual(mainlineSort(["$e7", "$e1", "$e6"], "$P2", g.ctx()), ["$e1", "$e6", "$e7"]);
    });
    it("without a power levels event every position is ∞: origin_server_ts order", () => {
      assert.deepEqual(mainlineSort(["$e4", "$e1", "$e5"], undefined, g.ctx()), ["$e5", "$e1", "$e4"]);
    });
  });

  describe("iterative auth checks", () => {
    it("uses the state for needed keys, and the event's own auth events where the state has none", () => {
      const room = new TestRoom(version("11"));
      const base = room.standard(ALICE, { [BOB]: 50 }, [BOB, EVE]);
      const f = base.branch();
      f.send("$BAN", BOB, "m.room.member", EVE, { membership: "ban" });
      f.send("$PL_DEMOTE", ALICE, "m.room.power_levels", "", { users: { [ALICE]: 100 } });
      const ctx = new ResolutionContext(room.getEvent);
      // From an empty state, $PL_DEMOTE is checked against its own auth events and allowed; it is
      // then in the state, so $BAN is checked against it (bob has 0) and rejected.
      const fromEmpty = iterativeAuthCheck(room.version, ["$PL_DEMOTE", "$BAN"], new Map(), ctx);
      assert.equal(fromEmpty.get(stateKey("m.room.power_levels", "")), "$PL_DEMOTE");
      assert.equal(fromEmpty.has(memberKey(EVE)), false);
      // In the other order $BAN only sees its own auth events (bob 50): allowed.
      const banFirst = iterativeAuthCheck(room.version, ["$BAN", "$PL_DEMOTE"], new Map(), ctx);
      assert.equal(banFirst.get(memberKey(EVE)), "$BAN");
      // A state where bob has left overrides bob's join in $BAN's auth events.
      const left = new Map([[memberKey(BOB), "$BOB_GONE"]]);
      f.send("$BOB_GONE", BOB, "m.room.member", BOB, { membership: "leave" });
      const withLeave = iterativeAuthCheck(room.version, ["$BAN"], left, ctx);
      assert.equal(withLeave.has(memberKey(EVE)), false);
    });
  });

  it("sha1 matches node:crypto", () => {
    for (const s of ["", "abc", "$143273582443PhrSn:example.org", "x".repeat(55), "y".repeat(64), "é😀".repeat(30)]) {
      assert.equal(sha1Hex(s), createHash("sha1").update(s, "utf8").digest("hex"));
    }
  });

  it("a missing event is a clear error naming it", () => {
    const room = new TestRoom(version("11"));
    const base = room.standard(ALICE, {}, [BOB]);
    const a = base.branch();
    a.send("$T1", ALICE, "m.room.topic", "", { topic: "1" });
    const b = base.branch();
    b.send("$T2", BOB, "m.room.topic", "", { topic: "2" });
    const getEvent = (id: string): PDU | undefined => (id === "$IM_BOB" ? undefined : room.getEvent(id));
    assert.throws(
      () => resolveState(room.version, [a.state, b.state], getEvent),
      (e: unknown) => e instanceof MissingEventError && e.eventId === "$IM_BOB" && /\$IM_BOB/.test(e.message),
    );
  });

  it("trivial inputs: no states, one state, identical states", () => {
    const room = new TestRoom(version("11"));
    const base = room.standard(ALICE, {}, [BOB]);
    const never = (): PDU | undefined => {
      throw new Error("getEvent should not be needed");
    };
    assert.equal(resolveState(room.version, [], never).size, 0);
    assert.deepEqual([...resolveState(room.version, [base.state], never)].sort(), [...base.state].sort());
    assert.deepEqual(
      [...resolveState(room.version, [base.state, new Map(base.state)], never)].sort(),
      [...base.state].sort(),
    );
  });
});
