/**
 * UserDirectoryStore and RoomDirectoryStore (durable-objects/server/), run inside workerd by
 * test/unit/stores.test.ts.
 */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { SERVER_MIGRATIONS } from "../../../schema/server.js";
import { UserDirectoryStore } from "../../../durable-objects/server/userDirectoryStore.js";
import { RoomDirectoryStore } from "../../../durable-objects/server/roomDirectoryStore.js";

function freshStore(sql: SqlStorage): UserDirectoryStore {
  migrate(sql, SERVER_MIGRATIONS);
  return new UserDirectoryStore(sql);
}

const ids = (users: { userId: string }[]) => users.map((u) => u.userId);

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "search finds oneself, users sharing a room and users in public rooms, no one else"(sql) {
    const store = freshStore(sql);
    for (const u of ["@alice:x", "@bob:x", "@carol:x", "@dave:x"]) store.upsertUser(u, null, null);
    store.joinRoom("@alice:x", "!shared:x", false);
    store.joinRoom("@bob:x", "!shared:x", false);
    store.joinRoom("@carol:x", "!public:x", true);
    store.joinRoom("@dave:x", "!private:x", false);
    assert.deepEqual(ids(store.search("@alice:x", ":x", 10)), ["@alice:x", "@bob:x", "@carol:x"]);
    // Once bob leaves the shared room, alice no longer finds him.
    store.leaveRoom("@bob:x", "!shared:x");
    assert.deepEqual(ids(store.search("@alice:x", ":x", 10)), ["@alice:x", "@carol:x"]);
    // dave's room turning public makes him findable.
    store.setRoomPublic("!private:x", true);
    assert.deepEqual(ids(store.search("@alice:x", ":x", 10)), ["@alice:x", "@carol:x", "@dave:x"]);
    store.setRoomPublic("!private:x", false);
    assert.deepEqual(ids(store.search("@alice:x", ":x", 10)), ["@alice:x", "@carol:x"]);
  },

  "search matches words of the user ID or display name by prefix, case-insensitively; LIKE wildcards match nothing"(sql) {
    const store = freshStore(sql);
    store.upsertUser("@alice:x", "Alice Liddell", "mxc://x/a");
    store.upsertUser("@bob:x", "100% Bob", null);
    store.joinRoom("@alice:x", "!p:x", true);
    store.joinRoom("@bob:x", "!p:x", true);
    assert.deepEqual(store.search("@me:x", "LIDDELL", 10), [{ userId: "@alice:x", displayname: "Alice Liddell", avatarUrl: "mxc://x/a" }]);
    // Punctuation only separates words (as in Synapse): a term of wildcards finds no one.
    assert.deepEqual(ids(store.search("@me:x", "%", 10)), []);
    assert.deepEqual(ids(store.search("@me:x", "_", 10)), []);
    assert.deepEqual(ids(store.search("@me:x", "idd", 10)), [], "a word's middle is no match");
    assert.deepEqual(ids(store.search("@me:x", "lid ali", 10)), ["@alice:x"], "every word, in any order");
    assert.deepEqual(ids(store.search("@me:x", "100 bo", 10)), ["@bob:x"]);
    assert.deepEqual(ids(store.search("@me:x", ":x", 1)), ["@alice:x"], "limit");
    // A profile update replaces the old one.
    store.upsertUser("@alice:x", "Al", null);
    assert.deepEqual(store.search("@me:x", "alice", 10), [{ userId: "@alice:x", displayname: "Al", avatarUrl: null }]);
  },

  "a room with no local member left is forgotten, with its remote members"(sql) {
    const store = freshStore(sql);
    store.upsertUser("@remote:y", "Remote", null);
    store.joinRoom("@local:x", "!r:x", true);
    store.joinRoom("@remote:y", "!r:x", true);
    assert.deepEqual(store.membersOf("!r:x").sort(), ["@local:x", "@remote:y"]);
    assert.deepEqual(ids(store.search("@other:x", "remote", 10)), ["@remote:y"]);
    assert.equal(store.hasMemberFrom("!r:x", "x"), true);
    assert.equal(store.hasMemberFrom("!r:x", "y"), true);
    assert.equal(store.hasMemberFrom("!r:x", "z"), false);
    assert.equal(store.hasMemberFrom("!other:x", "x"), false);
    store.leaveRoom("@local:x", "!r:x");
    assert.equal(store.hasMemberFrom("!r:x", "x"), false, "the remote member's server is not ours");
    store.forgetRoom("!r:x");
    assert.deepEqual(store.membersOf("!r:x"), []);
    assert.deepEqual(ids(store.search("@other:x", "remote", 10)), []);
  },

  "a removed user is gone from the search and from the users in rooms"(sql) {
    const store = freshStore(sql);
    store.upsertUser("@alice:x", null, null);
    store.upsertUser("@bob:x", null, null);
    store.joinRoom("@alice:x", "!p:x", true);
    store.joinRoom("@bob:x", "!p:x", true);
    assert.deepEqual(store.usersInRooms().sort(), ["@alice:x", "@bob:x"]);
    store.removeUser("@bob:x");
    assert.deepEqual(store.usersInRooms(), ["@alice:x"]);
    assert.deepEqual(ids(store.search("@alice:x", "bob", 10)), []);
  },

  "the room directory lists published rooms, largest first, and forgets unpublished ones"(sql) {
    migrate(sql, SERVER_MIGRATIONS);
    const rooms = new RoomDirectoryStore(sql);
    const summary = (room_id: string, n: number, name?: string) => ({ room_id, num_joined_members: n, world_readable: false, guest_can_join: false, ...(name ? { name } : {}) });
    rooms.publish("!b:x", summary("!b:x", 2));
    rooms.publish("!a:x", summary("!a:x", 2));
    rooms.publish("!c:x", summary("!c:x", 5));
    assert.deepEqual(rooms.summaries().map((s) => s.room_id), ["!c:x", "!a:x", "!b:x"]);
    rooms.updateSummary(summary("!a:x", 9, "A"));
    rooms.updateSummary(summary("!z:x", 50));
    assert.deepEqual(rooms.summaries()[0], summary("!a:x", 9, "A"));
    assert.equal(rooms.isPublished("!z:x"), false, "updating an unpublished room does not publish it");
    rooms.unpublish("!a:x");
    assert.equal(rooms.isPublished("!a:x"), false);
    assert.deepEqual(rooms.summaries().map((s) => s.room_id), ["!c:x", "!b:x"]);
  },
};
