/**
 * Room upgrades (spec: Room Upgrades module, POST /rooms/{roomId}/upgrade) through matrix-js-sdk's
 * upgradeRoom: the replacement room, the tombstone members see in /sync, the copied state, moved
 * aliases, the old room's raised power levels, and every refusal leaving the room as it was.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { MatrixClient } from "matrix-js-sdk";
import { startServer, registerUser, call, api, apiOk, type RunningServer, type TestUser } from "./harness.js";
import { startClient, eventually } from "./sdkHelpers.js";

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let aliceClient: MatrixClient;
let bobClient: MatrixClient;
const enc = encodeURIComponent;

async function createRoom(user: TestUser, body: Record<string, unknown>): Promise<string> {
  return String((await apiOk(server, user, "POST", "/createRoom", body)).room_id);
}

async function stateContent(user: TestUser, roomId: string, type: string, key = ""): Promise<Record<string, unknown> | undefined> {
  const r = await api(server, user, "GET", `/rooms/${enc(roomId)}/state/${type}/${enc(key)}`);
  return r.status === 200 ? r.body : undefined;
}

async function joinedRooms(user: TestUser): Promise<string[]> {
  return (await apiOk(server, user, "GET", "/joined_rooms")).joined_rooms as string[];
}

before(async () => {
  server = await startServer();
  alice = await registerUser(server.baseUrl, "alice");
  bob = await registerUser(server.baseUrl, "bob");
  carol = await registerUser(server.baseUrl, "carol");
  aliceClient = await startClient(server.baseUrl, alice);
  bobClient = await startClient(server.baseUrl, bob);
});
after(async () => {
  aliceClient?.stopClient();
  bobClient?.stopClient();
  await server?.stop();
});

test("upgrading a public room: tombstone in sync, state copied, aliases and directory entry moved, old room closed; bob follows", async () => {
  const oldId = await createRoom(alice, {
    preset: "public_chat",
    visibility: "public",
    room_version: "10",
    name: "Upgrade me",
    topic: "old topic",
    room_alias_name: "upgrade-me",
    initial_state: [{ type: "m.room.history_visibility", content: { history_visibility: "world_readable" } }],
  });
  await apiOk(server, bob, "POST", `/join/${enc(oldId)}`, {});
  await apiOk(server, alice, "POST", `/rooms/${enc(oldId)}/ban`, { user_id: carol.userId, reason: "spam" });
  await eventually("bob sees himself joined", () => bobClient.getRoom(oldId)?.getMyMembership() === "join");

  const { replacement_room: newId } = await aliceClient.upgradeRoom(oldId, "11");
  assert.ok(newId.startsWith("!") && newId !== oldId);

  // The tombstone reaches bob's sync as room state.
  const tombstone = await eventually("the tombstone in bob's sync", () => bobClient.getRoom(oldId)?.currentState.getStateEvents("m.room.tombstone", "") ?? undefined);
  assert.equal(tombstone.getContent().replacement_room, newId);
  assert.equal(typeof tombstone.getContent().body, "string");
  assert.equal(tombstone.getSender(), alice.userId);

  const create = await stateContent(alice, newId, "m.room.create");
  assert.equal(create?.room_version, "11");
  assert.equal((create?.predecessor as Record<string, unknown>).room_id, oldId);
  assert.match(String((create?.predecessor as Record<string, unknown>).event_id), /^\$/);
  assert.equal((await stateContent(alice, newId, "m.room.name"))?.name, "Upgrade me");
  assert.equal((await stateContent(alice, newId, "m.room.topic"))?.topic, "old topic");
  assert.equal((await stateContent(alice, newId, "m.room.join_rules"))?.join_rule, "public");
  assert.equal((await stateContent(alice, newId, "m.room.history_visibility"))?.history_visibility, "world_readable");
  assert.equal((await stateContent(alice, newId, "m.room.member", carol.userId))?.membership, "ban");
  const newPl = await stateContent(alice, newId, "m.room.power_levels");
  assert.equal((newPl?.users as Record<string, number>)[alice.userId], 100);
  assert.equal(newPl?.events_default, 0);

  // The alias now leads to the new room, whose canonical alias it is; the old room lost it.
  const alias = `#upgrade-me:${server.serverName}`;
  assert.equal((await apiOk(server, alice, "GET", `/directory/room/${enc(alias)}`)).room_id, newId);
  assert.equal((await stateContent(alice, newId, "m.room.canonical_alias"))?.alias, alias);
  assert.equal((await stateContent(alice, oldId, "m.room.canonical_alias"))?.alias, undefined);
  assert.equal((await apiOk(server, alice, "GET", `/directory/list/room/${enc(newId)}`)).visibility, "public");
  assert.equal((await apiOk(server, alice, "GET", `/directory/list/room/${enc(oldId)}`)).visibility, "private");

  // The old room: ordinary members can no longer speak or invite.
  const oldPl = await stateContent(alice, oldId, "m.room.power_levels");
  assert.equal(oldPl?.events_default, 50);
  assert.equal(oldPl?.invite, 50);
  const said = await api(server, bob, "PUT", `/rooms/${enc(oldId)}/send/m.room.message/after-upgrade`, { msgtype: "m.text", body: "hi" });
  assert.equal(said.status, 403);
  assert.equal(said.body.errcode, "M_FORBIDDEN");

  // Bob follows the tombstone, with its sender's server as via (spec: client behaviour).
  await bobClient.joinRoom(newId, { viaServers: [server.serverName] });
  assert.ok((await joinedRooms(bob)).includes(newId));
  assert.ok((await joinedRooms(alice)).includes(newId));
});

test("upgrading an invite-only room invites its members to the replacement", async () => {
  const oldId = await createRoom(alice, { preset: "private_chat", room_version: "10", invite: [bob.userId] });
  await apiOk(server, bob, "POST", `/join/${enc(oldId)}`, {});
  // Bob's tag on the room and his direct-chat list follow it to its replacement.
  await bobClient.setRoomTag(oldId, "m.favourite", { order: 0.5 });
  await apiOk(server, bob, "PUT", `/user/${enc(bob.userId)}/account_data/m.direct`, { [alice.userId]: [oldId] });
  const { replacement_room: newId } = await aliceClient.upgradeRoom(oldId, "12");
  const tags = await apiOk(server, bob, "GET", `/user/${enc(bob.userId)}/rooms/${enc(newId)}/tags`);
  assert.deepEqual(tags.tags, { "m.favourite": { order: 0.5 } });
  const direct = await apiOk(server, bob, "GET", `/user/${enc(bob.userId)}/account_data/m.direct`);
  assert.deepEqual(direct, { [alice.userId]: [oldId, newId] });
  assert.equal((await stateContent(alice, newId, "m.room.join_rules"))?.join_rule, "invite");
  assert.equal((await stateContent(alice, newId, "m.room.member", bob.userId))?.membership, "invite");
  await eventually("bob sees the invite", () => bobClient.getRoom(newId)?.getMyMembership() === "invite");
  await bobClient.joinRoom(newId);
  assert.ok((await joinedRooms(bob)).includes(newId));
  // v12: the room ID is the create event's hash; the creator is not listed in the power levels.
  const pl = await stateContent(alice, newId, "m.room.power_levels");
  assert.equal((pl?.users as Record<string, number>)[alice.userId], undefined);
});

test("upgrading to v12 with additional_creators names them in the create event and not in the power levels", async () => {
  const oldId = await createRoom(alice, { preset: "public_chat", room_version: "11" });
  await apiOk(server, bob, "POST", `/join/${enc(oldId)}`, {});
  await apiOk(server, alice, "PUT", `/rooms/${enc(oldId)}/state/m.room.power_levels`, {
    ...(await stateContent(alice, oldId, "m.room.power_levels")),
    users: { [alice.userId]: 100, [bob.userId]: 50 },
  });
  const r = await apiOk(server, alice, "POST", `/rooms/${enc(oldId)}/upgrade`, { new_version: "12", additional_creators: [bob.userId] });
  const newId = String(r.replacement_room);
  const create = await stateContent(alice, newId, "m.room.create");
  assert.deepEqual(create?.additional_creators, [bob.userId]);
  assert.deepEqual((create?.predecessor as Record<string, unknown>).room_id, oldId);
  const users = (await stateContent(alice, newId, "m.room.power_levels"))?.users as Record<string, number>;
  assert.equal(users[alice.userId], undefined);
  assert.equal(users[bob.userId], undefined);
});

/** Asserts an upgrade refusal left the room as it was: no tombstone, no new room for alice. */
async function assertUnchanged(roomId: string, roomsBefore: string[]) {
  assert.equal(await stateContent(alice, roomId, "m.room.tombstone"), undefined);
  assert.deepEqual((await joinedRooms(alice)).sort(), [...roomsBefore].sort());
  const pl = await stateContent(alice, roomId, "m.room.power_levels");
  assert.equal(pl?.events_default, 0);
}

test("refusals: no token, bad token, unknown room, not a member, no power, unknown version, wrong types; nothing changes", async () => {
  const roomId = await createRoom(alice, { preset: "public_chat", room_version: "10" });
  await apiOk(server, bob, "POST", `/join/${enc(roomId)}`, {});
  const before = await joinedRooms(alice);
  const path = `/rooms/${enc(roomId)}/upgrade`;
  const g = await call(server.baseUrl, "POST", "/_matrix/client/v3/register?kind=guest", { body: {} });
  assert.equal(g.status, 200);
  const guest: TestUser = { userId: String(g.body.user_id), accessToken: String(g.body.access_token), deviceId: String(g.body.device_id), password: "" };
  const cases: Array<[string, TestUser | undefined, unknown, number, string, string?]> = [
    ["a guest", guest, { new_version: "11" }, 403, "M_GUEST_ACCESS_FORBIDDEN"],
    ["a body that is not an object", alice, undefined, 400, "M_NOT_JSON", "[]"],
    ["no token", undefined, { new_version: "11" }, 401, "M_MISSING_TOKEN"],
    ["bad token", { ...alice, accessToken: "syt_nope_nope" }, { new_version: "11" }, 401, "M_UNKNOWN_TOKEN"],
    ["not a member", carol, { new_version: "11" }, 403, "M_FORBIDDEN"],
    ["no power to send m.room.tombstone", bob, { new_version: "11" }, 403, "M_FORBIDDEN"],
    ["unknown version", alice, { new_version: "999" }, 400, "M_UNSUPPORTED_ROOM_VERSION"],
    ["new_version missing", alice, {}, 400, "M_MISSING_PARAM"],
    ["new_version a number", alice, { new_version: 11 }, 400, "M_BAD_JSON"],
    ["additional_creators not an array", alice, { new_version: "12", additional_creators: "@bob:x" }, 400, "M_BAD_JSON"],
    ["additional_creators not user IDs", alice, { new_version: "12", additional_creators: ["bob"] }, 400, "M_INVALID_PARAM"],
    ["malformed JSON", alice, undefined, 400, "M_NOT_JSON", "{nope"],
  ];
  for (const [what, user, body, status, errcode, raw] of cases) {
    const r = await call(server.baseUrl, "POST", `/_matrix/client/v3${path}`, { token: user?.accessToken, body, rawBody: raw });
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, errcode, what);
    await assertUnchanged(roomId, before);
  }
  const unknown = await api(server, alice, "POST", `/rooms/${enc(`!nowhere:${server.serverName}`)}/upgrade`, { new_version: "11" });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.errcode, "M_NOT_FOUND");
  assert.deepEqual((await joinedRooms(alice)).sort(), [...before].sort());
});

test("two upgrades of one room at once: one replacement room; the other upgrader gets 400, the winner's repeat its answer", async () => {
  const roomId = await createRoom(alice, { preset: "public_chat", room_version: "10" });
  await apiOk(server, bob, "POST", `/join/${enc(roomId)}`, {});
  const pl = (await stateContent(alice, roomId, "m.room.power_levels")) as { users: Record<string, number> };
  await apiOk(server, alice, "PUT", `/rooms/${enc(roomId)}/state/m.room.power_levels/`, { ...pl, users: { ...pl.users, [bob.userId]: 100 } });
  const path = `/rooms/${enc(roomId)}/upgrade`;
  const roomsBefore = new Map([[alice.userId, await joinedRooms(alice)], [bob.userId, await joinedRooms(bob)]]);
  const [a, b] = await Promise.all([api(server, alice, "POST", path, { new_version: "11" }), api(server, bob, "POST", path, { new_version: "11" })]);
  const results = [
    { user: alice, r: a },
    { user: bob, r: b },
  ];
  const won = results.filter((x) => x.r.status === 200);
  const lost = results.filter((x) => x.r.status !== 200);
  assert.equal(won.length, 1, JSON.stringify([a, b]));
  assert.equal(lost[0].r.status, 400);
  assert.equal(lost[0].r.body.errcode, "M_UNKNOWN");
  const replacement = String(won[0].r.body.replacement_room);
  assert.equal((await stateContent(alice, roomId, "m.room.tombstone"))?.replacement_room, replacement);
  // The winner asking again gets the same room, not a third one; the loser is still refused.
  const again = await apiOk(server, won[0].user, "POST", path, { new_version: "11" });
  assert.equal(again.replacement_room, replacement);
  const loserAgain = await api(server, lost[0].user, "POST", path, { new_version: "11" });
  assert.equal(loserAgain.status, 400);
  assert.equal(loserAgain.body.errcode, "M_UNKNOWN");
  // Only the winner made (and joined) a room.
  assert.deepEqual((await joinedRooms(won[0].user)).sort(), [...(roomsBefore.get(won[0].user.userId) ?? []), replacement].sort());
  assert.deepEqual((await joinedRooms(lost[0].user)).sort(), [...(roomsBefore.get(lost[0].user.userId) ?? [])].sort());
  assert.equal((await stateContent(alice, roomId, "m.room.tombstone"))?.replacement_room, replacement);
});
