/**
 * The user directory as Synapse's default (`search_all_users: false`) has it (issue 14; spec:
 * "User directory", users.yaml): a search finds users who share a room with the searcher or are
 * in a public room (public join rule or world-readable history, published or not), by word prefix
 * of display name or user ID; they are gone once they no longer share a room; remote users are
 * found too. Searches go through matrix-js-sdk's searchUserDirectory.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient, type MatrixClient } from "matrix-js-sdk";
import { registerUser, call, api, type RunningServer, type TestUser } from "./harness.js";
import { startFederatedServer, eventually } from "./federationHelpers.js";

let A: RunningServer;
let B: RunningServer;
const enc = encodeURIComponent;
let n = 0;
const fresh = (p: string) => `${p}${Date.now().toString(36)}${n++}`;

before(async () => {
  [A, B] = await Promise.all([startFederatedServer(), startFederatedServer()]);
});
after(async () => {
  await Promise.all([A?.stop(), B?.stop()]);
});

function sdk(server: RunningServer, user: TestUser): MatrixClient {
  return createClient({ baseUrl: server.baseUrl, userId: user.userId, accessToken: user.accessToken, deviceId: user.deviceId });
}

async function found(server: RunningServer, searcher: TestUser, term: string, limit?: number): Promise<string[]> {
  const res = await sdk(server, searcher).searchUserDirectory({ term, limit });
  return res.results.map((r) => r.user_id);
}

async function setName(server: RunningServer, user: TestUser, name: string): Promise<void> {
  assert.equal((await api(server, user, "PUT", `/profile/${enc(user.userId)}/displayname`, { displayname: name })).status, 200);
}

async function createRoom(server: RunningServer, user: TestUser, body: Record<string, unknown>): Promise<string> {
  const r = await api(server, user, "POST", "/createRoom", body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return String(r.body.room_id);
}

async function join(server: RunningServer, user: TestUser, roomId: string, via?: string): Promise<void> {
  const r = await api(server, user, "POST", `/join/${enc(roomId)}${via ? `?server_name=${enc(via)}` : ""}`, {});
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

test("users sharing a private room find each other by display name or user ID prefix, until one leaves", async () => {
  const alice = await registerUser(A.baseUrl, fresh("ualice"));
  const bob = await registerUser(A.baseUrl, fresh("ubob"));
  const stranger = await registerUser(A.baseUrl, fresh("ustranger"));
  const tag = fresh("zq");
  await setName(A, alice, `Wonder ${tag} Liddell`);
  const roomId = await createRoom(A, alice, { preset: "private_chat", invite: [bob.userId] });
  await join(A, bob, roomId);
  await eventually("bob finds alice", async () => (await found(A, bob, tag)).includes(alice.userId));
  assert.deepEqual(await found(A, bob, `${tag.toUpperCase()} lidd`), [alice.userId], "every word, any case, by prefix");
  assert.deepEqual(await found(A, bob, alice.userId.slice(1, 6)), [alice.userId], "the user ID's localpart");
  assert.deepEqual(await found(A, bob, tag.slice(1)), [], "a word's middle is no match");
  assert.deepEqual(await found(A, stranger, tag), [], "no shared room, no public room: not found");
  // A new display name is found at once.
  const tag2 = fresh("yx");
  await setName(A, alice, `Renamed ${tag2}`);
  await eventually("bob finds alice's new name", async () => (await found(A, bob, tag2)).includes(alice.userId));

  assert.equal((await api(A, bob, "POST", `/rooms/${enc(roomId)}/leave`, {})).status, 200);
  await eventually("bob no longer finds alice", async () => (await found(A, bob, tag2)).length === 0);
  assert.deepEqual(await found(A, alice, bob.userId.slice(1)), [], "and the other way round");
});

test("users in a room with a public join rule or world-readable history are found by anyone, published or not", async () => {
  const dave = await registerUser(A.baseUrl, fresh("udave"));
  const erin = await registerUser(A.baseUrl, fresh("uerin"));
  const searcher = await registerUser(A.baseUrl, fresh("usearch"));
  const tagD = fresh("pd");
  const tagE = fresh("pe");
  await setName(A, dave, `Dave ${tagD}`);
  await setName(A, erin, `Erin ${tagE}`);
  // Public join rule, never published in the room directory.
  const open = await createRoom(A, dave, { preset: "public_chat" });
  await eventually("dave found via the public room", async () => (await found(A, searcher, tagD)).includes(dave.userId));
  // Invite-only but world-readable history.
  const readable = await createRoom(A, erin, { preset: "private_chat", initial_state: [{ type: "m.room.history_visibility", state_key: "", content: { history_visibility: "world_readable" } }] });
  await eventually("erin found via the world-readable room", async () => (await found(A, searcher, tagE)).includes(erin.userId));

  // The room turning invite-only (and history shared) takes its members out of view...
  assert.equal((await api(A, dave, "PUT", `/rooms/${enc(open)}/state/m.room.join_rules/`, { join_rule: "invite" })).status, 200);
  await eventually("dave out of view", async () => (await found(A, searcher, tagD)).length === 0);
  // ...and public again brings them back.
  assert.equal((await api(A, dave, "PUT", `/rooms/${enc(open)}/state/m.room.join_rules/`, { join_rule: "public" })).status, 200);
  await eventually("dave back in view", async () => (await found(A, searcher, tagD)).includes(dave.userId));
  // Leaving the public room: gone.
  assert.equal((await api(A, erin, "POST", `/rooms/${enc(readable)}/leave`, {})).status, 200);
  await eventually("erin gone", async () => (await found(A, searcher, tagE)).length === 0);
});

test("limit bounds the results and limited says there were more", async () => {
  const owner = await registerUser(A.baseUrl, fresh("uowner"));
  const tag = fresh("lim");
  const roomId = await createRoom(A, owner, { preset: "public_chat" });
  const members: TestUser[] = [];
  for (let i = 0; i < 3; i++) {
    const m = await registerUser(A.baseUrl, fresh("umember"));
    await setName(A, m, `${tag} member${i}`);
    await join(A, m, roomId);
    members.push(m);
  }
  await eventually("all three members found", async () => (await found(A, owner, tag)).length === 3);
  const page = await sdk(A, owner).searchUserDirectory({ term: tag, limit: 2 });
  assert.equal(page.results.length, 2);
  assert.equal(page.limited, true);
  const all = await sdk(A, owner).searchUserDirectory({ term: tag, limit: 3 });
  assert.equal(all.limited, false);
  assert.deepEqual(all.results.map((r) => r.user_id).sort(), members.map((m) => m.userId).sort());
  assert.ok(all.results.every((r) => typeof r.display_name === "string" && r.display_name.startsWith(tag)));
  const none = await sdk(A, owner).searchUserDirectory({ term: tag, limit: 0 });
  assert.deepEqual(none.results, []);
  assert.equal(none.limited, true);
});

test("remote users in a shared room are found by the name in their member event, and gone once they leave", async () => {
  const local = await registerUser(A.baseUrl, fresh("ulocal"));
  const remote = await registerUser(B.baseUrl, fresh("uremote"));
  const tag = fresh("rm");
  await setName(B, remote, `Faraway ${tag}`);
  const roomId = await createRoom(A, local, { preset: "private_chat", invite: [remote.userId] });
  await eventually("B's user joined", async () => {
    const r = await api(B, remote, "POST", `/join/${enc(roomId)}?server_name=${enc(A.serverName)}`, {});
    return r.status === 200;
  });
  await eventually("the remote user found", async () => (await found(A, local, tag)).includes(remote.userId));
  const hit = (await sdk(A, local).searchUserDirectory({ term: tag })).results[0];
  assert.equal(hit.display_name, `Faraway ${tag}`);
  assert.equal((await api(B, remote, "POST", `/rooms/${enc(roomId)}/leave`, {})).status, 200);
  await eventually("the remote user gone", async () => (await found(A, local, tag)).length === 0);
});

test("a local user joining a remote room finds the remote members who were there before the join", async () => {
  const local = await registerUser(A.baseUrl, fresh("ujoiner"));
  const host = await registerUser(B.baseUrl, fresh("uhost"));
  const tag = fresh("pre");
  await setName(B, host, `Early ${tag}`);
  // The room lives on B, and its creator was in it long before A's user comes.
  const roomId = await createRoom(B, host, { preset: "private_chat", invite: [local.userId] });
  await eventually("A's user joined", async () => {
    const r = await api(A, local, "POST", `/join/${enc(roomId)}?server_name=${enc(B.serverName)}`, {});
    return r.status === 200;
  });
  await eventually("the earlier remote member found", async () => (await found(A, local, tag)).includes(host.userId));
  const hit = (await sdk(A, local).searchUserDirectory({ term: tag })).results[0];
  assert.equal(hit.display_name, `Early ${tag}`);
});

test("bad input: missing or mistyped search_term and limit, no token, a guest", async () => {
  const user = await registerUser(A.baseUrl, fresh("ubad"));
  const path = "/_matrix/client/v3/user_directory/search";
  const cases: [string, unknown, string][] = [
    ["no search_term", {}, "M_MISSING_PARAM"],
    ["search_term a number", { search_term: 5 }, "M_BAD_JSON"],
    ["limit a string", { search_term: "a", limit: "ten" }, "M_BAD_JSON"],
    ["limit negative", { search_term: "a", limit: -1 }, "M_INVALID_PARAM"],
  ];
  for (const [what, body, errcode] of cases) {
    const r = await call(A.baseUrl, "POST", path, { token: user.accessToken, body });
    assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, errcode, what);
  }
  const notJson = await call(A.baseUrl, "POST", path, { token: user.accessToken, rawBody: "{" });
  assert.equal(notJson.status, 400);
  assert.equal(notJson.body.errcode, "M_NOT_JSON");
  const noToken = await call(A.baseUrl, "POST", path, { body: { search_term: "a" } });
  assert.equal(noToken.status, 401);
  assert.equal(noToken.body.errcode, "M_MISSING_TOKEN");
  const guest = await call(A.baseUrl, "POST", "/_matrix/client/v3/register?kind=guest", { body: {} });
  const asGuest = await call(A.baseUrl, "POST", path, { token: String(guest.body.access_token), body: { search_term: "a" } });
  assert.equal(asGuest.status, 403);
  assert.equal(asGuest.body.errcode, "M_GUEST_ACCESS_FORBIDDEN");
  // A term of punctuation only finds no one (it has no words), and is no error.
  assert.deepEqual(await found(A, user, "%_:"), []);
});
