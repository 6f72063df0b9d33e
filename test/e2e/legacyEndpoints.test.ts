/**
 * The deprecated endpoints older clients and bots still call (spec: old_sync.yaml,
 * room_initial_sync.yaml; Synapse's behaviour where the spec is silent): GET /events and
 * /events/{eventId}, GET /initialSync and /rooms/{roomId}/initialSync, POST send without a
 * transaction ID, and membership set through PUT /rooms/{roomId}/state/m.room.member/{userId}.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, registerUser, call, api, apiOk, type RunningServer, type TestUser } from "./harness.js";

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let roomId: string;
const enc = encodeURIComponent;

async function membership(roomId: string, target: string): Promise<string | undefined> {
  const r = await api(server, alice, "GET", `/rooms/${enc(roomId)}/state/m.room.member/${enc(target)}`);
  return r.status === 200 ? String(r.body.membership) : undefined;
}

async function bodies(user: TestUser, roomId: string): Promise<string[]> {
  const r = await apiOk(server, user, "GET", `/rooms/${enc(roomId)}/messages?dir=b&limit=50`);
  return (r.chunk as Array<{ type: string; content: { body?: string } }>).filter((e) => e.type === "m.room.message").map((e) => String(e.content.body));
}

type Ev = { type: string; room_id?: string; event_id?: string; state_key?: string; content: Record<string, unknown>; sender?: string };

before(async () => {
  server = await startServer();
  alice = await registerUser(server.baseUrl, "alice");
  bob = await registerUser(server.baseUrl, "bob");
  carol = await registerUser(server.baseUrl, "carol");
  roomId = String((await apiOk(server, alice, "POST", "/createRoom", { preset: "public_chat", name: "Legacy" })).room_id);
  await apiOk(server, bob, "POST", `/join/${enc(roomId)}`, {});
});
after(async () => server?.stop());

test("POST send without a transaction ID: every call is a new event", async () => {
  const path = `/rooms/${enc(roomId)}/send/m.room.message`;
  const a = await apiOk(server, alice, "POST", path, { msgtype: "m.text", body: "no txn" });
  const b = await apiOk(server, alice, "POST", path, { msgtype: "m.text", body: "no txn" });
  assert.match(String(a.event_id), /^\$/);
  assert.deepEqual(Object.keys(a), ["event_id"]);
  assert.notEqual(a.event_id, b.event_id);
  assert.equal((await bodies(alice, roomId)).filter((x) => x === "no txn").length, 2);
});

test("GET /events streams new events from a token; GET /events/{eventId} fetches one", async () => {
  const now = await apiOk(server, alice, "GET", "/events?timeout=0");
  assert.deepEqual(now.chunk, []);
  const from = String(now.end);
  const sent = await apiOk(server, bob, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/ev1`, { msgtype: "m.text", body: "streamed" });
  const got = await apiOk(server, alice, "GET", `/events?from=${enc(from)}&timeout=10000`);
  assert.equal(got.start, from);
  assert.notEqual(got.end, from);
  const ev = (got.chunk as Ev[]).find((e) => e.event_id === sent.event_id);
  assert.ok(ev, JSON.stringify(got.chunk));
  assert.equal(ev.room_id, roomId);
  assert.equal(ev.content.body, "streamed");
  // Nothing new: the same token comes back with an empty chunk.
  const idle = await apiOk(server, alice, "GET", `/events?from=${enc(String(got.end))}&timeout=0`);
  assert.deepEqual(idle.chunk, []);

  const one = await apiOk(server, alice, "GET", `/events/${enc(String(sent.event_id))}`);
  assert.equal(one.event_id, sent.event_id);
  assert.equal(one.room_id, roomId);
  assert.equal((one.content as Record<string, unknown>).body, "streamed");
  const unknown = await api(server, alice, "GET", `/events/${enc("$nope")}`);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.errcode, "M_NOT_FOUND");
});

test("GET /events marks the user online, as /sync does without set_presence", async () => {
  const dave = await registerUser(server.baseUrl, "dave");
  assert.equal((await apiOk(server, dave, "GET", `/presence/${enc(dave.userId)}/status`)).presence, "offline");
  await apiOk(server, dave, "GET", "/events?timeout=0");
  assert.equal((await apiOk(server, dave, "GET", `/presence/${enc(dave.userId)}/status`)).presence, "online");
});

test("GET /events hands out every event since the token, not only a room's last few", async () => {
  const from = String((await apiOk(server, alice, "GET", "/events?timeout=0")).end);
  for (let i = 0; i < 15; i++) await apiOk(server, bob, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/burst${i}`, { msgtype: "m.text", body: `burst ${i}` });
  const got = await apiOk(server, alice, "GET", `/events?from=${enc(from)}&timeout=0`);
  const burst = (got.chunk as Ev[]).filter((e) => String(e.content.body).startsWith("burst ")).map((e) => e.content.body);
  assert.deepEqual(burst, Array.from({ length: 15 }, (_, i) => `burst ${i}`));
});

test("GET /events leaves the device's to-device messages to its /sync: none handed out, none deleted", async () => {
  const first = await apiOk(server, alice, "GET", "/sync?timeout=0");
  await apiOk(server, bob, "PUT", `/sendToDevice/m.test.legacy/td1`, { messages: { [alice.userId]: { [alice.deviceId]: { n: 1 } } } });
  const now = await apiOk(server, alice, "GET", "/events?timeout=0");
  const later = await apiOk(server, alice, "GET", `/events?from=${enc(String(now.end))}&timeout=0`);
  assert.ok(!(later.chunk as Ev[]).some((e) => e.type === "m.test.legacy"), JSON.stringify(later.chunk));
  await apiOk(server, alice, "GET", `/events?from=${enc(String(later.end))}&timeout=0`);
  const sync = await apiOk(server, alice, "GET", `/sync?since=${enc(String(first.next_batch))}&timeout=0`);
  const got = (sync.to_device as { events: Ev[] }).events.filter((e) => e.type === "m.test.legacy");
  assert.deepEqual(got.map((e) => [e.sender, e.content]), [[bob.userId, { n: 1 }]]);
});

test("peeking: GET /events?room_id= streams a world-readable room to a non-member; a private room is refused", async () => {
  const open = String((await apiOk(server, alice, "POST", "/createRoom", { preset: "public_chat", initial_state: [{ type: "m.room.history_visibility", content: { history_visibility: "world_readable" } }] })).room_id);
  const snapshot = await apiOk(server, carol, "GET", `/rooms/${enc(open)}/initialSync`);
  assert.equal(snapshot.room_id, open);
  const from = String((snapshot.messages as { end: string }).end);
  const sent = await apiOk(server, alice, "PUT", `/rooms/${enc(open)}/send/m.room.message/peek1`, { msgtype: "m.text", body: "peeked" });
  const got = await apiOk(server, carol, "GET", `/events?room_id=${enc(open)}&from=${enc(from)}&timeout=5000`);
  assert.equal(got.start, from);
  assert.deepEqual((got.chunk as Ev[]).map((e) => e.event_id), [sent.event_id]);
  const idle = await apiOk(server, carol, "GET", `/events?room_id=${enc(open)}&from=${enc(String(got.end))}&timeout=0`);
  assert.deepEqual(idle.chunk, []);
  assert.equal(idle.end, got.end);
  assert.equal(await membership(open, carol.userId), undefined);

  const closed = String((await apiOk(server, alice, "POST", "/createRoom", { preset: "private_chat" })).room_id);
  const refused = await api(server, carol, "GET", `/events?room_id=${enc(closed)}&timeout=0`);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.errcode, "M_FORBIDDEN");
  const badFrom = await api(server, carol, "GET", `/events?room_id=${enc(open)}&from=garbage`);
  assert.equal(badFrom.status, 400);
  assert.equal(badFrom.body.errcode, "M_INVALID_PARAM");
});

test("a guest's GET /events must peek into one room (Synapse's rule)", async () => {
  const g = await call(server.baseUrl, "POST", "/_matrix/client/v3/register?kind=guest", { body: {} });
  assert.equal(g.status, 200);
  const guest: TestUser = { userId: String(g.body.user_id), accessToken: String(g.body.access_token), deviceId: String(g.body.device_id), password: "" };
  const whole = await api(server, guest, "GET", "/events?timeout=0");
  assert.equal(whole.status, 400);
  assert.equal(whole.body.errcode, "M_UNKNOWN");
  const open = String((await apiOk(server, alice, "POST", "/createRoom", { preset: "public_chat", initial_state: [{ type: "m.room.history_visibility", content: { history_visibility: "world_readable" } }] })).room_id);
  const peek = await apiOk(server, guest, "GET", `/events?room_id=${enc(open)}&timeout=0`);
  assert.deepEqual(peek.chunk, []);
});

test("GET /initialSync: rooms with membership, messages, state; invites; limit", async () => {
  await apiOk(server, alice, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/is1`, { msgtype: "m.text", body: "latest" });
  const r = await apiOk(server, alice, "GET", "/initialSync?limit=1");
  assert.equal(typeof r.end, "string");
  assert.ok(Array.isArray(r.presence));
  assert.ok(Array.isArray(r.account_data));
  const room = (r.rooms as Array<Record<string, unknown>>).find((x) => x.room_id === roomId);
  assert.ok(room);
  assert.equal(room.membership, "join");
  assert.equal(room.visibility, "private");
  const messages = room.messages as { chunk: Ev[]; start?: string; end: string };
  assert.equal(messages.chunk.length, 1);
  assert.equal(messages.chunk[0].content.body, "latest");
  const state = room.state as Ev[];
  assert.ok(state.some((e) => e.type === "m.room.create"));
  assert.equal(state.find((e) => e.type === "m.room.name")?.content.name, "Legacy");
  assert.equal(state.find((e) => e.type === "m.room.member" && e.state_key === bob.userId)?.content.membership, "join");
  // The pagination token works with /messages.
  if (messages.start) await apiOk(server, alice, "GET", `/rooms/${enc(roomId)}/messages?dir=b&from=${enc(messages.start)}`);

  const invited = String((await apiOk(server, alice, "POST", "/createRoom", { preset: "private_chat", invite: [carol.userId] })).room_id);
  const c = await apiOk(server, carol, "GET", "/initialSync");
  const inv = (c.rooms as Array<Record<string, unknown>>).find((x) => x.room_id === invited);
  assert.equal(inv?.membership, "invite");
  assert.equal(inv?.inviter, alice.userId);
  assert.equal((inv?.invite as Ev).content.membership, "invite");
});

test("GET /initialSync with limit=0; its end token doesn't count the device's to-device messages as received", async () => {
  await apiOk(server, bob, "PUT", `/sendToDevice/m.test.snapshot/td2`, { messages: { [alice.userId]: { [alice.deviceId]: { n: 2 } } } });
  const snapshot = await apiOk(server, alice, "GET", "/initialSync?limit=0");
  // limit=0: no messages, the state all the same.
  const room = (snapshot.rooms as Array<{ room_id: string; messages: { chunk: Ev[] }; state: Ev[] }>).find((x) => x.room_id === roomId);
  assert.deepEqual(room?.messages.chunk, []);
  assert.ok(room?.state.some((e) => e.type === "m.room.name"));
  const sync = await apiOk(server, alice, "GET", `/sync?since=${enc(String(snapshot.end))}&timeout=0`);
  const got = (sync.to_device as { events: Ev[] }).events.filter((e) => e.type === "m.test.snapshot");
  assert.deepEqual(got.map((e) => e.content), [{ n: 2 }]);
});

test("GET /rooms/{roomId}/initialSync: a snapshot of one room", async () => {
  await apiOk(server, alice, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/ri1`, { msgtype: "m.text", body: "one" });
  await apiOk(server, alice, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/ri2`, { msgtype: "m.text", body: "two" });
  const r = await apiOk(server, bob, "GET", `/rooms/${enc(roomId)}/initialSync?limit=2`);
  assert.equal(r.room_id, roomId);
  assert.equal(r.membership, "join");
  const messages = r.messages as { chunk: Ev[]; start?: string; end: string };
  assert.deepEqual(messages.chunk.map((e) => e.content.body), ["one", "two"]);
  assert.equal(typeof messages.end, "string");
  assert.ok((r.state as Ev[]).some((e) => e.type === "m.room.name"));
  assert.ok(Array.isArray(r.account_data));
  assert.equal(r.visibility, "private");
});

test("membership through PUT /state/m.room.member: invite, join, kick, ban, unban as the membership endpoints", async () => {
  const path = `/rooms/${enc(roomId)}/state/m.room.member/${enc(carol.userId)}`;
  const inv = await apiOk(server, alice, "PUT", path, { membership: "invite", reason: "come" });
  assert.match(String(inv.event_id), /^\$/);
  assert.equal(await membership(roomId, carol.userId), "invite");
  await apiOk(server, carol, "PUT", path, { membership: "join", displayname: "Caz" });
  assert.equal(await membership(roomId, carol.userId), "join");
  const me = await apiOk(server, alice, "GET", `/rooms/${enc(roomId)}/state/m.room.member/${enc(carol.userId)}`);
  assert.equal(me.displayname, "Caz");
  await apiOk(server, alice, "PUT", path, { membership: "leave", reason: "kick" });
  assert.equal(await membership(roomId, carol.userId), "leave");
  await apiOk(server, alice, "PUT", path, { membership: "ban" });
  assert.equal(await membership(roomId, carol.userId), "ban");
  await apiOk(server, alice, "PUT", path, { membership: "leave" });
  assert.equal(await membership(roomId, carol.userId), "leave");
  // Leaving oneself.
  await apiOk(server, carol, "PUT", path, { membership: "join" });
  const left = await apiOk(server, carol, "PUT", path, { membership: "leave" });
  assert.equal(await membership(roomId, carol.userId), "leave");
  // Leaving again changes nothing and answers the member event that already says so.
  const again = await apiOk(server, carol, "PUT", path, { membership: "leave" });
  assert.equal(again.event_id, left.event_id);
});

test("membership through state: a join can't name its own authoriser to get into a restricted room", async () => {
  const space = String((await apiOk(server, alice, "POST", "/createRoom", { preset: "private_chat" })).room_id);
  const restricted = String(
    (
      await apiOk(server, alice, "POST", "/createRoom", {
        preset: "private_chat",
        room_version: "10",
        initial_state: [{ type: "m.room.join_rules", state_key: "", content: { join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: space }] } }],
      })
    ).room_id,
  );
  const path = `/rooms/${enc(restricted)}/state/m.room.member/${enc(carol.userId)}`;
  const r = await api(server, carol, "PUT", path, { membership: "join", join_authorised_via_users_server: alice.userId });
  assert.equal(r.status, 403, JSON.stringify(r.body));
  assert.equal(r.body.errcode, "M_FORBIDDEN");
  assert.equal(await membership(restricted, carol.userId), undefined);
  // A member of the allowed room gets in, vouched for by the server, not by what the client wrote.
  await apiOk(server, alice, "POST", `/rooms/${enc(space)}/invite`, { user_id: carol.userId });
  await apiOk(server, carol, "POST", `/join/${enc(space)}`, {});
  await apiOk(server, carol, "PUT", path, { membership: "join", join_authorised_via_users_server: "@nobody:elsewhere.example" });
  assert.equal(await membership(restricted, carol.userId), "join");
});

test("membership through state keeps the rules of the membership endpoints: invite-only joins, kicks without power, guests, unknown invitees", async () => {
  const closed = String((await apiOk(server, alice, "POST", "/createRoom", { preset: "private_chat", invite: [bob.userId] })).room_id);
  await apiOk(server, bob, "POST", `/join/${enc(closed)}`, {});
  const guest = await call(server.baseUrl, "POST", "/_matrix/client/v3/register?kind=guest", { body: {} });
  assert.equal(guest.status, 200);
  const guestUser: TestUser = { userId: String(guest.body.user_id), accessToken: String(guest.body.access_token), deviceId: String(guest.body.device_id), password: "" };
  const nobody = `@nobody:${server.serverName}`;
  const cases: Array<[string, TestUser, string, unknown, number, string]> = [
    ["joining an invite-only room uninvited", carol, carol.userId, { membership: "join" }, 403, "M_FORBIDDEN"],
    ["knocking for someone else", carol, bob.userId, { membership: "knock" }, 403, "M_FORBIDDEN"],
    ["kicking a higher power level", bob, alice.userId, { membership: "leave" }, 403, "M_FORBIDDEN"],
    ["a guest inviting", guestUser, carol.userId, { membership: "invite" }, 403, "M_GUEST_ACCESS_FORBIDDEN"],
    ["inviting nobody", alice, nobody, { membership: "invite" }, 404, "M_NOT_FOUND"],
  ];
  for (const [what, user, target, body, status, errcode] of cases) {
    const was = await membership(closed, target);
    const r = await api(server, user, "PUT", `/rooms/${enc(closed)}/state/m.room.member/${enc(target)}`, body);
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, errcode, what);
    assert.equal(await membership(closed, target), was, what);
  }
});

test("refusals: tokens, bad from, unknown event and room, no power, someone else's join, unknown or missing membership; nothing changes", async () => {
  for (const path of ["/events", `/events/${enc("$x")}`, "/initialSync", `/rooms/${enc(roomId)}/initialSync`]) {
    const none = await call(server.baseUrl, "GET", `/_matrix/client/v3${path}`);
    assert.equal(none.status, 401, path);
    assert.equal(none.body.errcode, "M_MISSING_TOKEN", path);
    const bad = await api(server, { ...alice, accessToken: "syt_bad_token" }, "GET", path);
    assert.equal(bad.status, 401, path);
    assert.equal(bad.body.errcode, "M_UNKNOWN_TOKEN", path);
  }
  for (const from of ["garbage", "t12", "s1"]) {
    const r = await api(server, alice, "GET", `/events?from=${from}`);
    assert.equal(r.status, 400, from);
    assert.equal(r.body.errcode, "M_INVALID_PARAM", from);
  }
  const archived = await api(server, alice, "GET", "/initialSync?archived=maybe");
  assert.equal(archived.status, 400);
  assert.equal(archived.body.errcode, "M_INVALID_PARAM");

  // A stranger can't snapshot a room that isn't world-readable; an unknown room is refused alike.
  const privateRoom = String((await apiOk(server, alice, "POST", "/createRoom", { preset: "private_chat" })).room_id);
  const secret = await apiOk(server, alice, "PUT", `/rooms/${enc(privateRoom)}/send/m.room.message/s1`, { msgtype: "m.text", body: "secret" });
  for (const id of [privateRoom, `!unknown:${server.serverName}`]) {
    const r = await api(server, bob, "GET", `/rooms/${enc(id)}/initialSync`);
    assert.equal(r.status, 403, id);
    assert.equal(r.body.errcode, "M_FORBIDDEN", id);
  }
  const hidden = await api(server, bob, "GET", `/events/${enc(String(secret.event_id))}`);
  assert.equal(hidden.status, 404);
  assert.equal(hidden.body.errcode, "M_NOT_FOUND");

  // The txn-less send: no token, malformed JSON, a room the sender isn't in; nothing is sent.
  const before = await bodies(alice, roomId);
  const sendPath = `/rooms/${enc(roomId)}/send/m.room.message`;
  const noTok = await call(server.baseUrl, "POST", `/_matrix/client/v3${sendPath}`, { body: { msgtype: "m.text", body: "x" } });
  assert.equal(noTok.status, 401);
  assert.equal(noTok.body.errcode, "M_MISSING_TOKEN");
  const notJson = await call(server.baseUrl, "POST", `/_matrix/client/v3${sendPath}`, { token: alice.accessToken, rawBody: "{nope" });
  assert.equal(notJson.status, 400);
  assert.equal(notJson.body.errcode, "M_NOT_JSON");
  const outsider = await api(server, carol, "POST", sendPath, { msgtype: "m.text", body: "x" });
  assert.equal(outsider.status, 403);
  assert.equal(outsider.body.errcode, "M_FORBIDDEN");
  assert.deepEqual(await bodies(alice, roomId), before);

  // Membership through state: each refusal leaves carol's membership as it was.
  const path = `/rooms/${enc(roomId)}/state/m.room.member/${enc(carol.userId)}`;
  const was = await membership(roomId, carol.userId);
  const cases: Array<[string, TestUser, unknown, number, string]> = [
    ["bob has no power to ban", bob, { membership: "ban" }, 403, "M_FORBIDDEN"],
    ["joining someone else", alice, { membership: "join" }, 403, "M_FORBIDDEN"],
    ["unknown membership", alice, { membership: "dance" }, 400, "M_INVALID_PARAM"],
    ["membership missing", alice, { displayname: "x" }, 400, "M_BAD_JSON"],
    ["membership not a string", alice, { membership: 1 }, 400, "M_BAD_JSON"],
  ];
  for (const [what, user, body, status, errcode] of cases) {
    const r = await api(server, user, "PUT", path, body);
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, errcode, what);
    assert.equal(await membership(roomId, carol.userId), was, what);
  }
  const badKey = await api(server, alice, "PUT", `/rooms/${enc(roomId)}/state/m.room.member/not-a-user`, { membership: "invite" });
  assert.equal(badKey.status, 400);
  assert.equal(badKey.body.errcode, "M_INVALID_PARAM");
});

test("GET /events/{eventId} for IDs the server doesn't know is rate-limited: each one walks the user's rooms", async () => {
  const limited = await startServer({ vars: { RATE_LIMITS: "on" } });
  try {
    const dave = await registerUser(limited.baseUrl, "dave");
    const get = (n: number) => call(limited.baseUrl, "GET", `/_matrix/client/v3/events/${enc(`$unknown${n}`)}`, { token: dave.accessToken });
    const answers: Array<{ status: number; errcode: unknown }> = [];
    for (let n = 0; n < 12; n++) {
      const r = await get(n);
      answers.push({ status: r.status, errcode: r.body.errcode });
    }
    // The burst (10) answers as an unknown event would; then the client is told to wait.
    assert.deepEqual(answers.slice(0, 10), Array(10).fill({ status: 404, errcode: "M_NOT_FOUND" }));
    assert.deepEqual(answers[11], { status: 429, errcode: "M_LIMIT_EXCEEDED" });
  } finally {
    await limited.stop();
  }
});
