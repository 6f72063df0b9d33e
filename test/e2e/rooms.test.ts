/**
 * Room rules as users meet them: join rules (invite, knock, restricted), older room versions,
 * and the read endpoints around a single event (context, relations, timestamp_to_event, members at).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, registerUser, call, type RunningServer, type TestUser } from "./harness.js";

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
const enc = encodeURIComponent;

async function api(user: TestUser, method: string, path: string, body?: unknown) {
  return call(server.baseUrl, method, `/_matrix/client/v3${path}`, { token: user.accessToken, body });
}

async function createRoom(user: TestUser, body: Record<string, unknown>): Promise<string> {
  const r = await api(user, "POST", "/createRoom", body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return String(r.body.room_id);
}

async function membership(user: TestUser, roomId: string, target: string): Promise<string | undefined> {
  const r = await api(user, "GET", `/rooms/${enc(roomId)}/state/m.room.member/${enc(target)}`);
  return r.status === 200 ? String(r.body.membership) : undefined;
}

before(async () => {
  server = await startServer();
  alice = await registerUser(server.baseUrl, "alice");
  bob = await registerUser(server.baseUrl, "bob");
  carol = await registerUser(server.baseUrl, "carol");
});
after(async () => server?.stop());

test("an invite-only room refuses uninvited joins and changes nothing", async () => {
  const roomId = await createRoom(alice, { preset: "private_chat" });
  const r = await api(bob, "POST", `/join/${enc(roomId)}`, {});
  assert.equal(r.status, 403);
  assert.equal(r.body.errcode, "M_FORBIDDEN");
  assert.equal(await membership(alice, roomId, bob.userId), undefined);
});

test("knocking: bob knocks, sees the knock in sync, alice invites him and he joins", async () => {
  const roomId = await createRoom(alice, { preset: "private_chat", initial_state: [{ type: "m.room.join_rules", content: { join_rule: "knock" } }] });
  const k = await api(bob, "POST", `/knock/${enc(roomId)}`, { reason: "let me in" });
  assert.equal(k.status, 200);
  assert.equal(await membership(alice, roomId, bob.userId), "knock");
  let knockState: unknown;
  for (let i = 0; i < 50 && !knockState; i++) {
    const s = await api(bob, "GET", "/sync");
    knockState = (s.body.rooms as { knock: Record<string, unknown> }).knock[roomId];
    if (!knockState) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(knockState, "the knock appears in bob's sync");
  assert.equal((await api(alice, "POST", `/rooms/${enc(roomId)}/invite`, { user_id: bob.userId })).status, 200);
  assert.equal((await api(bob, "POST", `/join/${enc(roomId)}`, {})).status, 200);
  assert.equal(await membership(alice, roomId, bob.userId), "join");
});

test("a restricted room admits members of the allowed room only", async () => {
  const space = await createRoom(alice, { preset: "private_chat", invite: [bob.userId] });
  assert.equal((await api(bob, "POST", `/join/${enc(space)}`, {})).status, 200);
  const roomId = await createRoom(alice, {
    preset: "private_chat",
    initial_state: [{ type: "m.room.join_rules", content: { join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: space }] } }],
  });
  const refused = await api(carol, "POST", `/join/${enc(roomId)}`, {});
  assert.equal(refused.status, 403);
  assert.equal(await membership(alice, roomId, carol.userId), undefined);
  const ok = await api(bob, "POST", `/join/${enc(roomId)}`, {});
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const ev = await api(alice, "GET", `/rooms/${enc(roomId)}/state/m.room.member/${enc(bob.userId)}`);
  assert.equal(ev.body.membership, "join");
  assert.equal(ev.body.join_authorised_via_users_server, alice.userId);
});

for (const version of ["1", "3", "6", "9", "10", "11", "12"]) {
  test(`room version ${version}: create, invite, join, talk and redact`, async () => {
    const roomId = await createRoom(alice, { room_version: version, invite: [bob.userId], name: `v${version}` });
    const create = await api(alice, "GET", `/rooms/${enc(roomId)}/state/m.room.create`);
    assert.equal(create.body.room_version, version);
    assert.equal((await api(bob, "POST", `/join/${enc(roomId)}`, {})).status, 200);
    const sent = await api(bob, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/v${version}`, { msgtype: "m.text", body: "hello" });
    assert.equal(sent.status, 200);
    const red = await api(alice, "PUT", `/rooms/${enc(roomId)}/redact/${enc(String(sent.body.event_id))}/r${version}`, { reason: "mod" });
    assert.equal(red.status, 200);
    const ev = await api(bob, "GET", `/rooms/${enc(roomId)}/event/${enc(String(sent.body.event_id))}`);
    assert.deepEqual(ev.body.content, {});
  });
}

test("an unknown room version is refused", async () => {
  const r = await api(alice, "POST", "/createRoom", { room_version: "999" });
  assert.equal(r.status, 400);
  assert.equal(r.body.errcode, "M_UNSUPPORTED_ROOM_VERSION");
});

test("context, relations, timestamp_to_event and members at a point in time", async () => {
  const roomId = await createRoom(alice, { preset: "public_chat" });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(String((await api(alice, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/c${i}`, { msgtype: "m.text", body: `c${i}` })).body.event_id));
  const ctx = await api(alice, "GET", `/rooms/${enc(roomId)}/context/${enc(ids[2])}?limit=2`);
  assert.equal(ctx.status, 200);
  assert.equal((ctx.body.event as { event_id: string }).event_id, ids[2]);
  assert.deepEqual((ctx.body.events_before as Array<{ event_id: string }>).map((e) => e.event_id), [ids[1]]);
  assert.deepEqual((ctx.body.events_after as Array<{ event_id: string }>).map((e) => e.event_id), [ids[3]]);

  const reaction = await api(bob, "POST", `/join/${enc(roomId)}`, {});
  assert.equal(reaction.status, 200);
  const r = await api(bob, "PUT", `/rooms/${enc(roomId)}/send/m.reaction/x1`, { "m.relates_to": { rel_type: "m.annotation", event_id: ids[0], key: "👍" } });
  const rel = await call(server.baseUrl, "GET", `/_matrix/client/v1/rooms/${enc(roomId)}/relations/${enc(ids[0])}/m.annotation`, { token: alice.accessToken });
  assert.deepEqual((rel.body.chunk as Array<{ event_id: string }>).map((e) => e.event_id), [String(r.body.event_id)]);

  const first = await api(alice, "GET", `/rooms/${enc(roomId)}/event/${enc(ids[0])}`);
  const ts = Number(first.body.origin_server_ts);
  const found = await call(server.baseUrl, "GET", `/_matrix/client/v1/rooms/${enc(roomId)}/timestamp_to_event?ts=${ts}&dir=f`, { token: alice.accessToken });
  assert.equal(found.status, 200);
  assert.equal(Number(found.body.origin_server_ts) >= ts, true);

  // Members as of the first message: bob had not joined yet.
  const page = await api(alice, "GET", `/rooms/${enc(roomId)}/messages?dir=f&limit=1&from=${enc(String(ctx.body.start))}`);
  const at = String(page.body.start);
  const then = await api(alice, "GET", `/rooms/${enc(roomId)}/members?at=${enc(at)}`);
  const now = await api(alice, "GET", `/rooms/${enc(roomId)}/members`);
  const who = (b: Record<string, unknown>) => (b.chunk as Array<{ state_key: string; content: { membership: string } }>).filter((e) => e.content.membership === "join").map((e) => e.state_key).sort();
  assert.deepEqual(who(then.body), [alice.userId]);
  assert.deepEqual(who(now.body), [alice.userId, bob.userId].sort());
});

test("guests may join only rooms that allow guests", async () => {
  const g = await call(server.baseUrl, "POST", "/_matrix/client/v3/register?kind=guest", { body: {} });
  assert.equal(g.status, 200);
  const guest: TestUser = { userId: String(g.body.user_id), accessToken: String(g.body.access_token), deviceId: String(g.body.device_id), password: "" };
  const open = await createRoom(alice, { preset: "public_chat", initial_state: [{ type: "m.room.guest_access", content: { guest_access: "can_join" } }] });
  const closed = await createRoom(alice, { preset: "public_chat" });
  assert.equal((await api(guest, "POST", `/join/${enc(open)}`, {})).status, 200);
  const refused = await api(guest, "POST", `/join/${enc(closed)}`, {});
  assert.equal(refused.status, 403);
  const create = await api(guest, "POST", "/createRoom", {});
  assert.equal(create.status, 403);
  assert.equal(create.body.errcode, "M_GUEST_ACCESS_FORBIDDEN");
});

test("createRoom with invalid initial state is refused whole: no room, no alias", async () => {
  const before = await api(alice, "GET", "/joined_rooms");
  const badPl = await api(alice, "POST", "/createRoom", { room_alias_name: "halfbuilt", power_level_content_override: { users: "bad" } });
  assert.equal(badPl.status, 400);
  assert.equal(badPl.body.errcode, "M_INVALID_ROOM_STATE");
  const badMember = await api(alice, "POST", "/createRoom", {
    room_alias_name: "halfbuilt",
    initial_state: [{ type: "m.room.member", state_key: bob.userId, content: { membership: "join" } }],
  });
  assert.equal(badMember.status, 400);
  assert.equal(badMember.body.errcode, "M_INVALID_ROOM_STATE");
  const after = await api(alice, "GET", "/joined_rooms");
  assert.deepEqual(after.body, before.body);
  const alias = await call(server.baseUrl, "GET", `/_matrix/client/v3/directory/room/${enc("#halfbuilt:localhost")}`);
  assert.equal(alias.status, 404);
  const ok = await api(alice, "POST", "/createRoom", { room_alias_name: "halfbuilt" });
  assert.equal(ok.status, 200);
});

test("presets set the spec's join rule, history visibility and guest access; trusted invitees share the creator's power", async () => {
  const pub = await createRoom(alice, { preset: "public_chat" });
  const state = async (roomId: string, type: string) => (await api(alice, "GET", `/rooms/${enc(roomId)}/state/${type}`)).body;
  assert.equal((await state(pub, "m.room.join_rules")).join_rule, "public");
  assert.equal((await state(pub, "m.room.history_visibility")).history_visibility, "shared");
  assert.equal((await state(pub, "m.room.guest_access")).guest_access, "forbidden");
  const priv = await createRoom(alice, { preset: "private_chat" });
  assert.equal((await state(priv, "m.room.join_rules")).join_rule, "invite");
  assert.equal((await state(priv, "m.room.guest_access")).guest_access, "can_join");

  // Before v12: invitees get the creator's power level (100).
  const v11 = await createRoom(alice, { preset: "trusted_private_chat", room_version: "11", invite: [bob.userId] });
  assert.equal(((await state(v11, "m.room.power_levels")).users as Record<string, number>)[bob.userId], 100);
  // From v12 creators have infinite power: invitees join additional_creators instead, deduplicated.
  const v12 = await createRoom(alice, { preset: "trusted_private_chat", room_version: "12", invite: [bob.userId], creation_content: { additional_creators: [bob.userId, carol.userId] } });
  assert.deepEqual((await state(v12, "m.room.create")).additional_creators, [bob.userId, carol.userId]);
  assert.equal(((await state(v12, "m.room.power_levels")).users as Record<string, number>)[bob.userId], undefined);
});

test("createRoom refuses malformed additional_creators and leaves no room behind", async () => {
  const before = await api(alice, "GET", "/joined_rooms");
  for (const additional_creators of ["@bob:localhost", ["not a user id"], [5]]) {
    const r = await api(alice, "POST", "/createRoom", { room_version: "12", creation_content: { additional_creators } });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.errcode, "M_BAD_JSON");
  }
  assert.deepEqual((await api(alice, "GET", "/joined_rooms")).body, before.body);
});

test("a user's own membership change is in their account when the request returns: joined_rooms and forget agree at once", async () => {
  const roomId = await createRoom(alice, { preset: "public_chat" });
  assert.equal((await api(carol, "POST", `/join/${enc(roomId)}`, {})).status, 200);
  for (let i = 0; i < 15; i++) {
    const joined = await api(bob, "POST", `/join/${enc(roomId)}`, {});
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    const during = await api(bob, "GET", "/joined_rooms");
    assert.ok((during.body.joined_rooms as string[]).includes(roomId), `round ${i}: joined_rooms has the room right after the join`);
    const left = await api(bob, "POST", `/rooms/${enc(roomId)}/leave`, {});
    assert.equal(left.status, 200, JSON.stringify(left.body));
    const afterLeave = await api(bob, "GET", "/joined_rooms");
    assert.ok(!(afterLeave.body.joined_rooms as string[]).includes(roomId), `round ${i}: joined_rooms lost the room right after the leave`);
    const forgot = await api(bob, "POST", `/rooms/${enc(roomId)}/forget`, {});
    assert.equal(forgot.status, 200, `round ${i}: forget right after leave: ${JSON.stringify(forgot.body)}`);
  }
});
