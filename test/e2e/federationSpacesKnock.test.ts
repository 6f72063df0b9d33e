/**
 * Two Lattice servers on loopback: a space on A walked from a user on B (the child room only A
 * knows, fetched over federation /hierarchy), OpenID tokens of B checked at B's userinfo
 * endpoint as a third party would, and a user of B knocking on a room of A.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { registerUser, call, type RunningServer, type TestUser } from "./harness.js";
import { startFederatedServer, api, eventually } from "./federationHelpers.js";

let A: RunningServer;
let B: RunningServer;
let alice: TestUser; // on A
let bob: TestUser; // on B
const enc = encodeURIComponent;

before(async () => {
  [A, B] = await Promise.all([0, 1].map(() => startFederatedServer()));
  alice = await registerUser(A.baseUrl, "alice");
  bob = await registerUser(B.baseUrl, "bob");
});

after(async () => {
  await Promise.all([A, B].map((s) => s?.stop()));
});

async function createRoom(body: Record<string, unknown>): Promise<string> {
  const r = await api(A, alice, "POST", "/createRoom", body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return String(r.body.room_id);
}

async function syncRooms(server: RunningServer, user: TestUser): Promise<Record<string, Record<string, unknown>>> {
  const s = await api(server, user, "GET", "/sync?timeout=0");
  return (s.body.rooms ?? {}) as Record<string, Record<string, unknown>>;
}

test("a user on B walks a space on A: the child only A holds comes over federation /hierarchy", async () => {
  const spaceId = await createRoom({ preset: "public_chat", name: "A space", creation_content: { type: "m.space" } });
  const childId = await createRoom({ preset: "public_chat", name: "A child", topic: "lives on A" });
  const secretId = await createRoom({ preset: "private_chat", name: "A secret" });
  for (const [id, extra] of [
    [childId, { suggested: true }],
    [secretId, {}],
  ] as const) {
    const r = await api(A, alice, "PUT", `/rooms/${enc(spaceId)}/state/m.space.child/${enc(id)}`, { via: [A.serverName], ...extra });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  const joined = await api(B, bob, "POST", `/join/${enc(spaceId)}?via=${enc(A.serverName)}`, {});
  assert.equal(joined.status, 200, JSON.stringify(joined.body));

  const h = await call(B.baseUrl, "GET", `/_matrix/client/v1/rooms/${enc(spaceId)}/hierarchy`, { token: bob.accessToken });
  assert.equal(h.status, 200, JSON.stringify(h.body));
  const rooms = h.body.rooms as Array<Record<string, unknown>>;
  assert.deepEqual(
    rooms.map((r) => r.room_id),
    [spaceId, childId],
    "the space and its public child; the private child is not shown",
  );
  assert.equal(rooms[0].room_type, "m.space");
  assert.equal((rooms[0].children_state as unknown[]).length, 2);
  assert.equal(rooms[1].name, "A child");
  assert.equal(rooms[1].topic, "lives on A");
  assert.equal(rooms[1].num_joined_members, 1);
  assert.deepEqual(rooms[1].children_state, []);

  // A sub-space B holds no copy of: its own children come from A's answer about it.
  const subId = await createRoom({ preset: "public_chat", name: "A sub-space", creation_content: { type: "m.space" } });
  const deepId = await createRoom({ preset: "public_chat", name: "A deep room" });
  assert.equal((await api(A, alice, "PUT", `/rooms/${enc(subId)}/state/m.space.child/${enc(deepId)}`, { via: [A.serverName] })).status, 200);
  assert.equal((await api(A, alice, "PUT", `/rooms/${enc(subId)}/state/m.space.child/${enc(secretId)}`, { via: [A.serverName] })).status, 200);
  assert.equal((await api(A, alice, "PUT", `/rooms/${enc(spaceId)}/state/m.space.child/${enc(subId)}`, { via: [A.serverName], order: "z" })).status, 200);
  const deeper = await eventually("B sees the sub-space link", async () => {
    const r = await call(B.baseUrl, "GET", `/_matrix/client/v1/rooms/${enc(spaceId)}/hierarchy`, { token: bob.accessToken });
    const list = (r.body.rooms ?? []) as Array<Record<string, unknown>>;
    return list.length === 4 ? list : undefined;
  });
  assert.deepEqual(
    deeper.map((r) => r.name),
    ["A space", "A sub-space", "A deep room", "A child"],
    "the ordered child (order \"z\") and its public child first, then the rest; the secret room nowhere",
  );
  assert.equal((deeper[1].children_state as unknown[]).length, 2, "the sub-space's children_state as A gave it");

  // A answers the federation endpoint itself: unsigned requests are refused.
  const unsigned = await call(A.baseUrl, "GET", `/_matrix/federation/v1/hierarchy/${enc(spaceId)}`);
  assert.equal(unsigned.status, 401);
});

test("OpenID: a token requested on B is exchanged at B's userinfo for the user's ID; bad tokens are 401", async () => {
  const r = await api(B, bob, "POST", `/user/${enc(bob.userId)}/openid/request_token`, {});
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.token_type, "Bearer");
  assert.equal(r.body.matrix_server_name, B.serverName);
  assert.equal(r.body.expires_in, 3600);
  assert.equal(typeof r.body.access_token, "string");

  // A third party is no homeserver: it calls with no X-Matrix signature, just the token.
  const info = await fetch(`${B.baseUrl}/_matrix/federation/v1/openid/userinfo?access_token=${enc(String(r.body.access_token))}`);
  assert.equal(info.status, 200);
  assert.deepEqual(await info.json(), { sub: bob.userId });

  for (const token of ["not-a-token", String(r.body.access_token) + "x"]) {
    const bad = await fetch(`${B.baseUrl}/_matrix/federation/v1/openid/userinfo?access_token=${enc(token)}`);
    assert.equal(bad.status, 401);
    assert.equal(((await bad.json()) as { errcode?: string }).errcode, "M_UNKNOWN_TOKEN");
  }
  const missing = await fetch(`${B.baseUrl}/_matrix/federation/v1/openid/userinfo`);
  assert.equal(missing.status, 401);

  // The OpenID token is no access token, and nobody gets one for someone else.
  const asAccess = await call(B.baseUrl, "GET", "/_matrix/client/v3/account/whoami", { token: String(r.body.access_token) });
  assert.equal(asAccess.status, 401);
  const other = await api(A, alice, "POST", `/user/${enc(bob.userId)}/openid/request_token`, {});
  assert.equal(other.status, 403);
});

test("a user on B knocks on a knock room on A; A's user sees the knock and invites; B's user joins", async () => {
  const roomId = await createRoom({ preset: "private_chat", name: "Knock here", initial_state: [{ type: "m.room.join_rules", content: { join_rule: "knock" } }] });
  const k = await api(B, bob, "POST", `/knock/${enc(roomId)}?via=${enc(A.serverName)}`, { reason: "let me in" });
  assert.equal(k.status, 200, JSON.stringify(k.body));
  assert.equal(k.body.room_id, roomId);

  // Bob's sync on B has the room in its knock section, with the stripped state A returned.
  const knock = await eventually("bob's sync shows the knock", async () => {
    const rooms = await syncRooms(B, bob);
    return (rooms.knock as Record<string, { knock_state: { events: Array<Record<string, unknown>> } }> | undefined)?.[roomId];
  });
  const events = knock.knock_state.events;
  assert.ok(events.some((e) => e.type === "m.room.name" && (e.content as { name?: string }).name === "Knock here"), JSON.stringify(events));
  assert.ok(events.some((e) => e.type === "m.room.member" && e.state_key === bob.userId && (e.content as { membership?: string }).membership === "knock"));

  await eventually("alice sees bob's knock", async () => {
    const m = await api(A, alice, "GET", `/rooms/${enc(roomId)}/members?membership=knock`);
    const chunk = (m.body.chunk ?? []) as Array<{ state_key: string; content: { reason?: string } }>;
    return chunk.some((e) => e.state_key === bob.userId && e.content.reason === "let me in");
  });
  const inv = await api(A, alice, "POST", `/rooms/${enc(roomId)}/invite`, { user_id: bob.userId });
  assert.equal(inv.status, 200, JSON.stringify(inv.body));
  await eventually("bob's sync shows the invite", async () => {
    const rooms = await syncRooms(B, bob);
    return (rooms.invite as Record<string, unknown> | undefined)?.[roomId] !== undefined;
  });
  const j = await api(B, bob, "POST", `/join/${enc(roomId)}`, {});
  assert.equal(j.status, 200, JSON.stringify(j.body));
  await eventually("alice sees bob joined", async () => {
    const m = await api(A, alice, "GET", `/rooms/${enc(roomId)}/joined_members`);
    return m.status === 200 && Object.keys(m.body.joined as object).includes(bob.userId);
  });
});

test("knocking on a remote room that is not knockable is refused", async () => {
  const roomId = await createRoom({ preset: "private_chat" });
  const k = await api(B, bob, "POST", `/knock/${enc(roomId)}?via=${enc(A.serverName)}`, {});
  assert.equal(k.status, 403, JSON.stringify(k.body));
  assert.equal(k.body.errcode, "M_FORBIDDEN");
});

test("a user on B withdraws a knock on a room on A", async () => {
  const roomId = await createRoom({ preset: "private_chat", initial_state: [{ type: "m.room.join_rules", content: { join_rule: "knock" } }] });
  const carol = await registerUser(B.baseUrl, "carol");
  const k = await api(B, carol, "POST", `/knock/${enc(roomId)}?via=${enc(A.serverName)}`, {});
  assert.equal(k.status, 200, JSON.stringify(k.body));
  await eventually("A sees the knock", async () => (await api(A, alice, "GET", `/rooms/${enc(roomId)}/state/m.room.member/${enc(carol.userId)}`)).body.membership === "knock");
  const left = await api(B, carol, "POST", `/rooms/${enc(roomId)}/leave`, {});
  assert.equal(left.status, 200, JSON.stringify(left.body));
  await eventually("A sees the knock withdrawn", async () => (await api(A, alice, "GET", `/rooms/${enc(roomId)}/state/m.room.member/${enc(carol.userId)}`)).body.membership === "leave");
  const rooms = await syncRooms(B, carol);
  assert.equal((rooms.knock ?? {})[roomId], undefined, "the knock is gone from carol's sync");
});
