/**
 * SlidingConnectionStore (durable-objects/user/slidingSync/connectionStore.ts), run inside workerd
 * by test/unit/stores.test.ts: sliding sync connections, their generations ("pos") and what each
 * room was last sent with.
 */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { USER_MIGRATIONS } from "../../../schema/user.js";
import { AccountStore } from "../../../durable-objects/user/accountStore.js";
import { SlidingConnectionStore, type SentRoom } from "../../../durable-objects/user/slidingSync/connectionStore.js";

function freshStore(sql: SqlStorage): SlidingConnectionStore {
  migrate(sql, USER_MIGRATIONS);
  return new SlidingConnectionStore(sql);
}

const sent = (roomId: string, sentPos: number, membership = "join"): SentRoom => ({ roomId, sentPos, config: JSON.stringify({ timelineLimit: sentPos }), membership });
const at = (streamPos: number, parent = 0) => ({ parent, streamPos, listCounts: JSON.stringify({ all_rooms: { count: streamPos } }) });

/** Room ID → sent_pos as of a generation, as sentRooms reads it. */
function sentPositions(store: SlidingConnectionStore, conn: number, gen = 1000): Record<string, number> {
  return Object.fromEntries([...store.sentRooms(conn, gen)].map(([id, r]) => [id, r.sentPos]));
}

/** The rows sliding_rooms holds for a connection (read directly: sentRooms would hide duplicates). */
function roomRows(sql: SqlStorage, conn: number): string[] {
  return sql
    .exec<{ room_id: string; gen: number }>("SELECT room_id, gen FROM sliding_rooms WHERE conn = ? ORDER BY room_id, gen", conn)
    .toArray()
    .map((r) => `${r.room_id}@${r.gen}`);
}

/** A connection with generations 1..3, each built on the one before, as a client might have been given them. */
function threeGenerations(store: SlidingConnectionStore): number {
  const conn = store.start("D", "room-list", "n1", "{}", 1).id;
  store.addGeneration(conn, 1, at(10), [sent("!a:x", 10), sent("!b:x", 10)]);
  store.addGeneration(conn, 2, at(20, 1), [sent("!a:x", 20), sent("!c:x", 20)]);
  store.addGeneration(conn, 3, at(30, 2), [sent("!a:x", 30), sent("!b:x", 30, "leave"), sent("!d:x", 30)]);
  return conn;
}

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "start creates a connection per (device, conn_id), found with its nonce and request"(sql) {
    const store = freshStore(sql);
    assert.equal(store.find("D", "room-list"), undefined);
    const conn = store.start("D", "room-list", "n1", '{"lists":{}}', 1);
    assert.deepEqual(store.find("D", "room-list"), conn);
    assert.equal(conn.nonce, "n1");
    assert.equal(conn.request, '{"lists":{}}');
    assert.equal(store.find("D", "encryption"), undefined);
    assert.equal(store.find("E", "room-list"), undefined);
    const other = store.start("D", "encryption", "n2", "{}", 1);
    const elsewhere = store.start("E", "room-list", "n3", "{}", 1);
    assert.equal(new Set([conn.id, other.id, elsewhere.id]).size, 3);
    assert.equal(store.find("D", "room-list")?.nonce, "n1");
    assert.equal(store.find("E", "room-list")?.nonce, "n3");
    assert.equal(store.position(conn.id, 1), undefined);
    assert.equal(store.sentRooms(conn.id, 1000).size, 0);
  },

  "starting a connection again forgets its generations and rooms, and no other connection's"(sql) {
    const store = freshStore(sql);
    const old = store.start("D", "room-list", "n1", "{}", 1);
    store.addGeneration(old.id, 1, at(10), [sent("!a:x", 10)]);
    const other = store.start("D", "encryption", "e1", "{}", 1);
    store.addGeneration(other.id, 1, at(10), [sent("!a:x", 10)]);

    const again = store.start("D", "room-list", "n2", '{"again":true}', 2);
    assert.notEqual(again.id, old.id);
    assert.deepEqual(store.find("D", "room-list"), { id: again.id, nonce: "n2", request: '{"again":true}', lastUsedTs: 2 });
    assert.equal(store.position(old.id, 1), undefined);
    assert.equal(store.sentRooms(old.id, 1000).size, 0);
    assert.deepEqual(roomRows(sql, old.id), []);
    assert.equal(store.position(again.id, 1), undefined);
    assert.equal(store.sentRooms(again.id, 1000).size, 0);

    assert.deepEqual(store.position(other.id, 1), at(10));
    assert.deepEqual(sentPositions(store, other.id), { "!a:x": 10 });
  },

  "setRequest replaces the stored request and records when the connection was last used"(sql) {
    const store = freshStore(sql);
    const conn = store.start("D", "room-list", "n1", "{}", 1);
    assert.equal(conn.lastUsedTs, 1);
    store.setRequest(conn.id, '{"lists":{"all":{}}}', 5);
    assert.deepEqual(store.find("D", "room-list"), { id: conn.id, nonce: "n1", request: '{"lists":{"all":{}}}', lastUsedTs: 5 });
  },

  "addGeneration records its position and rooms; an unknown generation has no position"(sql) {
    const store = freshStore(sql);
    const conn = store.start("D", "room-list", "n1", "{}", 1).id;
    store.addGeneration(conn, 1, at(10), [sent("!a:x", 10, "invite"), sent("!b:x", 9)]);
    assert.deepEqual(store.position(conn, 1), at(10));
    assert.equal(store.position(conn, 2), undefined);
    assert.equal(store.position(conn, 0), undefined);
    assert.deepEqual(store.sentRooms(conn, 1).get("!a:x"), sent("!a:x", 10, "invite"));
    assert.deepEqual(store.sentRooms(conn, 1).get("!b:x"), sent("!b:x", 9));
    store.addGeneration(conn, 2, at(20), []);
    assert.deepEqual(store.position(conn, 2), at(20));
    assert.deepEqual(store.position(conn, 1), at(10), "a new generation keeps the previous one until the client settles");
  },

  "addGeneration again for the same generation (rebuilt after a retry) replaces it"(sql) {
    const store = freshStore(sql);
    const conn = store.start("D", "room-list", "n1", "{}", 1).id;
    store.addGeneration(conn, 1, at(10), [sent("!a:x", 10)]);
    store.addGeneration(conn, 1, at(15), [sent("!a:x", 15)]);
    assert.deepEqual(store.position(conn, 1), at(15));
    assert.deepEqual(roomRows(sql, conn), ["!a:x@1"]);
    assert.deepEqual(sentPositions(store, conn), { "!a:x": 15 });
  },

  "settleAt the latest generation keeps only its position and, per room, its latest row"(sql) {
    const store = freshStore(sql);
    const conn = threeGenerations(store);
    store.settleAt(conn, 3);
    assert.equal(store.position(conn, 1), undefined);
    assert.equal(store.position(conn, 2), undefined);
    assert.deepEqual(store.position(conn, 3), at(30, 2));
    assert.deepEqual(roomRows(sql, conn), ["!a:x@3", "!b:x@3", "!c:x@2", "!d:x@3"]);
    assert.deepEqual(sentPositions(store, conn, 3), { "!a:x": 30, "!b:x": 30, "!c:x": 20, "!d:x": 30 });
    assert.equal(store.sentRooms(conn, 3).get("!b:x")?.membership, "leave");
    assert.equal(store.nextGen(conn), 4);
  },

  "a retried pos: rooms are as that generation left them, its unprocessed child is ignored and goes once the retry's answer is processed"(sql) {
    const store = freshStore(sql);
    const conn = threeGenerations(store);
    store.settleAt(conn, 2);
    assert.equal(store.position(conn, 1), undefined);
    assert.deepEqual(store.position(conn, 2), at(20, 1));
    assert.deepEqual(sentPositions(store, conn, 2), { "!a:x": 20, "!b:x": 10, "!c:x": 20 });
    assert.deepEqual(store.sentRooms(conn, 2).get("!b:x"), sent("!b:x", 10));

    // The retry's answer is a new generation, never a reused number.
    assert.equal(store.nextGen(conn), 4);
    store.addGeneration(conn, 4, at(35, 2), [sent("!e:x", 35)]);
    store.settleAt(conn, 4);
    assert.equal(store.position(conn, 2), undefined);
    assert.equal(store.position(conn, 3), undefined);
    assert.deepEqual(roomRows(sql, conn), ["!a:x@2", "!b:x@1", "!c:x@2", "!e:x@4"]);
    assert.deepEqual(sentPositions(store, conn, 4), { "!a:x": 20, "!b:x": 10, "!c:x": 20, "!e:x": 35 });
  },

  "a late duplicate of a cancelled request neither undoes the answer the client processed nor counts for it"(sql) {
    const store = freshStore(sql);
    const conn = store.start("D", "room-list", "n1", "{}", 1).id;
    store.addGeneration(conn, 1, at(10), [sent("!a:x", 10)]);
    store.settleAt(conn, 1);
    // The live request (pos 1) is answered with generation 2 ...
    store.addGeneration(conn, 2, at(20, 1), [sent("!b:x", 20)]);
    // ... then the cancelled one (also pos 1) runs late and builds generation 3.
    store.settleAt(conn, 1);
    assert.deepEqual(store.position(conn, 2), at(20, 1), "the processed answer survives");
    store.addGeneration(conn, 3, at(25, 1), [sent("!c:x", 25)]);
    // The client goes on from generation 2: what generation 3 sent is not counted as sent.
    store.settleAt(conn, 2);
    assert.deepEqual(sentPositions(store, conn, 2), { "!a:x": 10, "!b:x": 20 });
    store.addGeneration(conn, store.nextGen(conn), at(30, 2), [sent("!d:x", 30)]);
    store.settleAt(conn, 4);
    assert.deepEqual(roomRows(sql, conn), ["!a:x@1", "!b:x@2", "!d:x@4"]);
  },

  "settleAt the first generation keeps it and its children; settling twice changes nothing"(sql) {
    const store = freshStore(sql);
    const conn = threeGenerations(store);
    store.settleAt(conn, 1);
    assert.deepEqual(store.position(conn, 1), at(10));
    assert.deepEqual(sentPositions(store, conn, 1), { "!a:x": 10, "!b:x": 10 });
    store.settleAt(conn, 1);
    assert.deepEqual(store.position(conn, 1), at(10));
    assert.deepEqual(store.position(conn, 2), at(20, 1));
    assert.deepEqual(sentPositions(store, conn, 1), { "!a:x": 10, "!b:x": 10 });
  },

  "settleAt touches no other connection"(sql) {
    const store = freshStore(sql);
    const conn = threeGenerations(store);
    const other = store.start("E", "room-list", "m1", "{}", 1).id;
    store.addGeneration(other, 1, at(10), [sent("!a:x", 10)]);
    store.addGeneration(other, 2, at(20, 1), [sent("!a:x", 20)]);
    store.settleAt(conn, 3);
    assert.deepEqual(store.position(other, 1), at(10));
    assert.deepEqual(store.position(other, 2), at(20, 1));
    assert.deepEqual(roomRows(sql, other), ["!a:x@1", "!a:x@2"]);
  },

  "pruneDevice keeps the device's most recently used connections and drops the rest with their data"(sql) {
    const store = freshStore(sql);
    const c1 = store.start("D", "c1", "n", "{}", 1).id;
    const c2 = store.start("D", "c2", "n", "{}", 2).id;
    const c3 = store.start("D", "c3", "n", "{}", 3).id;
    const e1 = store.start("E", "c1", "n", "{}", 0).id;
    for (const c of [c1, c2, c3, e1]) store.addGeneration(c, 1, at(10), [sent("!a:x", 10)]);
    store.setRequest(c1, "{}", 10);

    store.pruneDevice("D", 2);
    assert.equal(store.find("D", "c2"), undefined);
    assert.equal(store.position(c2, 1), undefined);
    assert.deepEqual(roomRows(sql, c2), []);
    assert.equal(store.find("D", "c1")?.id, c1);
    assert.equal(store.find("D", "c3")?.id, c3);
    assert.deepEqual(store.position(c1, 1), at(10));
    assert.deepEqual(sentPositions(store, c3), { "!a:x": 10 });
    assert.equal(store.find("E", "c1")?.id, e1, "another device's connections are not counted or dropped");

    store.pruneDevice("D", 2);
    assert.equal(store.find("D", "c1")?.id, c1);
    assert.equal(store.find("D", "c3")?.id, c3);
    store.pruneDevice("D", 0);
    assert.equal(store.find("D", "c1"), undefined);
    assert.equal(store.find("D", "c3"), undefined);
    assert.deepEqual(store.position(e1, 1), at(10));
  },

  "pruneDevice: of connections used at the same time, the newest is kept"(sql) {
    const store = freshStore(sql);
    store.start("D", "first", "n", "{}", 5);
    const second = store.start("D", "second", "n", "{}", 5).id;
    store.pruneDevice("D", 1);
    assert.equal(store.find("D", "first"), undefined);
    assert.equal(store.find("D", "second")?.id, second);
  },

  "dropGoneDevices removes the connections of devices not in devices, with their data"(sql) {
    const store = freshStore(sql);
    const accounts = new AccountStore(sql);
    accounts.prepareLoginDevice("D", "phone", 1);
    accounts.addDeviceWithoutLogin("DEHYDRATED", undefined, 1);
    const d = store.start("D", "room-list", "n", "{}", 1).id;
    const d2 = store.start("D", "encryption", "n", "{}", 1).id;
    const gone = store.start("GONE", "room-list", "n", "{}", 1).id;
    const dehydrated = store.start("DEHYDRATED", "room-list", "n", "{}", 1).id;
    for (const c of [d, d2, gone, dehydrated]) store.addGeneration(c, 1, at(10), [sent("!a:x", 10)]);

    store.dropGoneDevices();
    assert.equal(store.find("GONE", "room-list"), undefined);
    assert.equal(store.position(gone, 1), undefined);
    assert.deepEqual(roomRows(sql, gone), []);
    assert.equal(store.find("D", "room-list")?.id, d);
    assert.equal(store.find("D", "encryption")?.id, d2);
    assert.equal(store.find("DEHYDRATED", "room-list")?.id, dehydrated);
    assert.deepEqual(store.position(d, 1), at(10));

    accounts.deleteDevice("D");
    store.dropGoneDevices();
    assert.equal(store.find("D", "room-list"), undefined);
    assert.equal(store.find("D", "encryption"), undefined);
    assert.equal(store.sentRooms(d2, 1000).size, 0);
    assert.equal(store.find("DEHYDRATED", "room-list")?.id, dehydrated);
  },
};
