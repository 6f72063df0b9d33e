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
};
