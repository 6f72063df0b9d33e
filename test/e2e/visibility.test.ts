/**
 * Who may read what: history visibility (joined, shared, invited, world_readable) enforced on
 * /messages, /context and /event; non-members refused /state, /members, /messages; a user who
 * left sees nothing after leaving; a banned user cannot rejoin and nothing changes.
 * Spec: client-server-api "Room History Visibility" and "Room membership".
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, registerUsers, call, callOk, messageBodies, type RunningServer, type TestUser } from "./harness.js";

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
const enc = encodeURIComponent;

before(async () => {
  server = await startServer();
  [alice, bob, carol] = await registerUsers(server.baseUrl, "alice", "bob", "carol");
});

after(async () => {
  await server?.stop();
});

const ok = (u: TestUser, method: string, path: string, body?: unknown) => callOk(server, u, method, path, body);

async function room(historyVisibility: string): Promise<string> {
  const b = await ok(alice, "POST", "/_matrix/client/v3/createRoom", {
    preset: "public_chat",
    initial_state: [{ type: "m.room.history_visibility", state_key: "", content: { history_visibility: historyVisibility } }],
  });
  return String(b.room_id);
}

let txn = 0;
async function say(u: TestUser, roomId: string, body: string): Promise<string> {
  return String((await ok(u, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/v${txn++}`, { msgtype: "m.text", body })).event_id);
}

const visibleBodies = (u: TestUser, roomId: string) => messageBodies(server, u, roomId, 100);

async function status(u: TestUser, method: string, path: string, body?: unknown): Promise<{ status: number; errcode: unknown }> {
  const r = await call(server.baseUrl, method, path, { token: u.accessToken, body });
  return { status: r.status, errcode: r.body.errcode };
}

test("joined visibility: a newcomer cannot read earlier messages via /messages, /context or /event", async () => {
  const roomId = await room("joined");
  const early = await say(alice, roomId, "before bob");
  await ok(bob, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/join`, {});
  const late = await say(alice, roomId, "after bob");
  const bodies = await visibleBodies(bob, roomId);
  assert.ok(bodies.includes("after bob"));
  assert.ok(!bodies.includes("before bob"), `bob sees ${bodies.join(", ")}`);
  assert.deepEqual(await status(bob, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/event/${enc(early)}`), { status: 404, errcode: "M_NOT_FOUND" });
  assert.deepEqual(await status(bob, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/context/${enc(early)}`), { status: 404, errcode: "M_NOT_FOUND" });
  const ctx = await ok(bob, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/context/${enc(late)}?limit=20`);
  const around = [...(ctx.events_before as Array<{ content: { body?: string } }>), ...(ctx.events_after as Array<{ content: { body?: string } }>)].map((e) => e.content.body);
  assert.ok(!around.includes("before bob"), "context does not leak earlier messages");
  assert.equal(((await ok(bob, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/event/${enc(late)}`)).content as { body: string }).body, "after bob");
  // Alice, who was there, still sees everything.
  assert.deepEqual((await visibleBodies(alice, roomId)).sort(), ["after bob", "before bob"]);
});

test("shared visibility: a newcomer can read earlier messages", async () => {
  const roomId = await room("shared");
  const early = await say(alice, roomId, "before bob");
  await ok(bob, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/join`, {});
  assert.ok((await visibleBodies(bob, roomId)).includes("before bob"));
  assert.equal(((await ok(bob, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/event/${enc(early)}`)).content as { body: string }).body, "before bob");
  const ctx = await ok(bob, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/context/${enc(early)}`);
  assert.equal((ctx.event as { event_id: string }).event_id, early);
});

test("invited visibility: messages from the invite on are readable, earlier ones are not", async () => {
  const b = await ok(alice, "POST", "/_matrix/client/v3/createRoom", {
    preset: "private_chat",
    initial_state: [{ type: "m.room.history_visibility", state_key: "", content: { history_visibility: "invited" } }],
  });
  const roomId = String(b.room_id);
  await say(alice, roomId, "before invite");
  await ok(alice, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, { user_id: bob.userId });
  await say(alice, roomId, "while invited");
  await ok(bob, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/join`, {});
  const bodies = await visibleBodies(bob, roomId);
  assert.ok(bodies.includes("while invited"), bodies.join(", "));
  assert.ok(!bodies.includes("before invite"), bodies.join(", "));
});

test("a non-member is refused /state, /members, /joined_members and /messages; /event is 404", async () => {
  const roomId = await room("shared");
  const ev = await say(alice, roomId, "members only");
  const r = (p: string) => `/_matrix/client/v3/rooms/${enc(roomId)}${p}`;
  for (const p of ["/state", "/state/m.room.create/", "/members", "/joined_members", "/messages?dir=b"]) {
    assert.deepEqual(await status(carol, "GET", r(p)), { status: 403, errcode: "M_FORBIDDEN" }, p);
  }
  assert.deepEqual(await status(carol, "GET", r(`/event/${enc(ev)}`)), { status: 404, errcode: "M_NOT_FOUND" });
  const c = await status(carol, "GET", r(`/context/${enc(ev)}`));
  assert.ok((c.status === 404 && c.errcode === "M_NOT_FOUND") || (c.status === 403 && c.errcode === "M_FORBIDDEN"), JSON.stringify(c));
});

test("world_readable: a non-member may read history and state", async () => {
  const roomId = await room("world_readable");
  await say(alice, roomId, "for everyone");
  assert.ok((await visibleBodies(carol, roomId)).includes("for everyone"));
  await ok(carol, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/state`);
  // Reading is not joining.
  assert.deepEqual((await ok(carol, "GET", "/_matrix/client/v3/joined_rooms")).joined_rooms, []);
  assert.deepEqual(await status(carol, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/wr1`, { msgtype: "m.text", body: "x" }), { status: 403, errcode: "M_FORBIDDEN" });
});

test("after leaving, later messages are invisible", async () => {
  const roomId = await room("shared");
  await ok(bob, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/join`, {});
  await say(alice, roomId, "while bob is here");
  await ok(bob, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/leave`, {});
  const after = await say(alice, roomId, "after bob left");
  const bodies = await visibleBodies(bob, roomId);
  assert.ok(bodies.includes("while bob is here"), bodies.join(", "));
  assert.ok(!bodies.includes("after bob left"), bodies.join(", "));
  assert.deepEqual(await status(bob, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/event/${enc(after)}`), { status: 404, errcode: "M_NOT_FOUND" });
});

test("a banned user cannot rejoin, by ID or alias, and nothing changes; after an unban they can", async () => {
  const b = await ok(alice, "POST", "/_matrix/client/v3/createRoom", { preset: "public_chat", room_alias_name: "banroom" });
  const roomId = String(b.room_id);
  await ok(bob, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {});
  await ok(alice, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/ban`, { user_id: bob.userId, reason: "spam" });
  const members = async () =>
    ((await ok(alice, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/members`)).chunk as Array<{ state_key: string; content: { membership: string } }>)
      .map((e) => `${e.state_key}=${e.content.membership}`)
      .sort();
  const before = await members();
  assert.ok(before.includes(`${bob.userId}=ban`));
  for (const path of [`/_matrix/client/v3/join/${enc(roomId)}`, `/_matrix/client/v3/rooms/${enc(roomId)}/join`, `/_matrix/client/v3/join/${enc("#banroom:localhost")}`, `/_matrix/client/r0/join/${enc(roomId)}`]) {
    assert.deepEqual(await status(bob, "POST", path, {}), { status: 403, errcode: "M_FORBIDDEN" }, path);
  }
  assert.deepEqual(await status(bob, "POST", `/_matrix/client/v3/knock/${enc(roomId)}`, {}), { status: 403, errcode: "M_FORBIDDEN" });
  assert.deepEqual(await status(alice, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, { user_id: bob.userId }), { status: 403, errcode: "M_FORBIDDEN" });
  assert.deepEqual(await status(bob, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/ban1`, { msgtype: "m.text", body: "let me back" }), { status: 403, errcode: "M_FORBIDDEN" });
  // Leaving does not lift a ban.
  await call(server.baseUrl, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/leave`, { token: bob.accessToken, body: {} });
  assert.deepEqual(await status(bob, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {}), { status: 403, errcode: "M_FORBIDDEN" });
  assert.deepEqual(await members(), before, "membership unchanged");
  assert.ok(!((await ok(bob, "GET", "/_matrix/client/v3/joined_rooms")).joined_rooms as string[]).includes(roomId));
  // A non-moderator cannot unban.
  await ok(carol, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {});
  assert.deepEqual(await status(carol, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/unban`, { user_id: bob.userId }), { status: 403, errcode: "M_FORBIDDEN" });
  assert.ok((await members()).includes(`${bob.userId}=ban`));

  await ok(alice, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/unban`, { user_id: bob.userId });
  await ok(bob, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {});
  assert.ok((await members()).includes(`${bob.userId}=join`));
});
