/**
 * GET /rooms/{roomId}/joined_members (spec: rooms.yaml, RoomMember): each joined user maps to
 * their display_name and avatar_url from their member event. Like Synapse, both keys are always
 * there, null when the member event has none, which clients such as matrix-nio expect.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, registerUsers, callOk, type RunningServer, type TestUser } from "./harness.js";

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
const enc = encodeURIComponent;

before(async () => {
  server = await startServer();
  [alice, bob] = await registerUsers(server.baseUrl, "alice", "bob");
});

after(async () => {
  await server?.stop();
});

const ok = (u: TestUser, method: string, path: string, body?: unknown) => callOk(server, u, method, path, body);

test("joined_members gives every member display_name and avatar_url, null when unset", async () => {
  const avatar = "mxc://localhost/aliceavatar";
  await ok(alice, "PUT", `/_matrix/client/v3/profile/${enc(alice.userId)}/avatar_url`, { avatar_url: avatar });
  await ok(alice, "PUT", `/_matrix/client/v3/profile/${enc(alice.userId)}/displayname`, { displayname: "Alice A." });
  const roomId = String((await ok(alice, "POST", "/_matrix/client/v3/createRoom", { preset: "public_chat" })).room_id);
  await ok(bob, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {});
  // Bob clears his display name: his new member event has neither a displayname nor an avatar.
  await ok(bob, "PUT", `/_matrix/client/v3/profile/${enc(bob.userId)}/displayname`, { displayname: null });

  const joined = (await ok(bob, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/joined_members`)).joined as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(joined).sort(), [alice.userId, bob.userId].sort());
  assert.deepEqual(joined[alice.userId], { display_name: "Alice A.", avatar_url: avatar });
  assert.deepEqual(joined[bob.userId], { display_name: null, avatar_url: null });
});
