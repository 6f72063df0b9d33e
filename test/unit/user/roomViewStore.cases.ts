/** RoomViewStore (durable-objects/user/roomViewStore.ts), run inside workerd by test/unit/stores.test.ts. */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { USER_MIGRATIONS } from "../../../schema/user.js";
import { RoomViewStore } from "../../../durable-objects/user/roomViewStore.js";
import type { JsonObject } from "../../../protocol/json.js";

function freshStore(sql: SqlStorage): RoomViewStore {
  migrate(sql, USER_MIGRATIONS);
  return new RoomViewStore(sql);
}

function member(roomId: string, userId: string, membership: string, id = `$${roomId}${userId}${membership}`): JsonObject {
  return { event_id: id, room_id: roomId, type: "m.room.member", state_key: userId, sender: userId, content: { membership } };
}

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "a membership change replaces the previous one, and coming back un-forgets the room"(sql) {
    const rooms = freshStore(sql);
    rooms.setMembership("!r:x", "invite", "$i", 1, [{ type: "m.room.name", content: { name: "R" } }]);
    assert.deepEqual(rooms.inviteState("!r:x"), [{ type: "m.room.name", content: { name: "R" } }]);
    rooms.setMembership("!r:x", "leave", "$l", 2, undefined);
    assert.equal(rooms.inviteState("!r:x"), undefined);
    rooms.forget("!r:x");
    assert.deepEqual(rooms.unforgottenRooms(), []);
    rooms.setMembership("!r:x", "join", "$j", 3, undefined);
    const [room] = rooms.unforgottenRooms();
    assert.equal(room.membership, "join");
    assert.equal(room.membership_pos, 3);
    assert.equal(room.membership_event_id, "$j");
    assert.deepEqual(rooms.joinedRoomIds(), ["!r:x"]);
    assert.equal(rooms.membership("!nope:x"), undefined);
  },

  "the read position only moves forward; the latest move of the read marker is recorded"(sql) {
    const rooms = freshStore(sql);
    rooms.setMembership("!r:x", "join", "$j", 1, undefined);
    assert.equal(rooms.unforgottenRooms()[0].read_moved_pos, 0);
    rooms.advanceReadPos("!r:x", 10, 11);
    rooms.advanceReadPos("!r:x", 5, 12);
    assert.equal(rooms.unforgottenRooms()[0].read_pos, 10);
    assert.equal(rooms.unforgottenRooms()[0].read_moved_pos, 12);
  },

  "state keeps the latest event per (type, state_key); changedAfter selects by position; redaction replaces the copy"(sql) {
    const rooms = freshStore(sql);
    rooms.upsertState("!r:x", { event_id: "$n1", type: "m.room.name", state_key: "", content: { name: "A" } }, 1);
    rooms.upsertState("!r:x", member("!r:x", "@a:x", "join"), 2);
    rooms.upsertState("!r:x", { event_id: "$n2", type: "m.room.name", state_key: "", content: { name: "B" } }, 3);
    assert.deepEqual(rooms.state("!r:x").map((r) => r.event_id).sort(), ["$!r:x@a:xjoin", "$n2"]);
    assert.deepEqual(rooms.state("!r:x", 2).map((r) => r.event_id), ["$n2"]);
    rooms.redactState("!r:x", { event_id: "$n2", room_id: "!r:x", type: "m.room.name", state_key: "", sender: "@a:x", content: {}, origin_server_ts: 1 });
    assert.deepEqual((JSON.parse(rooms.state("!r:x", 2)[0].json) as JsonObject).content, {});
    assert.deepEqual(rooms.memberEvents("!r:x").map((m) => [m.stateKey, m.event.content.membership]), [["@a:x", "join"]]);
    rooms.replaceState("!r:x", [], 10, false);
    assert.deepEqual(rooms.state("!r:x"), []);
  },

  "users in joined rooms counts only joined members of rooms the user is joined to"(sql) {
    const rooms = freshStore(sql);
    rooms.setMembership("!j:x", "join", "$j", 1, undefined);
    rooms.setMembership("!l:x", "leave", "$l", 2, undefined);
    rooms.upsertState("!j:x", member("!j:x", "@me:x", "join"), 1);
    rooms.upsertState("!j:x", member("!j:x", "@b:y", "join"), 1);
    rooms.upsertState("!j:x", member("!j:x", "@invited:x", "invite"), 1);
    rooms.upsertState("!l:x", member("!l:x", "@c:x", "join"), 2);
    assert.deepEqual([...rooms.usersInJoinedRooms()].sort(), ["@b:y", "@me:x"]);
  },

  "ephemeral data is replaced in place, with its new position"(sql) {
    const rooms = freshStore(sql);
    rooms.setEphemeral("!r:x", "m.typing", { user_ids: ["@a:x"] }, 4);
    rooms.setEphemeral("!r:x", "m.typing", { user_ids: [] }, 9);
    assert.deepEqual(rooms.ephemeral("!r:x"), [{ type: "m.typing", content: { user_ids: [] }, pos: 9 }]);
    assert.deepEqual(rooms.ephemeral("!other:x"), []);
    rooms.setEphemeral("!s:x", "m.typing", { user_ids: ["@b:x"] }, 11);
    rooms.setEphemeral("!s:x", "m.other", { n: 1 }, 12);
    assert.deepEqual(
      [...rooms.ephemeralOfType("m.typing")].sort(([a], [b]) => a.localeCompare(b)),
      [
        ["!r:x", { content: { user_ids: [] }, pos: 9 }],
        ["!s:x", { content: { user_ids: ["@b:x"] }, pos: 11 }],
      ],
    );
  },

  "state of one type across every room: each event with its content, any state key"(sql) {
    const rooms = freshStore(sql);
    const ev = (roomId: string, type: string, stateKey: string, content: JsonObject): JsonObject => ({ event_id: `$${roomId}${type}${stateKey}`, room_id: roomId, type, state_key: stateKey, sender: "@a:x", content });
    rooms.upsertState("!a:x", ev("!a:x", "m.room.create", "", { type: "m.space" }), 1);
    rooms.upsertState("!a:x", ev("!a:x", "m.space.child", "!b:x", { via: ["x"] }), 2);
    rooms.upsertState("!a:x", ev("!a:x", "m.space.child", "!c:x", { via: ["x"] }), 3);
    rooms.upsertState("!b:x", ev("!b:x", "m.room.create", "", {}), 4);
    rooms.upsertState("!b:x", ev("!b:x", "m.room.name", "", { name: "B" }), 5);
    const sorted = (type: string) => rooms.stateOfType(type).sort((x, y) => `${x.roomId}|${x.stateKey}`.localeCompare(`${y.roomId}|${y.stateKey}`));
    assert.deepEqual(sorted("m.room.create"), [
      { roomId: "!a:x", stateKey: "", content: { type: "m.space" } },
      { roomId: "!b:x", stateKey: "", content: {} },
    ]);
    assert.deepEqual(sorted("m.space.child"), [
      { roomId: "!a:x", stateKey: "!b:x", content: { via: ["x"] } },
      { roomId: "!a:x", stateKey: "!c:x", content: { via: ["x"] } },
    ]);
    assert.deepEqual(sorted("m.room.encryption"), []);
  },

  "stateAt reads the state as it was at a stream position: replaced versions stay readable, a redelivery changes nothing"(sql) {
    const rooms = freshStore(sql);
    const name = (id: string, n: string): JsonObject => ({ event_id: id, room_id: "!r:x", type: "m.room.name", state_key: "", sender: "@a:x", content: { name: n } });
    rooms.upsertState("!r:x", member("!r:x", "@a:x", "join", "$a"), 1);
    rooms.upsertState("!r:x", name("$n1", "One"), 3);
    rooms.upsertState("!r:x", name("$n2", "Two"), 7);
    rooms.upsertState("!r:x", name("$n2", "Two"), 9);
    const at = (pos: number, after?: number) => rooms.stateAt("!r:x", pos, after).map((r) => `${r.event_id}@${r.pos}`).sort();
    assert.deepEqual(at(0), []);
    assert.deepEqual(at(2), ["$a@1"]);
    assert.deepEqual(at(6), ["$a@1", "$n1@3"]);
    assert.deepEqual(at(7), ["$a@1", "$n2@7"]);
    assert.deepEqual(at(100), ["$a@1", "$n2@7"]);
    assert.deepEqual(at(6, 1), ["$n1@3"], "only what changed after position 1");
    assert.deepEqual(rooms.stateAt("!r:x", 6, -1, ["@a:x"]).map((r) => r.event_id), ["$a"]);
    assert.deepEqual(rooms.stateAt("!r:x", 6, -1, ["@b:x"]), []);
    // The state at 6 is the state at 100 set by then plus what was replaced in between.
    const between = (at: number, until: number, after?: number) => rooms.replacedBetween("!r:x", at, until, after).map((r) => `${r.event_id}@${r.pos}`);
    assert.deepEqual(between(6, 100), ["$n1@3"]);
    assert.deepEqual(between(6, 6), [], "nothing replaced in an empty span");
    assert.deepEqual(between(2, 100), [], "$n1 was not set yet at 2");
    assert.deepEqual(between(6, 100, 3), [], "only what changed after position 3");
    // A redaction reaches the replaced version too.
    rooms.redactState("!r:x", { ...name("$n1", ""), content: {} } as never);
    assert.deepEqual(rooms.stateAt("!r:x", 5).filter((r) => r.event_id === "$n1").map((r) => JSON.parse(r.json).content), [{}]);
    // A full state replacing the copy (a rejoin at 20, copied at 19) keeps the old versions readable before it.
    rooms.replaceState("!r:x", [member("!r:x", "@a:x", "join", "$a"), name("$n3", "Three")], 19, false);
    assert.deepEqual(at(6), ["$a@1", "$n1@3"]);
    assert.deepEqual(at(18), ["$a@1", "$n2@7"]);
    assert.deepEqual(at(19), ["$a@19", "$n3@19"], "a rejoin's copy is all set at its position");
    assert.deepEqual(at(100, 18), ["$a@19", "$n3@19"]);
  },

  "a full state while the user stays joined (a profile change) keeps unchanged entries where they were; keys it lacks end"(sql) {
    const rooms = freshStore(sql);
    const topic = (id: string): JsonObject => ({ event_id: id, room_id: "!r:x", type: "m.room.topic", state_key: "", sender: "@a:x", content: { topic: id } });
    rooms.upsertState("!r:x", member("!r:x", "@a:x", "join", "$a1"), 1);
    rooms.upsertState("!r:x", topic("$t1"), 2);
    rooms.upsertState("!r:x", { ...topic("$gone"), type: "m.room.gone" }, 3);
    rooms.replaceState("!r:x", [member("!r:x", "@a:x", "join", "$a2"), topic("$t1")], 9, true);
    const at = (pos: number) => rooms.stateAt("!r:x", pos).map((r) => `${r.event_id}@${r.pos}`).sort();
    assert.deepEqual(at(8), ["$a1@1", "$gone@3", "$t1@2"]);
    assert.deepEqual(at(9), ["$a2@9", "$t1@2"]);
  },

  "the state changed after a position is read by the (room_id, pos) index, not by walking all of the room's state"(sql) {
    freshStore(sql);
    const plan = sql
      .exec<{ detail: string }>("EXPLAIN QUERY PLAN SELECT event_id, json, type, state_key, pos FROM room_state WHERE room_id = ?1 AND pos <= ?2 AND pos > ?3", "!r:x", 9, 5)
      .toArray()
      .map((r) => r.detail)
      .join("\n");
    assert.match(plan, /USING INDEX room_state_pos \(room_id=\? AND pos>\? AND pos<\?\)/);
  },

  "upsertState tells whether it replaced a version; pruning forgets only versions replaced before the horizon"(sql) {
    const rooms = freshStore(sql);
    const name = (id: string): JsonObject => ({ event_id: id, room_id: "!r:x", type: "m.room.name", state_key: "", sender: "@a:x", content: { name: id } });
    assert.equal(rooms.upsertState("!r:x", name("$n1"), 1), false);
    assert.equal(rooms.upsertState("!r:x", name("$n2"), 5), true);
    assert.equal(rooms.upsertState("!r:x", name("$n2"), 6), false, "a redelivery replaces nothing");
    assert.equal(rooms.upsertState("!r:x", name("$n3"), 9), true);
    rooms.upsertState("!s:x", name("$s1"), 1);
    rooms.upsertState("!s:x", name("$s2"), 2);
    const at = (room: string, pos: number) => rooms.stateAt(room, pos).map((r) => r.event_id);
    // A timeline starting at 6 or later reads the state at 5 or later: the version replaced at 5 is never read.
    rooms.pruneStatePrior("!r:x", 6);
    assert.deepEqual(at("!r:x", 4), [], "$n1 (replaced at 5) is gone");
    assert.deepEqual(at("!r:x", 5), ["$n2"]);
    assert.deepEqual(at("!r:x", 8), ["$n2"]);
    assert.deepEqual(at("!r:x", 9), ["$n3"]);
    assert.deepEqual(at("!s:x", 1), ["$s1"], "other rooms keep theirs");
  },

  "memberships: each member's membership and when it was set"(sql) {
    const rooms = freshStore(sql);
    rooms.upsertState("!r:x", { ...member("!r:x", "@a:x", "join"), origin_server_ts: 5 }, 2);
    rooms.upsertState("!r:x", member("!r:x", "@b:x", "invite"), 3);
    assert.deepEqual(
      rooms.memberships("!r:x").sort((x, y) => x.pos - y.pos),
      [
        { userId: "@a:x", membership: "join", pos: 2, ts: 5 },
        { userId: "@b:x", membership: "invite", pos: 3, ts: 0 },
      ],
    );
  },
};
