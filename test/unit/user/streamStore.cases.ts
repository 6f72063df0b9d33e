/** StreamStore (durable-objects/user/streamStore.ts), run inside workerd by test/unit/stores.test.ts. */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { USER_MIGRATIONS } from "../../../schema/user.js";
import { StreamStore } from "../../../durable-objects/user/streamStore.js";
import type { ClientEvent } from "../../../protocol/clientEvent.js";

function freshStore(sql: SqlStorage): StreamStore {
  migrate(sql, USER_MIGRATIONS);
  return new StreamStore(sql);
}

function event(id: string, body = id): ClientEvent {
  return { event_id: id, room_id: "!r:x", sender: "@a:x", type: "m.room.message", content: { body }, origin_server_ts: 1000 } as ClientEvent;
}

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "positions grow with each append, and the latest is the stream's end"(sql) {
    const stream = freshStore(sql);
    assert.equal(stream.maxPos(), 0);
    const a = stream.append("presence", null, null, { sender: "@b:x" }, null, 0, 0);
    const b = stream.append("event", "!r:x", "$e", { event: event("$e") }, 7, 1, 0);
    assert.ok(b > a);
    assert.equal(stream.maxPos(), b);
    assert.equal(stream.posOfEvent("!r:x", "$e"), b);
    assert.equal(stream.posOfEvent("!r:x", "$nope"), undefined);
    assert.notEqual(stream.posOfEvent("!r:x", "$e"), undefined);
    assert.equal(stream.posOfEvent("!other:x", "$e"), undefined);
  },

  "a room's latest events come newest first, between two positions and up to the limit"(sql) {
    const stream = freshStore(sql);
    const pos = ["$1", "$2", "$3", "$4"].map((id, i) => stream.append("event", "!r:x", id, { event: event(id) }, 100 + i, 0, 0));
    stream.append("event", "!s:x", "$other", { event: event("$other") }, 1, 0, 0);
    stream.append("receipt", "!r:x", null, {}, null, 0, 0);
    const latest = stream.latestRoomEvents("!r:x", 0, Number.MAX_SAFE_INTEGER, 3);
    assert.deepEqual(latest.map((e) => e.stored.event.event_id), ["$4", "$3", "$2"]);
    assert.equal(latest[2].roomOrdering, 101);
    // (from, to]: the event at `from` is excluded, the one at `to` included.
    assert.deepEqual(stream.latestRoomEvents("!r:x", pos[0], pos[2], 10).map((e) => e.pos), [pos[2], pos[1]]);
  },

  "the user's latest departure from a room after a position: its own membership events other than join"(sql) {
    const stream = freshStore(sql);
    const member = (id: string, who: string, membership: string, room = "!r:x") =>
      stream.append("event", room, id, { event: { ...event(id), room_id: room, type: "m.room.member", state_key: who, content: { membership } } }, 1, 0, 0);
    const j1 = member("$j1", "@a:x", "join");
    const l1 = member("$l1", "@a:x", "leave");
    member("$j2", "@a:x", "join");
    member("$other", "@b:x", "leave");
    member("$elsewhere", "@a:x", "ban", "!s:x");
    assert.equal(stream.lastDepartureAfter("!r:x", "@a:x", 0), l1);
    assert.equal(stream.lastDepartureAfter("!r:x", "@a:x", l1), undefined);
    assert.equal(stream.lastDepartureAfter("!r:x", "@b:x", j1) !== undefined, true);
  },

  "the n-th latest event of a room, counting only that room's events"(sql) {
    const stream = freshStore(sql);
    const pos = ["$1", "$2", "$3"].map((id, i) => stream.append("event", "!r:x", id, { event: event(id) }, i, 0, 0));
    stream.append("event", "!s:x", "$other", { event: event("$other") }, 1, 0, 0);
    stream.append("receipt", "!r:x", null, {}, null, 0, 0);
    assert.equal(stream.nthLatestRoomEventPos("!r:x", 1), pos[2]);
    assert.equal(stream.nthLatestRoomEventPos("!r:x", 3), pos[0]);
    assert.equal(stream.nthLatestRoomEventPos("!r:x", 4), undefined);
  },

  "the n-th latest event is counted in the index of room events, without reading the stream's rows"(sql) {
    freshStore(sql);
    const plan = sql
      .exec<{ detail: string }>("EXPLAIN QUERY PLAN SELECT pos FROM stream WHERE room_id = ?1 AND kind = 'event' ORDER BY pos DESC LIMIT 1 OFFSET ?2", "!r:x", 999)
      .toArray()
      .map((r) => r.detail)
      .join("\n");
    assert.match(plan, /USING COVERING INDEX stream_room_events \(room_id=\?\)/);
  },

  "a parent's children are found by their m.relates_to, in stream order, in that room only; a redacted child no longer relates"(sql) {
    const stream = freshStore(sql);
    const child = (id: string, parent: string, room = "!r:x") =>
      ({ ...event(id), room_id: room, content: { body: id, "m.relates_to": { rel_type: "m.thread", event_id: parent } } }) as ClientEvent;
    stream.append("event", "!r:x", "$p", { event: event("$p") }, 1, 0, 0);
    stream.append("event", "!r:x", "$c1", { event: child("$c1", "$p") }, 2, 0, 0);
    stream.append("event", "!r:x", "$q1", { event: child("$q1", "$q") }, 3, 0, 0);
    stream.append("event", "!s:x", "$elsewhere", { event: child("$elsewhere", "$p", "!s:x") }, 1, 0, 0);
    stream.append("event", "!r:x", "$c2", { event: child("$c2", "$p") }, 4, 0, 0);
    assert.deepEqual(stream.childrenOf("!r:x", ["$p"]).map((c) => c.event.event_id), ["$c1", "$c2"]);
    assert.deepEqual(stream.childrenOf("!r:x", ["$p", "$q"]).map((c) => c.event.event_id), ["$c1", "$q1", "$c2"]);
    assert.deepEqual(stream.childrenOf("!r:x", []), []);
    stream.redactEvent("!r:x", { ...event("$c1"), content: {} });
    assert.deepEqual(stream.childrenOf("!r:x", ["$p"]).map((c) => c.event.event_id), ["$c2"]);
  },

  "a redacted event's stored copy is replaced, so later reads never see the content"(sql) {
    const stream = freshStore(sql);
    stream.append("event", "!r:x", "$e", { event: event("$e", "secret"), txn: { deviceId: "D", txnId: "t1" } }, 1, 0, 0);
    stream.redactEvent("!r:x", { ...event("$e"), content: {} });
    const [e] = stream.latestRoomEvents("!r:x", 0, Number.MAX_SAFE_INTEGER, 1);
    assert.deepEqual(e.stored.event.content, {});
    // Only the event is replaced: the transaction that sent it is kept.
    assert.deepEqual(e.stored.txn, { deviceId: "D", txnId: "t1" });
  },

  "entries of a kind read back after a position, oldest first, each kind apart"(sql) {
    const stream = freshStore(sql);
    const first = stream.append("account_data", null, null, { type: "a" }, null, 0, 0);
    stream.append("presence", null, null, { sender: "@p:x" }, null, 0, 0);
    stream.append("account_data", null, null, { type: "b" }, null, 0, 0);
    stream.append("room_account_data", "!r:x", null, { type: "c" }, null, 0, 0);
    const d1 = stream.append("device_list", null, null, { user_id: "@d1:x" }, null, 0, 0);
    const d2 = stream.append("device_list", null, null, { user_id: "@d2:x", left: true }, null, 0, 0);
    assert.deepEqual(stream.dataSince("account_data", -1), [{ type: "a" }, { type: "b" }]);
    assert.deepEqual(stream.dataSince("account_data", first), [{ type: "b" }]);
    assert.deepEqual(stream.dataSince("presence", -1), [{ sender: "@p:x" }]);
    assert.deepEqual(stream.roomDataSince("!r:x", "room_account_data", -1), [{ type: "c" }]);
    assert.deepEqual(stream.roomDataSince("!r:x", "receipt", -1), []);
    assert.deepEqual(stream.deviceListData(d1, d2), [{ user_id: "@d2:x", left: true }]);
    assert.deepEqual(stream.deviceListData(0, d1), [{ user_id: "@d1:x" }]);
  },

  "unread counts sum the push outcomes of the room's events after the read position"(sql) {
    const stream = freshStore(sql);
    const a = stream.append("event", "!r:x", "$a", { event: event("$a") }, 1, 1, 1);
    stream.append("event", "!r:x", "$b", { event: event("$b") }, 2, 1, 0);
    stream.append("event", "!r:x", "$c", { event: event("$c") }, 3, 0, 0);
    stream.append("event", "!s:x", "$d", { event: event("$d") }, 1, 1, 1);
    assert.deepEqual(stream.unreadCounts("!r:x", 0), { notification_count: 2, highlight_count: 1 });
    assert.deepEqual(stream.unreadCounts("!r:x", a), { notification_count: 1, highlight_count: 0 });
    assert.deepEqual(stream.unreadCounts("!empty:x", 0), { notification_count: 0, highlight_count: 0 });
  },
};
