/**
 * State resolution v2 (room versions 2–11), end to end through resolveState with the real auth
 * rules. Every expected result is worked out from the algorithm's text in the comment above it.
 * Event names: $IMA etc. are the base room (create, alice joins, power levels $IPOWER, public
 * join rules $IJR, members join $IM_<NAME>).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { stateKey } from "../../../protocol/pdu.js";
import { resolveState } from "../../../protocol/stateResolution/index.js";
import { ALICE, BOB, CHARLIE, EVE, ZARA, TestRoom, memberKey, readable, version } from "./stateResolutionFixtures.js";

const PL = stateKey("m.room.power_levels", "");
const JR = stateKey("m.room.join_rules", "");
const TOPIC = stateKey("m.room.topic", "");

describe("state resolution v2", () => {
  for (const v of ["2", "6", "10", "11"]) {
    it(`v${v}: a ban races a demotion of the banning moderator — the demotion wins`, () => {
      const room = new TestRoom(version(v));
      const base = room.standard(ALICE, { [BOB]: 50 }, [BOB, EVE]);
      const a = base.branch();
      a.send("$BAN", BOB, "m.room.member", EVE, { membership: "ban" });
      const b = base.branch();
      b.send("$PL2", ALICE, "m.room.power_levels", "", { users: { [ALICE]: 100 } });
      /*
       * Conflicted: PL {$IPOWER, $PL2}, eve {$IM_EVE, $BAN}. Auth difference adds $IM_BOB (only in
       * fork a's auth chain, through $BAN). Power events: $IPOWER, $PL2, $BAN; with their auth
       * chains ∩ full set: + $IM_BOB, $IM_EVE. Power sort: $IPOWER (everything depends on it), then
       * alice's $PL2 (100) before bob's $IM_BOB (50) before eve's $IM_EVE (0), then $BAN.
       * Iterative checks: $PL2 demotes bob; $BAN is then rejected (bob 0 < ban 50).
       */
      const out = resolveState(room.version, [a.state, b.state], room.getEvent);
      assert.equal(out.get(PL), "$PL2");
      assert.equal(out.get(memberKey(EVE)), "$IM_EVE");
      assert.equal(out.get(memberKey(BOB)), "$IM_BOB");
    });
  }

  it("topic fight: mainline position beats origin_server_ts", () => {
    const room = new TestRoom(version("11"));
    const base = room.standard(ALICE, { [BOB]: 50 }, [BOB]);
    const a = base.branch();
    a.send("$T1", ALICE, "m.room.topic", "", { topic: "a1" });
    a.send("$PL2", ALICE, "m.room.power_levels", "", { users: { [ALICE]: 100, [BOB]: 50 }, state_default: 40 });
    a.send("$T2", ALICE, "m.room.topic", "", { topic: "a2" }, { ts: 5000 });
    const b = base.branch();
    b.send("$T3", BOB, "m.room.topic", "", { topic: "b" }, { ts: 9000 });
    /*
     * Conflicted: PL {$IPOWER, $PL2}, topic {$T2, $T3}; auth difference + $IM_BOB (only fork b
     * cites it). Power events sorted: $IPOWER, $PL2 → partial PL = $PL2, mainline [$PL2, $IPOWER].
     * Rest: $T2 (cites $PL2: position 0), $T3 and $IM_BOB (cite $IPOWER: position 1). Greater
     * position first: $IM_BOB, $T3 (by ts), then $T2 — so $T2 is applied last and wins although
     * $T3 is newer.
     */
    const out = resolveState(room.version, [a.state, b.state], room.getEvent);
    assert.equal(out.get(PL), "$PL2");
    assert.equal(out.get(TOPIC), "$T2");
  });

  it("topic fight at the same mainline position: later origin_server_ts, then greater event_id, wins", () => {
    const room = new TestRoom(version("11"));
    const base = room.standard(ALICE, { [BOB]: 50 }, [BOB]);
    const a = base.branch();
    a.send("$TX", ALICE, "m.room.topic", "", { topic: "x" }, { ts: 7000 });
    const b = base.branch();
    b.send("$TY", BOB, "m.room.topic", "", { topic: "y" }, { ts: 6000 });
    // No power events conflict: partial state = unconflicted, mainline [$IPOWER]. Both topics
    // cite $IPOWER (position 0): ts order $TY (6000), $TX (7000); both allowed → $TX.
    assert.equal(resolveState(room.version, [a.state, b.state], room.getEvent).get(TOPIC), "$TX");

    const c = base.branch();
    c.send("$TB", BOB, "m.room.topic", "", { topic: "b" }, { ts: 8000 });
    const d = base.branch();
    d.send("$TA", ALICE, "m.room.topic", "", { topic: "a" }, { ts: 8000 });
    // Same position, same ts: event_id order $TA, $TB → $TB applied last.
    assert.equal(resolveState(room.version, [c.state, d.state], room.getEvent).get(TOPIC), "$TB");
  });

  it("join rules: public → invite races a join; the join loses", () => {
    const room = new TestRoom(version("11"));
    const base = room.standard(ALICE, {}, []);
    const a = base.branch();
    a.send("$JR2", ALICE, "m.room.join_rules", "", { join_rule: "invite" });
    const b = base.branch();
    b.send("$JOIN_EVE", EVE, "m.room.member", EVE, { membership: "join" });
    /*
     * Conflicted: JR {$IJR, $JR2}, eve {$JOIN_EVE} (missing from fork a, so conflicted in v2).
     * Power events: $IJR, $JR2 (join rules), sorted by ts ($IJR older). Iterative checks from the
     * unconflicted state: both allowed → JR = $JR2 (invite). Rest: $JOIN_EVE is checked against
     * invite-only join rules with no invite → rejected; eve is not in the room.
     */
    const out = resolveState(room.version, [a.state, b.state], room.getEvent);
    assert.equal(out.get(JR), "$JR2");
    assert.equal(out.has(memberKey(EVE)), false);
  });

  it("join rules: the same join against invite → public is kept", () => {
    const room = new TestRoom(version("11"));
    const base = room.standard(ALICE, {}, []);
    base.send("$JR_INV", ALICE, "m.room.join_rules", "", { join_rule: "invite" });
    const a = base.branch();
    a.send("$JR_PUB", ALICE, "m.room.join_rules", "", { join_rule: "public" });
    a.send("$JOIN_EVE", EVE, "m.room.member", EVE, { membership: "join" });
    const b = base.branch();
    b.send("$TOPIC", ALICE, "m.room.topic", "", { topic: "t" });
    // Conflicted: JR {$JR_INV, $JR_PUB}, eve {$JOIN_EVE}, topic {$TOPIC}. $JR_PUB cites nothing
    // of JR; sorted: $JR_INV, $JR_PUB (ts) → JR public; $JOIN_EVE is allowed by it.
    const out = resolveState(room.version, [a.state, b.state], room.getEvent);
    assert.equal(out.get(JR), "$JR_PUB");
    assert.equal(out.get(memberKey(EVE)), "$JOIN_EVE");
    assert.equal(out.get(TOPIC), "$TOPIC");
  });

  it("power level races: the more powerful sender's change is applied first", () => {
    const room = new TestRoom(version("11"));
    const base = room.standard(ALICE, { [BOB]: 50 }, [BOB, CHARLIE, ZARA]);
    const a = base.branch();
    a.send("$PLA", ALICE, "m.room.power_levels", "", { users: { [ALICE]: 100 } }, { ts: 3000 });
    const b = base.branch();
    b.send("$PLB", BOB, "m.room.power_levels", "", { users: { [ALICE]: 100, [BOB]: 50, [CHARLIE]: 50 } }, { ts: 2000 });
    const c = base.branch();
    c.send("$PLC", ALICE, "m.room.power_levels", "", { users: { [ALICE]: 100, [BOB]: 50, [ZARA]: 50 } }, { ts: 4000 });
    /*
     * Two forks: conflicted PL {$PLA, $PLB}; auth difference + $IM_BOB (cited by $PLB only).
     * Power sort: $PLA (alice 100) before $IM_BOB (bob 50) before $PLB (needs $IM_BOB), even
     * though $PLB is older. $PLA demotes bob; $PLB is then rejected (bob 0 cannot add charlie
     * at 50).
     */
    assert.equal(resolveState(room.version, [a.state, b.state], room.getEvent).get(PL), "$PLA");
    /*
     * Three forks: + $PLC (alice, ts 4000). Sort: $PLA (100, ts 3000), $PLC (100, ts 4000),
     * $IM_BOB, $PLB. $PLA allowed; $PLC against $PLA: alice adds bob and zara at 50 ≤ 100 →
     * allowed; $PLB against $PLC: bob (50) would remove zara (50 ≥ 50) → rejected. PL = $PLC.
     */
    assert.equal(resolveState(room.version, [a.state, b.state, c.state], room.getEvent).get(PL), "$PLC");
  });

  it("off-topic power levels: an event citing a power levels event off the mainline takes the position where its chain meets it", () => {
    const room = new TestRoom(version("11"));
    const base = room.standard(ALICE, {}, []);
    const a = base.branch();
    a.send("$PL2", ALICE, "m.room.power_levels", "", { users: { [ALICE]: 100, [BOB]: 50 } }, { ts: 10000 });
    a.send("$TA", ALICE, "m.room.topic", "", { topic: "a" }, { ts: 30000 });
    const b = base.branch();
    b.send("$TD", ALICE, "m.room.topic", "", { topic: "d" }, { ts: 20000 });
    b.send("$PL3", ALICE, "m.room.power_levels", "", { users: { [ALICE]: 100, [CHARLIE]: 50 } }, { ts: 25000 });
    /*
     * Full conflicted set: {$PL2, $PL3, $TA, $TD}. Power sort: $PL2 (ts 10000), $PL3 (25000);
     * both allowed → partial PL = $PL3, mainline [$PL3, $IPOWER]. $TA cites $PL2, which is off
     * the mainline; $PL2 cites $IPOWER → position 1. $TD cites $IPOWER → position 1. Same
     * position, so ts: $TD (20000), $TA (30000) → topic $TA. (Treating $TA as position ∞ would
     * sort it first and give $TD.)
     */
    const out = resolveState(room.version, [a.state, b.state], room.getEvent);
    assert.equal(out.get(PL), "$PL3");
    assert.equal(out.get(TOPIC), "$TA");
  });

  it("unconflicted state always wins (step 5), and a key missing from one fork is re-authorised", () => {
    const room = new TestRoom(version("10"));
    const base = room.standard(ALICE, { [BOB]: 50 }, [BOB, EVE]);
    const a = base.branch();
    a.send("$NAME", ALICE, "m.room.name", "", { name: "n" });
    a.send("$EVE_CUSTOM", EVE, "org.example.custom", "", { x: 1 });
    const b = base.branch();
    b.send("$NAME_B", BOB, "m.room.name", "", { name: "b" });
    const out = resolveState(room.version, [a.state, b.state], room.getEvent);
    // $EVE_CUSTOM exists only in fork a: conflicted in v2, and eve (0) is below state_default
    // (50), so the iterative auth checks reject it.
    assert.equal(out.has(stateKey("org.example.custom", "")), false);
    // name: both cite $IPOWER (position 0); $NAME is older than $NAME_B → $NAME_B applied last.
    assert.equal(out.get(stateKey("m.room.name", "")), "$NAME_B");
    assert.equal(out.get(stateKey("m.room.create", "")), "$CREATE");
    assert.deepEqual(
      Object.keys(readable(out)),
      [...Object.keys(readable(out))].sort(),
      "the result's keys come out sorted",
    );
  });

  it("rejected auth events are not used (options.isRejected)", () => {
    const room = new TestRoom(version("11"));
    const base = room.standard(ALICE, {}, [BOB]);
    // A power levels event promoting bob that the server rejected on receipt (say, a bad
    // signature) but that bob's topic cites.
    const a = base.branch();
    a.send("$PL_BAD", ALICE, "m.room.power_levels", "", { users: { [ALICE]: 100, [BOB]: 100 } });
    a.send("$TOPIC_BOB", BOB, "m.room.topic", "", { topic: "bob" });
    const b = base.branch();
    b.send("$TOPIC_ALICE", ALICE, "m.room.topic", "", { topic: "alice" }, { ts: 1 });
    const states = [a.state, b.state];
    const plain = resolveState(room.version, states, room.getEvent);
    assert.equal(plain.get(PL), "$PL_BAD");
    assert.equal(plain.get(TOPIC), "$TOPIC_BOB");
    const withRejected = resolveState(room.version, states, room.getEvent, {
      isRejected: (id) => id === "$PL_BAD",
    });
    // $PL_BAD is never admitted, so PL stays $IPOWER (bob 0) and bob's topic is rejected.
    assert.equal(withRejected.get(PL), "$IPOWER");
    assert.equal(withRejected.get(TOPIC), "$TOPIC_ALICE");
  });
});
