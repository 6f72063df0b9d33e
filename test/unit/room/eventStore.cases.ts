/** EventStore (durable-objects/room/eventStore.ts), run inside workerd by test/unit/stores.test.ts. */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { ROOM_MIGRATIONS } from "../../../schema/room.js";
import { EventStore } from "../../../durable-objects/room/eventStore.js";
import { stateKey, type PDU } from "../../../protocol/pdu.js";

function freshStore(sql: SqlStorage): EventStore {
  migrate(sql, ROOM_MIGRATIONS);
  return new EventStore(sql);
}

/** A minimal PDU: the store keeps what it is given and reads only the fields it indexes. */
function pdu(id: string, fields: Partial<PDU> = {}): PDU {
  return {
    event_id: id,
    room_id: "!r:x",
    sender: "@a:x",
    type: "m.room.message",
    content: { body: id },
    prev_events: [],
    auth_events: [],
    depth: 1,
    origin_server_ts: 1000,
    hashes: { sha256: "" },
    signatures: {},
    ...fields,
  };
}

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "events get orderings in the order they are stored, and read back as stored"(sql) {
    const store = freshStore(sql);
    const a = store.insertEvent(pdu("$a"), { before: null, after: null });
    const b = store.insertEvent(pdu("$b", { depth: 2, prev_events: ["$a"] }), { before: null, after: null });
    assert.ok(b > a);
    assert.deepEqual(store.getEvent("$b")?.prev_events, ["$a"]);
    assert.equal(store.getRow("$a")?.ordering, a);
    assert.deepEqual(store.rowsByOrdering([b, a]).map((r) => r.event_id), ["$a", "$b"]);
    assert.equal(store.getEvent("$nope"), undefined);
  },

  "the forward extremities are the events nothing points at yet, whatever the order they arrive in"(sql) {
    const store = freshStore(sql);
    store.advanceExtremities(pdu("$a"));
    store.advanceExtremities(pdu("$c", { prev_events: ["$b"] }));
    assert.deepEqual(store.forwardExtremities().sort(), ["$a", "$c"]);
    // $b arrives late: $c already refers to it, so it is no extremity, and it retires $a.
    store.advanceExtremities(pdu("$b", { prev_events: ["$a"] }));
    assert.deepEqual(store.forwardExtremities(), ["$c"]);
  },

  "state groups rebuild the state at any group, across snapshots"(sql) {
    const store = freshStore(sql);
    let group: number | null = null;
    for (let i = 0; i < 120; i++) group = store.newStateGroup(group, new Map([[stateKey("m.room.member", `@u${i % 7}:x`), `$m${i}`]]));
    const state = store.stateAtGroup(group ?? 0);
    assert.equal(state.size, 7);
    assert.equal(state.get(stateKey("m.room.member", "@u1:x")), "$m113");
    assert.equal(store.latestStateGroup(), group);
  },

  "the timeline pages over shown events only, in both directions, and finds events near a time"(sql) {
    const store = freshStore(sql);
    const o1 = store.insertEvent(pdu("$1", { origin_server_ts: 100 }), { before: 1, after: 1 });
    store.insertEvent(pdu("$outlier", { origin_server_ts: 150 }), { outlier: true });
    store.insertEvent(pdu("$soft", { origin_server_ts: 160 }), { before: 1, after: 1, softFailed: true });
    store.insertEvent(pdu("$rejected", { origin_server_ts: 170 }), { before: 1, after: 1, rejected: "auth" });
    const o2 = store.insertEvent(pdu("$2", { origin_server_ts: 200 }), { before: 1, after: 1 });
    const o3 = store.insertEvent(pdu("$3", { origin_server_ts: 300 }), { before: 1, after: 1 });
    assert.deepEqual(store.orderingBounds(), { lo: o1, hi: o3 });
    assert.deepEqual(store.timelinePage(o3 + 1, "b", 10).map((r) => r.event_id), ["$3", "$2", "$1"]);
    assert.deepEqual(store.timelinePage(o3, "b", 1).map((r) => r.event_id), ["$2"], "backwards: below the cursor");
    assert.deepEqual(store.timelinePage(o2, "f", 10).map((r) => r.event_id), ["$2", "$3"], "forwards: from the cursor on");
    assert.deepEqual(store.nearTimestamp(150, "f").map((r) => r.event_id), ["$2", "$3"]);
    assert.deepEqual(store.nearTimestamp(250, "b").map((r) => r.event_id), ["$2", "$1"]);
    assert.equal(store.firstInTimeline()?.event_id, "$1");
    assert.equal(store.lastInTimelineBefore(o2)?.event_id, "$rejected", "the last stored event before it, shown or not, but never an outlier");
    assert.deepEqual(store.idsAfter(o2 - 1, 10).map((r) => r.event_id), ["$2", "$3"]);
    assert.deepEqual(store.idsAfter(o1, 2).map((r) => r.event_id), ["$outlier", "$soft"], "outliers are indexed too, `limit` at most");
  },

  "a user's membership history lists their member events in order, without rejected ones"(sql) {
    const store = freshStore(sql);
    const member = (id: string, membership: string) => pdu(id, { type: "m.room.member", state_key: "@b:x", sender: "@b:x", content: { membership } });
    const join = store.insertEvent(member("$join", "join"), { before: 1, after: 2 });
    store.insertEvent(member("$bad", "join"), { before: 2, after: 2, rejected: "banned" });
    const leave = store.insertEvent(member("$leave", "leave"), { before: 2, after: 3 });
    store.insertEvent(pdu("$other", { type: "m.room.member", state_key: "@c:x", content: { membership: "join" } }), { before: 3, after: 4 });
    const history = store.membershipHistory("@b:x");
    assert.deepEqual(history.map((h) => h.ordering), [join, leave]);
    assert.equal((JSON.parse(history[1].json) as PDU).content.membership, "leave");
  },

  "an outlier stored rejected and later accepted into the timeline is no longer rejected"(sql) {
    const store = freshStore(sql);
    // Stored while its auth events were missing; they have since been fetched and it passed.
    store.insertEvent(pdu("$late"), { outlier: true, rejected: "auth events missing" });
    assert.equal(store.isRejected("$late"), true);
    const ordering = store.deOutlier("$late", 1, 2, false);
    const row = store.getRow("$late");
    assert.equal(row?.rejected, null);
    assert.equal(store.isRejected("$late"), false);
    assert.deepEqual([row?.outlier, row?.state_group, row?.state_group_after], [0, 1, 2]);
    assert.deepEqual(store.timelinePage(ordering + 1, "b", 10).map((r) => r.event_id), ["$late"], "shown in the timeline");

    // The same when backfill brings in an event held as a rejected outlier.
    store.insertEvent(pdu("$old"), { outlier: true, rejected: "auth events missing" });
    store.insertBackfilled(pdu("$old"), 1);
    assert.equal(store.isRejected("$old"), false);
    assert.equal(store.getRow("$old")?.outlier, 0);
  },
};
