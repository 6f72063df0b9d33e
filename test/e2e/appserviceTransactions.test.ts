/**
 * Application services, homeserver → service (issue 15, second step): the events of the rooms a
 * service is interested in are pushed to it in transactions (PUT /_matrix/app/v1/transactions/
 * {txnId}, hs_token as Bearer), in order, each retried with the same ID and events until the
 * service answers 200. Spec: application-service-api "Pushing events"; data/api/
 * application-service/transactions.yaml. The service is a loopback fake (fakeAppservice.ts).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, registerUser, call, api, makeEventually, type RunningServer, type TestUser } from "./harness.js";
import { startFakeAppservice, closedPort, type FakeAppservice } from "./fakeAppservice.js";

let server: RunningServer;
let fake: FakeAppservice;
/** The service behind `wrongtoken`, expecting another hs_token than the one it is registered with. */
let strict: FakeAppservice;
let alice: TestUser;
const HS = "localhost";
const enc = encodeURIComponent;
const eventually = makeEventually({ timeout: 30_000, every: 50 });
const BOT = `@txbot:${HS}`;

function registrations(downPort: number): string {
  return `id: tx
url: ${fake.base}
as_token: as_tx
hs_token: hs_tx
sender_localpart: txbot
protocols: [irc, gitter]
namespaces:
  users: [{exclusive: true, regex: "@tx_.*"}]
  aliases: [{exclusive: false, regex: "#tx_.*"}]
---
id: wrongtoken
url: ${strict.base}
as_token: as_wrong
hs_token: hs_not_what_the_service_expects
sender_localpart: wrongbot
protocols: [irc]
namespaces:
  users: [{exclusive: true, regex: "@wrong_.*"}]
---
id: down
url: http://127.0.0.1:${downPort}
as_token: as_down
hs_token: hs_down
sender_localpart: downbot
namespaces:
  users: [{exclusive: true, regex: "@down_.*"}]
  aliases: [{exclusive: true, regex: "#down_.*"}]
`;
}

before(async () => {
  fake = await startFakeAppservice({ hsToken: "hs_tx" });
  strict = await startFakeAppservice({ hsToken: "hs_the_right_one" });
  server = await startServer({ vars: { APPSERVICES: registrations(await closedPort()) } });
  alice = await registerUser(server.baseUrl, "alice");
});

after(async () => {
  try {
    await server?.stop();
  } finally {
    await fake?.close();
    await strict?.close();
  }
});

/** A Client-Server call with an as_token, masquerading as `userId` when given. */
function asCall(token: string, method: string, path: string, userId?: string, body?: unknown) {
  const qs = userId ? `${path.includes("?") ? "&" : "?"}user_id=${enc(userId)}` : "";
  return call(server.baseUrl, method, `/_matrix/client${path}${qs}`, { token, body });
}

async function createRoom(user: TestUser, body: Record<string, unknown> = {}): Promise<string> {
  const r = await api(server, user, "POST", "/createRoom", body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return String(r.body.room_id);
}

async function send(user: TestUser, roomId: string, text: string): Promise<string> {
  const r = await api(server, user, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/${Math.random().toString(36).slice(2)}`, { msgtype: "m.text", body: text });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return String(r.body.event_id);
}

const bodiesIn = (events: Array<Record<string, unknown>>, roomId: string) =>
  events.filter((e) => e.room_id === roomId && e.type === "m.room.message").map((e) => (e.content as { body?: string }).body);

/** A room alice made and the service's bot joined (invited, then joining with the as_token). */
async function roomWithBot(): Promise<string> {
  const roomId = await createRoom(alice);
  assert.equal((await api(server, alice, "POST", `/rooms/${enc(roomId)}/invite`, { user_id: BOT })).status, 200);
  const joined = await asCall("as_tx", "POST", `/v3/rooms/${enc(roomId)}/join`, undefined, {});
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  return roomId;
}

test("the bot joins a room: a user's messages reach the service in order, in transactions carrying the hs_token", async () => {
  const roomId = await roomWithBot();
  const sent = ["one", "two", "three", "four", "five"];
  for (const text of sent) await send(alice, roomId, text);
  await eventually("all five messages acknowledged", () => bodiesIn(fake.acknowledged(), roomId).length >= 5);
  assert.deepEqual(bodiesIn(fake.acknowledged(), roomId), sent);
  const events = fake.acknowledged().filter((e) => e.room_id === roomId);
  // The bot's invite and join come first: the invite names one of its users, the join is its own.
  const members = events.filter((e) => e.type === "m.room.member").map((e) => [e.state_key, (e.content as { membership: string }).membership]);
  assert.deepEqual(members.slice(0, 2), [
    [BOT, "invite"],
    [BOT, "join"],
  ]);
  // Client format (spec ClientEvent): no PDU fields such as auth_events or hashes.
  const first = events.find((e) => e.type === "m.room.message")!;
  assert.equal(first.sender, alice.userId);
  assert.equal(typeof first.event_id, "string");
  assert.equal(typeof first.origin_server_ts, "number");
  assert.equal("auth_events" in first || "hashes" in first || "signatures" in first, false);
  for (const t of fake.transactions) assert.equal(t.authorization, "Bearer hs_tx");
  // Transaction IDs are distinct for distinct transactions.
  const byId = new Map<string, string>();
  for (const t of fake.transactions) {
    const key = JSON.stringify(t.events);
    assert.equal(byId.get(t.txnId) ?? key, key, `txn ${t.txnId} always carries the same events`);
    byId.set(t.txnId, key);
  }
  assert.equal(server.internalErrors().length, 0);
});

test("the service answers through a ghost (?user_id=), and the user sees it in /sync", async () => {
  const roomId = await createRoom(alice, { preset: "public_chat" });
  const reg = await asCall("as_tx", "POST", "/v3/register", undefined, { type: "m.login.application_service", username: "tx_ghost", inhibit_login: true });
  assert.equal(reg.status, 200, JSON.stringify(reg.body));
  const ghost = `@tx_ghost:${HS}`;
  assert.equal((await asCall("as_tx", "POST", `/v3/join/${enc(roomId)}`, ghost, {})).status, 200);
  await send(alice, roomId, "hello bridge");
  await eventually("alice's message pushed", () => bodiesIn(fake.acknowledged(), roomId).includes("hello bridge"));
  const reply = await asCall("as_tx", "PUT", `/v3/rooms/${enc(roomId)}/send/m.room.message/r1`, ghost, { msgtype: "m.text", body: "hello from the other side" });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  const seen = await eventually("alice sees the ghost's reply in /sync", async () => {
    const s = await api(server, alice, "GET", "/sync?timeout=0");
    const rooms = (s.body.rooms as { join?: Record<string, { timeline: { events: Array<Record<string, unknown>> } }> } | undefined)?.join;
    return rooms?.[roomId]?.timeline.events.find((e) => (e.content as { body?: string }).body === "hello from the other side");
  });
  assert.equal(seen.sender, ghost);
  // The ghost's own message goes to the service as well (its sender is in the namespace), after alice's.
  await eventually("the ghost's reply pushed", () => bodiesIn(fake.acknowledged(), roomId).includes("hello from the other side"));
  assert.deepEqual(bodiesIn(fake.acknowledged(), roomId), ["hello bridge", "hello from the other side"]);
});

test("the service down, then failing, then back: every transaction arrives, in order, the failed one retried with the same ID and events", async () => {
  const roomId = await roomWithBot();
  await eventually("the bot's join pushed", () => fake.acknowledged().some((e) => e.room_id === roomId && e.sender === BOT && e.type === "m.room.member"));
  const before = fake.transactions.length;
  fake.refuse = true;
  await send(alice, roomId, "while down 1");
  const failing = await eventually("two refused attempts of one transaction", () => {
    const attempts = fake.transactions.slice(before);
    return attempts.length >= 2 ? attempts : undefined;
  });
  // More messages wait for the next transaction.
  await send(alice, roomId, "while down 2");
  await send(alice, roomId, "while down 3");
  fake.refuse = false;
  fake.txnStatus = 500;
  await eventually("an attempt answered 500", () => fake.transactions.slice(before).some((t) => t.status === 500));
  fake.txnStatus = 200;
  await eventually("everything acknowledged", () => bodiesIn(fake.acknowledged(), roomId).length >= 3);
  assert.deepEqual(bodiesIn(fake.acknowledged(), roomId), ["while down 1", "while down 2", "while down 3"]);
  const attempts = fake.transactions.slice(before);
  const firstId = failing[0].txnId;
  const sameTxn = attempts.filter((t) => t.txnId === firstId);
  assert.ok(sameTxn.length >= 3, "refused twice, failed once with 500, then acknowledged");
  for (const t of sameTxn) assert.deepEqual(t.events, failing[0].events);
  assert.deepEqual(bodiesIn(failing[0].events, roomId), ["while down 1"]);
  assert.equal(sameTxn.at(-1)!.status, 200);
  // Nothing was sent under another ID before the failed transaction was acknowledged.
  const firstAck = attempts.findIndex((t) => t.txnId === firstId && t.status === 200);
  assert.ok(attempts.slice(0, firstAck).every((t) => t.txnId === firstId));
});

test("a room whose alias is in the aliases namespace is pushed; an invite of a namespaced user is pushed", async () => {
  const roomId = await createRoom(alice, { room_alias_name: "tx_lobby" });
  await send(alice, roomId, "in the aliased room");
  await eventually("the aliased room's message pushed", () => bodiesIn(fake.acknowledged(), roomId).includes("in the aliased room"));

  const other = await createRoom(alice);
  const reg = await asCall("as_tx", "POST", "/v3/register", undefined, { type: "m.login.application_service", username: "tx_invitee", inhibit_login: true });
  assert.equal(reg.status, 200);
  assert.equal((await api(server, alice, "POST", `/rooms/${enc(other)}/invite`, { user_id: `@tx_invitee:${HS}` })).status, 200);
  const invite = await eventually("the invite pushed", () => fake.acknowledged().find((e) => e.room_id === other && e.type === "m.room.member"));
  assert.equal(invite.state_key, `@tx_invitee:${HS}`);
  assert.equal((invite.content as { membership: string }).membership, "invite");
});

test("events of a room nobody of the service is in are not pushed", async () => {
  const lonely = await createRoom(alice);
  await send(alice, lonely, "nobody bridges this");
  const marked = await roomWithBot();
  await send(alice, marked, "marker");
  await eventually("the marker pushed", () => bodiesIn(fake.acknowledged(), marked).includes("marker"));
  assert.equal(
    fake.transactions.some((t) => t.events.some((e) => e.room_id === lonely)),
    false,
  );
});

test("a transaction the service refuses (wrong hs_token, 403) is retried with the same ID and events, never dropped", async () => {
  const roomId = await createRoom(alice, { preset: "public_chat" });
  const joined = await asCall("as_wrong", "POST", `/v3/join/${enc(roomId)}`, undefined, {});
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  const attempts = await eventually("two attempts", () => (strict.transactions.length >= 2 ? strict.transactions.slice(0, 2) : undefined));
  assert.equal(attempts[0].authorization, "Bearer hs_not_what_the_service_expects");
  assert.deepEqual(
    attempts.map((t) => t.status),
    [403, 403],
  );
  assert.equal(attempts[1].txnId, attempts[0].txnId);
  assert.deepEqual(attempts[1].events, attempts[0].events);
  assert.equal(attempts[0].events.find((e) => e.type === "m.room.member")?.state_key, `@wrongbot:${HS}`);
  // The other service never saw this room: its bot is not in it.
  assert.equal(fake.transactions.some((t) => t.events.some((e) => e.room_id === roomId)), false);
});

/**
 * The fake's answers to the user and room queries: users named @tx_made… are registered (as a
 * bridge creates a ghost) and rooms #tx_portal… are created with that alias by the bot; the rest
 * is 404. Queries without the hs_token are refused.
 */
function answerQueries(): void {
  fake.handler = async (req) => {
    if (req.method !== "GET") return undefined;
    if (req.authorization !== "Bearer hs_tx") return { status: 403, body: { errcode: "M_FORBIDDEN" } };
    const user = /^\/_matrix\/app\/v1\/users\/([^/?]+)$/.exec(req.path);
    if (user) {
      const userId = decodeURIComponent(user[1]);
      const localpart = userId.slice(1, userId.indexOf(":"));
      if (!localpart.startsWith("tx_made")) return { status: 404, body: { errcode: "M_NOT_FOUND" } };
      const r = await asCall("as_tx", "POST", "/v3/register", undefined, { type: "m.login.application_service", username: localpart, inhibit_login: true });
      return r.status === 200 ? { status: 200, body: {} } : { status: 500, body: r.body };
    }
    const room = /^\/_matrix\/app\/v1\/rooms\/([^/?]+)$/.exec(req.path);
    if (room) {
      const alias = decodeURIComponent(room[1]);
      const name = alias.slice(1, alias.indexOf(":"));
      if (!name.startsWith("tx_portal")) return { status: 404, body: { errcode: "M_NOT_FOUND" } };
      const r = await asCall("as_tx", "POST", "/v3/createRoom", undefined, { room_alias_name: name, preset: "public_chat" });
      return r.status === 200 ? { status: 200, body: {} } : { status: 500, body: r.body };
    }
    const tp = /^\/_matrix\/app\/v1\/thirdparty\/([^?]+)(?:\?(.*))?$/.exec(req.path);
    if (tp) {
      const [what, qs] = [tp[1], new URLSearchParams(tp[2] ?? "")];
      if (what === "protocol/irc") return { status: 200, body: IRC_PROTOCOL };
      if (what === "protocol/gitter") return { status: 500, body: { errcode: "M_UNKNOWN" } };
      if (what === "location/irc" && qs.get("channel") === "#matrix") {
        return { status: 200, body: [{ alias: `#irc_libera_matrix:${HS}`, protocol: "irc", fields: { network: "libera", channel: "#matrix" } }, { alias: 42, protocol: "irc", fields: {} }] };
      }
      if (what === "user/irc" && qs.get("nickname") === "bob") return { status: 200, body: [{ userid: `@irc_bob:${HS}`, protocol: "irc", fields: { nickname: "bob" } }, { userid: "@x:y" }] };
      if (what === "location" && qs.get("alias")) return { status: 200, body: [{ alias: qs.get("alias"), protocol: "irc", fields: { channel: "#matrix" } }] };
      if (what === "user" && qs.get("userid")) return { status: 200, body: [{ userid: qs.get("userid"), protocol: "irc", fields: { nickname: "bob" } }] };
      return { status: 200, body: [] };
    }
    return undefined;
  };
}

const IRC_PROTOCOL = {
  user_fields: ["network", "nickname"],
  location_fields: ["network", "channel"],
  icon: "mxc://example.org/irc",
  field_types: { network: { regexp: "[a-z.]+", placeholder: "libera.chat" }, nickname: { regexp: ".+", placeholder: "bob" }, channel: { regexp: "#.+", placeholder: "#matrix" } },
  instances: [{ desc: "Libera", network_id: "libera", fields: { network: "libera.chat" } }],
};

const profile = (userId: string) => call(server.baseUrl, "GET", `/_matrix/client/v3/profile/${enc(userId)}`, { token: alice.accessToken });
const queriesFor = (path: string) => fake.received.filter((r) => r.method === "GET" && r.path === path);

test("a ghost created on demand: GET /profile of an unregistered namespaced user asks the service, which registers it", async () => {
  answerQueries();
  const ghost = `@tx_made1:${HS}`;
  const r = await profile(ghost);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const asked = queriesFor(`/_matrix/app/v1/users/${enc(ghost)}`);
  assert.equal(asked.length, 1);
  assert.equal(asked[0].authorization, "Bearer hs_tx");
  // Now it exists: asking again does not query the service.
  assert.equal((await profile(ghost)).status, 200);
  assert.equal(queriesFor(`/_matrix/app/v1/users/${enc(ghost)}`).length, 1);
});

test("inviting an unregistered namespaced user asks the service first, then invites", async () => {
  answerQueries();
  const roomId = await createRoom(alice);
  const ghost = `@tx_made2:${HS}`;
  const r = await api(server, alice, "POST", `/rooms/${enc(roomId)}/invite`, { user_id: ghost });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(queriesFor(`/_matrix/app/v1/users/${enc(ghost)}`).length, 1);
  const invite = await eventually("the invite pushed", () => fake.acknowledged().find((e) => e.room_id === roomId && e.state_key === ghost));
  assert.equal((invite.content as { membership: string }).membership, "invite");
});

test("the service says no, the user is outside every namespace, or the service is down: 404 M_NOT_FOUND and nothing is created", async () => {
  answerQueries();
  for (const userId of [`@tx_unknown:${HS}`, `@nobody_at_all:${HS}`, `@down_ghost:${HS}`]) {
    const r = await profile(userId);
    assert.equal(r.status, 404, `${userId}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, "M_NOT_FOUND");
    const roomId = await createRoom(alice);
    const inv = await api(server, alice, "POST", `/rooms/${enc(roomId)}/invite`, { user_id: userId });
    assert.equal(inv.status, 404, `${userId}: ${JSON.stringify(inv.body)}`);
    assert.equal((await profile(userId)).status, 404);
  }
  assert.ok(queriesFor(`/_matrix/app/v1/users/${enc(`@tx_unknown:${HS}`)}`).length >= 1);
  // Outside every namespace: no service is asked.
  assert.equal(queriesFor(`/_matrix/app/v1/users/${enc(`@nobody_at_all:${HS}`)}`).length, 0);
});

test("an alias resolved through the room query: the service creates the room and alias, then GET /directory/room and join by alias work", async () => {
  answerQueries();
  const alias = `#tx_portal_one:${HS}`;
  const r = await call(server.baseUrl, "GET", `/_matrix/client/v3/directory/room/${enc(alias)}`, { token: alice.accessToken });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(typeof r.body.room_id, "string");
  const asked = queriesFor(`/_matrix/app/v1/rooms/${enc(alias)}`);
  assert.equal(asked.length, 1);
  assert.equal(asked[0].authorization, "Bearer hs_tx");

  const alias2 = `#tx_portal_two:${HS}`;
  const joined = await api(server, alice, "POST", `/join/${enc(alias2)}`, {});
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  assert.equal((await call(server.baseUrl, "GET", `/_matrix/client/v3/directory/room/${enc(alias2)}`, { token: alice.accessToken })).body.room_id, joined.body.room_id);

  for (const missing of [`#tx_nothing:${HS}`, `#down_room:${HS}`, `#elsewhere:${HS}`]) {
    const m = await call(server.baseUrl, "GET", `/_matrix/client/v3/directory/room/${enc(missing)}`, { token: alice.accessToken });
    assert.equal(m.status, 404, missing);
    assert.equal(m.body.errcode, "M_NOT_FOUND");
    const j = await api(server, alice, "POST", `/join/${enc(missing)}`, {});
    assert.equal(j.status, 404, missing);
  }
  assert.equal(queriesFor(`/_matrix/app/v1/rooms/${enc(`#elsewhere:${HS}`)}`).length, 0);
});

test("third-party protocols, locations and users come from the services listing the protocol", async () => {
  answerQueries();
  const tp = (path: string, token: string | null = alice.accessToken) => call(server.baseUrl, "GET", `/_matrix/client/v3/thirdparty/${path}`, { token: token ?? undefined });
  // irc from tx (wrongtoken's answer is refused by its service and left out); gitter fails at tx, so it is not offered.
  const protocols = await tp("protocols");
  assert.equal(protocols.status, 200);
  assert.deepEqual(Object.keys(protocols.body), ["irc"]);
  const irc = protocols.body.irc as typeof IRC_PROTOCOL & { instances: Array<Record<string, unknown>> };
  assert.deepEqual(irc.user_fields, IRC_PROTOCOL.user_fields);
  assert.deepEqual(irc.instances, [{ ...IRC_PROTOCOL.instances[0], instance_id: "tx|libera" }]);
  for (const t of fake.received.filter((r) => r.path.startsWith("/_matrix/app/v1/thirdparty/"))) assert.equal(t.authorization, "Bearer hs_tx");

  assert.deepEqual((await tp("protocol/irc")).body, protocols.body.irc);
  for (const unknown of ["gitter", "xmpp"]) {
    const r = await tp(`protocol/${unknown}`);
    assert.equal(r.status, 404, unknown);
    assert.equal(r.body.errcode, "M_NOT_FOUND");
  }

  // Lookups: the client's fields are passed on (its access_token is not); invalid results are dropped.
  const loc = await call(server.baseUrl, "GET", `/_matrix/client/v3/thirdparty/location/irc?network=libera&channel=${enc("#matrix")}&access_token=${alice.accessToken}`);
  assert.equal(loc.status, 200);
  assert.deepEqual(loc.body, [{ alias: `#irc_libera_matrix:${HS}`, protocol: "irc", fields: { network: "libera", channel: "#matrix" } }]);
  const asked = fake.received.filter((r) => r.path.startsWith("/_matrix/app/v1/thirdparty/location/irc?"));
  assert.equal(asked.length, 1);
  assert.equal(new URLSearchParams(asked[0].path.split("?")[1]).get("access_token"), null);
  assert.equal(new URLSearchParams(asked[0].path.split("?")[1]).get("network"), "libera");

  assert.deepEqual((await tp("user/irc?nickname=bob")).body, [{ userid: `@irc_bob:${HS}`, protocol: "irc", fields: { nickname: "bob" } }]);
  assert.deepEqual((await tp("user/irc?nickname=nobody")).body, []);
  // A protocol nobody serves: no service is asked, nothing found.
  assert.deepEqual((await tp("user/xmpp?nickname=bob")).body, []);

  // Reverse lookups.
  const alias = `#irc_libera_matrix:${HS}`;
  assert.deepEqual((await tp(`location?alias=${enc(alias)}`)).body, [{ alias, protocol: "irc", fields: { channel: "#matrix" } }]);
  assert.deepEqual((await tp(`user?userid=${enc(`@irc_bob:${HS}`)}`)).body, [{ userid: `@irc_bob:${HS}`, protocol: "irc", fields: { nickname: "bob" } }]);

  // Without a valid token: 401, and no service is asked.
  const before = fake.received.length;
  for (const path of ["protocols", "protocol/irc", "location/irc", "user/irc", "location", "user"]) {
    const none = await tp(path, null);
    assert.equal(none.status, 401, path);
    assert.equal(none.body.errcode, "M_MISSING_TOKEN");
    const bad = await tp(path, "not_a_token");
    assert.equal(bad.status, 401, path);
    assert.equal(bad.body.errcode, "M_UNKNOWN_TOKEN");
  }
  assert.equal(fake.received.length, before);
});
