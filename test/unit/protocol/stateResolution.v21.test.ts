/**
 * State resolution v2.1 (room version 12) and where it differs from v2: the iterative auth
 * checks start from an empty state map, and the conflicted state subgraph joins the full
 * conflicted set (rooms/v12.md "State resolution").
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { stateKey, type StateIdMap } from "../../../protocol/pdu.js";
import { resolveState } from "../../../protocol/stateResolution/index.js";
import { ResolutionContext } from "../../../protocol/stateResolution/context.js";
import { fullConflictedSet } from "../../../protocol/stateResolution/resolveStateV2.js";
import { ALICE, BOB, CHARLIE, EVE, TestRoom, memberKey, version } from "./stateResolutionFixtures.js";

const PL = stateKey("m.room.power_levels", "");
const TOPIC = stateKey("m.room.topic", "");

/** Users in power levels: v12 creators cannot be listed, earlier versions list alice at 100. */
function users(v: string, levels: Record<string, number>): Record<string, number> {
  return v === "12" ? levels : { [ALICE]: 100, ...levels };
}

describe("state resolution v2.1 (room version 12)", () => {
  it("v12 resolves the basic ban-vs-demotion race like v2", () => {
    const room = new TestRoom(version("12"));
    const base = room.standard(ALICE, { [BOB]: 50 }, [BOB, EVE]);
    const a = base.branch();
    a.send("$BAN", BOB, "m.room.member", EVE, { membership: "ban" });
    const b = base.branch();
    b.send("$PL2", ALICE, "m.room.power_levels", "", { users: {} });
    // As in v2: $PL2 (alice, infinite power as creator) sorts before $BAN, demotes bob, and the
    // ban is rejected. The create event is never in auth_events in v12; the checks find it
    // through the room ID.
    const out = resolveState(room.version, [a.state, b.state], room.getEvent);
    assert.equal(out.get(PL), "$PL2");
    assert.equal(out.get(memberKey(EVE)), "$IM_EVE");
  });

  /*
   * A moderator bans someone and, concurrently, leaves. One server merged both (state:
   * eve banned, bob left); another only saw bob leave. Resolving those two states:
   *   unconflicted: bob = $BOB_LEAVE; conflicted: eve {$BAN, $IM_EVE}; X = {$IM_EVE, $BAN}.
   * v2 starts the iterative auth checks from the unconflicted state, where bob has left, so
   *   $BAN fails ("sender not joined") and eve is back in the room: the ban is lost.
   * v2.1 starts from an empty state: bob's membership is not in it, so $BAN's own auth event
   *   ($IM_BOB, join) is used, $BAN is allowed, and eve stays banned.
   */
  for (const [v, expectedEve] of [
    ["11", "$IM_EVE"],
    ["12", "$BAN"],
  ] as const) {
    it(`empty start: a ban by a moderator who then left is ${expectedEve === "$BAN" ? "kept (v2.1)" : "lost (v2)"} in v${v}`, () => {
      const room = new TestRoom(version(v));
      const base = room.standard(ALICE, { [BOB]: 50 }, [BOB, EVE]);
      const banFork = base.branch();
      banFork.send("$BAN", BOB, "m.room.member", EVE, { membership: "ban" });
      const leaveFork = base.branch();
      leaveFork.send("$BOB_LEAVE", BOB, "m.room.member", BOB, { membership: "leave" });
      // First merge (both algorithms): X = {$IM_BOB, $IM_EVE, $BAN} all allowed, then the
      // self-leave (not a power event) is allowed too.
      const merged = resolveState(room.version, [banFork.state, leaveFork.state], room.getEvent);
      assert.equal(merged.get(memberKey(EVE)), "$BAN");
      assert.equal(merged.get(memberKey(BOB)), "$BOB_LEAVE");

      const out = resolveState(room.version, [merged, leaveFork.state], room.getEvent);
      assert.equal(out.get(memberKey(EVE)), expectedEve);
      assert.equal(out.get(memberKey(BOB)), "$BOB_LEAVE");
    });
  }

  /*
   * $IPOWER → $PL2 (alice promotes bob to 100) → $PL3 (bob promotes charlie). A faulty server's
   * state still has $IPOWER but also bob's topic $T, which cites $PL2 — so $PL2 is in *every*
   * state's auth chain and is not in the auth difference.
   * v2: full conflicted set {$IPOWER, $PL3}. From the unconflicted state, $IPOWER is allowed,
   *   then $PL3 is checked against it: bob has 0 there → rejected. PL resets to $IPOWER.
   * v2.1: $PL2 (and $IM_BOB) lie on auth paths from $PL3 to $IPOWER: the conflicted state
   *   subgraph adds them. Power sort $IPOWER, $PL2, $IM_BOB, $PL3; all allowed → PL = $PL3.
   */
  for (const [v, expectedPl, subgraphHasPl2] of [
    ["11", "$IPOWER", false],
    ["12", "$PL3", true],
  ] as const) {
    it(`conflicted state subgraph: a skipped power levels event in the middle (v${v} → ${expectedPl})`, () => {
      const room = new TestRoom(version(v));
      const base = room.standard(ALICE, {}, [BOB, CHARLIE]);
      const a = base.branch();
      a.send("$PL2", ALICE, "m.room.power_levels", "", { users: users(v, { [BOB]: 100 }) });
      a.send("$T", BOB, "m.room.topic", "", { topic: "bob was here" });
      a.send("$PL3", BOB, "m.room.power_levels", "", { users: users(v, { [BOB]: 100, [CHARLIE]: 100 }) });
      const faulty: StateIdMap = new Map(base.state);
      faulty.set(TOPIC, "$T");

      const ctx = new ResolutionContext(room.getEvent);
      const { full } = fullConflictedSet(room.version, [a.state, faulty], ctx);
      assert.equal(full.has("$PL2"), subgraphHasPl2);
      assert.equal(full.has("$IM_BOB"), subgraphHasPl2);
      assert.ok(full.has("$PL3") && full.has("$IPOWER"));

      const out = resolveState(room.version, [a.state, faulty], room.getEvent);
      assert.equal(out.get(PL), expectedPl);
      assert.equal(out.get(TOPIC), "$T");
    });
  }

  it("v12 with additional creators: an additional creator outranks any power level in the sort", () => {
    const room = new TestRoom(version("12"));
    const fork = room.create(ALICE, { additional_creators: [CHARLIE] });
    fork.send("$IMA", ALICE, "m.room.member", ALICE, { membership: "join" });
    fork.send("$IPOWER", ALICE, "m.room.power_levels", "", { users: { [BOB]: 100 } });
    fork.send("$IJR", ALICE, "m.room.join_rules", "", { join_rule: "public" });
    fork.send("$IM_BOB", BOB, "m.room.member", BOB, { membership: "join" });
    fork.send("$IM_CHARLIE", CHARLIE, "m.room.member", CHARLIE, { membership: "join" });
    const a = fork.branch();
    // bob (100) sets invite-only; charlie (creator, infinite) sets knock; bob's is older.
    a.send("$JR_BOB", BOB, "m.room.join_rules", "", { join_rule: "invite" }, { ts: 5000 });
    const b = fork.branch();
    b.send("$JR_CHARLIE", CHARLIE, "m.room.join_rules", "", { join_rule: "knock" }, { ts: 6000 });
    // Power sort: $IJR (alice, creator, ∞, oldest), $JR_CHARLIE (∞), then $JR_BOB (100) → all
    // allowed in that order, bob's applied last.
    const out = resolveState(room.version, [a.state, b.state], room.getEvent);
    assert.equal(out.get(stateKey("m.room.join_rules", "")), "$JR_BOB");
  });
});
