/**
 * Application services, the part a bridge needs to authenticate (issue 15, first step):
 * registrations from the APPSERVICES variable (bad ones ignored, the server runs), as_token
 * identity assertion with ?user_id= and ?device_id=, m.login.application_service registration
 * and login, exclusive namespaces, device management (MSC4190) and the ping. Raw HTTP: no
 * appservice library is involved yet. Spec: application-service-api "Registration",
 * "Client-Server API Extensions"; client-server-api "Appservice Login"; appservice_ping.yaml.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, registerUser, call, api, type RunningServer, type TestUser } from "./harness.js";
import { startFakeAppservice, closedPort, type FakeAppservice } from "./fakeAppservice.js";
import { Browserless } from "./browserless.js";

let server: RunningServer;
let fake: FakeAppservice;
let alice: TestUser;
const HS = "localhost";
const enc = encodeURIComponent;

function registrations(fakeBase: string, downPort: number): string {
  return `# the bridge under test
id: bridge
url: "${fakeBase}/ok/"
as_token: as_bridge
hs_token: hs_bridge
sender_localpart: bridgebot
rate_limited: false
namespaces:
  users:
  - exclusive: true
    regex: '@bridge_.*'
  aliases:
  - exclusive: true
    regex: '#bridge_.*'
  rooms: []
---
id: badregex
url: null
as_token: as_badregex
hs_token: hs_badregex
sender_localpart: badbot
namespaces:
  users: [{exclusive: true, regex: "@bad_(.*"}]
---
id: dupe
url: null
as_token: as_bridge
hs_token: hs_dupe
sender_localpart: dupebot
namespaces:
  users: [{exclusive: true, regex: "@dupe_.*"}]
---
id: nourl
url: null
as_token: as_nourl
hs_token: hs_nourl
sender_localpart: nourlbot
namespaces:
  users:
    - exclusive: false
      regex: "@(shared|bridge)_.*"
---
id: rejecting
url: ${fakeBase}/reject
as_token: as_rejecting
hs_token: hs_rejecting
sender_localpart: rejectingbot
namespaces: {}
---
id: down
url: http://127.0.0.1:${downPort}
as_token: as_down
hs_token: hs_down
sender_localpart: downbot
namespaces: {}
`;
}

before(async () => {
  fake = await startFakeAppservice();
  server = await startServer({ vars: { APPSERVICES: registrations(fake.base, await closedPort()) } });
  alice = await registerUser(server.baseUrl, "alice");
});

after(async () => {
  try {
    await server?.stop();
  } finally {
    await fake?.close();
  }
});

/** A call with an as_token (or any token) and query parameters. */
function asCall(method: string, path: string, token: string | undefined, query: Record<string, string> = {}, body?: unknown) {
  const qs = new URLSearchParams(query).toString();
  return call(server.baseUrl, method, `/_matrix/client${path}${qs ? `?${qs}` : ""}`, { token, body });
}

/** Registers one of the bridge's users (m.login.application_service). */
async function bridgeUser(username: string, extra: Record<string, unknown> = {}) {
  const r = await asCall("POST", "/v3/register", "as_bridge", {}, { type: "m.login.application_service", username, ...extra });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

const displayname = async (userId: string) => (await call(server.baseUrl, "GET", `/_matrix/client/v3/profile/${enc(userId)}`)).body;

test("the good registration works next to a bad regex and a duplicate as_token, which are ignored", async () => {
  const who = await asCall("GET", "/v3/account/whoami", "as_bridge");
  assert.equal(who.status, 200);
  // The duplicate reused bridge's as_token: the token stays bridge's.
  assert.deepEqual(who.body, { user_id: `@bridgebot:${HS}`, is_guest: false });
  // The ?access_token= form too.
  const q = await call(server.baseUrl, "GET", "/_matrix/client/v3/account/whoami?access_token=as_bridge");
  assert.equal(q.body.user_id, `@bridgebot:${HS}`);
  const bad = await asCall("GET", "/v3/account/whoami", "as_badregex");
  assert.equal(bad.status, 401);
  assert.equal(bad.body.errcode, "M_UNKNOWN_TOKEN");
  // The ignored duplicate's exclusive namespace is not reserved: anyone may register there.
  const dupe = await registerUser(server.baseUrl, "dupe_x");
  assert.equal(dupe.userId, `@dupe_x:${HS}`);
  assert.equal(server.internalErrors().length, 0);
});

test("register with m.login.application_service: no UIA, no password, inhibit_login honoured", async () => {
  const r = await bridgeUser("bridge_alice");
  assert.equal(r.user_id, `@bridge_alice:${HS}`);
  assert.equal(typeof r.access_token, "string");
  assert.equal(typeof r.device_id, "string");
  const me = await call(server.baseUrl, "GET", "/_matrix/client/v3/account/whoami", { token: String(r.access_token) });
  assert.equal(me.body.user_id, `@bridge_alice:${HS}`);
  const inhibited = await bridgeUser("bridge_quiet", { inhibit_login: true });
  assert.deepEqual(inhibited, { user_id: `@bridge_quiet:${HS}`, home_server: HS });
  // No password: a password login cannot get in.
  const login = await call(server.baseUrl, "POST", "/_matrix/client/v3/login", { body: { type: "m.login.password", identifier: { type: "m.id.user", user: "bridge_quiet" }, password: "" } });
  assert.equal(login.status, 403);
  // Taken already: M_USER_IN_USE, which bridges expect when they ensure a user is registered.
  const again = await asCall("POST", "/v3/register", "as_bridge", {}, { type: "m.login.application_service", username: "bridge_quiet", inhibit_login: true });
  assert.equal(again.status, 400);
  assert.equal(again.body.errcode, "M_USER_IN_USE");
});

test("register with m.login.application_service is refused outside the namespace, in another's exclusive one, or without a valid as_token", async () => {
  const cases: [string | undefined, string, number, string][] = [
    ["as_bridge", "carol", 400, "M_EXCLUSIVE"], // outside bridge's namespace
    ["as_nourl", "bridge_bob", 400, "M_EXCLUSIVE"], // nourl's non-exclusive namespace, bridge's exclusive one
    ["as_nourl", "bridgebot2", 400, "M_EXCLUSIVE"], // not nourl's at all
    ["wrong_token", "bridge_bob", 401, "M_UNKNOWN_TOKEN"],
    [undefined, "bridge_bob", 401, "M_MISSING_TOKEN"],
    [alice.accessToken, "bridge_bob", 401, "M_UNKNOWN_TOKEN"], // a user's token is no as_token
  ];
  for (const [token, username, status, errcode] of cases) {
    const r = await asCall("POST", "/v3/register", token, {}, { type: "m.login.application_service", username });
    assert.equal(r.status, status, `${username} with ${token}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, errcode, `${username} with ${token}`);
    assert.equal((await displayname(`@${username}:${HS}`)).errcode, "M_NOT_FOUND", `${username} was not created`);
  }
  // nourl may register in its non-exclusive namespace where nobody holds it exclusively.
  const shared = await asCall("POST", "/v3/register", "as_nourl", {}, { type: "m.login.application_service", username: "shared_one", inhibit_login: true });
  assert.equal(shared.status, 200, JSON.stringify(shared.body));
});

test("register with m.login.application_service and a malformed username: 400 M_INVALID_USERNAME, nothing created", async () => {
  const cases: [unknown, string][] = [
    [undefined, "missing"],
    [42, "a number"],
    ["bridge_a:b", "a ':'"],
    ["bridge_a b", "a space"],
    ["", "empty"],
    [`bridge_${"x".repeat(260)}`, "a user ID over 255 bytes"],
  ];
  for (const [username, what] of cases) {
    const r = await asCall("POST", "/v3/register", "as_bridge", {}, { type: "m.login.application_service", username, inhibit_login: true });
    assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, "M_INVALID_USERNAME", what);
    if (typeof username === "string" && username !== "") {
      const profile = await call(server.baseUrl, "GET", `/_matrix/client/v3/profile/${enc(`@${username}:${HS}`)}`);
      assert.notEqual(profile.status, 200, `${what}: no such user was created`);
    }
  }
  assert.equal(server.internalErrors().length, 0);
});

test("normal registration of a name in an exclusive namespace: 400 M_EXCLUSIVE, nothing created", async () => {
  for (const username of ["bridge_eve", "bridgebot"]) {
    const r = await call(server.baseUrl, "POST", "/_matrix/client/v3/register", { body: { username, password: "correct horse battery", auth: { type: "m.login.dummy" } } });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.errcode, "M_EXCLUSIVE");
    assert.equal((await displayname(`@${username}:${HS}`)).errcode, "M_NOT_FOUND");
    const available = await call(server.baseUrl, "GET", `/_matrix/client/v3/register/available?username=${username}`);
    assert.equal(available.status, 400);
    assert.equal(available.body.errcode, "M_EXCLUSIVE");
  }
  // A non-exclusive namespace reserves nothing.
  const shared = await registerUser(server.baseUrl, "shared_two");
  assert.equal(shared.userId, `@shared_two:${HS}`);
});

test("the account page's sign-up refuses a name in an exclusive namespace too, and creates nothing", async () => {
  const browser = new Browserless(server.baseUrl);
  assert.equal((await browser.get("/account/register")).status, 200);
  for (const username of ["bridge_page", "bridgebot"]) {
    const r = await browser.post("/account/register", { username, password: "correct horse battery", password_confirm: "correct horse battery" });
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /reserved/);
    assert.equal(r.headers.getSetCookie().some((c) => c.startsWith("lattice_session=")), false);
    assert.equal((await displayname(`@${username}:${HS}`)).errcode, "M_NOT_FOUND", "no account was made");
  }
  // A non-exclusive namespace reserves nothing here either.
  const shared = await browser.post("/account/register", { username: "shared_page", password: "correct horse battery", password_confirm: "correct horse battery" });
  assert.equal(shared.status, 303, shared.text);
});

test("identity assertion: ?user_id= in the namespace, refused outside it, on another server or before registration", async () => {
  await bridgeUser("bridge_mask", { inhibit_login: true });
  const ok = await asCall("PUT", `/v3/profile/${enc(`@bridge_mask:${HS}`)}/displayname`, "as_bridge", { user_id: `@bridge_mask:${HS}` }, { displayname: "Masked" });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal((await displayname(`@bridge_mask:${HS}`)).displayname, "Masked");
  const who = await asCall("GET", "/v3/account/whoami", "as_bridge", { user_id: `@bridge_mask:${HS}` });
  assert.deepEqual(who.body, { user_id: `@bridge_mask:${HS}`, is_guest: false });

  const before = (await displayname(alice.userId)).displayname;
  for (const userId of [alice.userId, `@bridge_mask:elsewhere.example`, `@bridge_nobody:${HS}`, "not a user id"]) {
    const r = await asCall("PUT", `/v3/profile/${enc(alice.userId)}/displayname`, "as_bridge", { user_id: userId }, { displayname: "Hijacked" });
    assert.equal(r.status, 403, `${userId}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, "M_FORBIDDEN", userId);
  }
  assert.equal((await displayname(alice.userId)).displayname, before);
  // nourl's namespace covers bridge_ names non-exclusively: it may act as them too.
  const nourl = await asCall("GET", "/v3/account/whoami", "as_nourl", { user_id: `@bridge_mask:${HS}` });
  assert.equal(nourl.body.user_id, `@bridge_mask:${HS}`);
});

test("device management (MSC4190) and ?device_id= (MSC4326): PUT creates, device_id acts as it, DELETE needs no UIA", async () => {
  await bridgeUser("bridge_dev", { inhibit_login: true });
  const as = { user_id: `@bridge_dev:${HS}` };
  const unknown = await asCall("GET", "/v3/account/whoami", "as_bridge", { ...as, device_id: "BRIDGEDEV" });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.errcode, "M_UNKNOWN_DEVICE");

  const created = await asCall("PUT", "/v3/devices/BRIDGEDEV", "as_bridge", as, { display_name: "Bridge device" });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const again = await asCall("PUT", "/v3/devices/BRIDGEDEV", "as_bridge", as, {});
  assert.equal(again.status, 200);
  const who = await asCall("GET", "/v3/account/whoami", "as_bridge", { ...as, device_id: "BRIDGEDEV" });
  assert.deepEqual(who.body, { user_id: `@bridge_dev:${HS}`, device_id: "BRIDGEDEV", is_guest: false });
  const listed = await asCall("GET", "/v3/devices", "as_bridge", as);
  assert.deepEqual((listed.body.devices as { device_id: string; display_name: string }[]).map((d) => [d.device_id, d.display_name]), [["BRIDGEDEV", "Bridge device"]]);

  // A normal user's PUT of an unknown device still answers 404 and creates nothing.
  const mine = await api(server, alice, "PUT", "/devices/NEWDEV", { display_name: "x" });
  assert.equal(mine.status, 404);
  assert.equal((await api(server, alice, "GET", "/devices/NEWDEV")).status, 404);
  // A normal user's DELETE still needs UIA.
  const uia = await api(server, alice, "DELETE", `/devices/${alice.deviceId}`, {});
  assert.equal(uia.status, 401);

  const deleted = await asCall("DELETE", "/v3/devices/BRIDGEDEV", "as_bridge", as, {});
  assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
  const gone = await asCall("GET", "/v3/account/whoami", "as_bridge", { ...as, device_id: "BRIDGEDEV" });
  assert.equal(gone.body.errcode, "M_UNKNOWN_DEVICE");
});

test("m.login.application_service login: listed in the flows, a token for a registered namespace user, refusals", async () => {
  const flows = await call(server.baseUrl, "GET", "/_matrix/client/v3/login");
  assert.ok((flows.body.flows as { type: string }[]).some((f) => f.type === "m.login.application_service"));
  await bridgeUser("bridge_login", { inhibit_login: true });
  const login = (user: string, token?: string) =>
    asCall("POST", "/v3/login", token, {}, { type: "m.login.application_service", identifier: { type: "m.id.user", user } });
  const ok = await login("bridge_login", "as_bridge");
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.user_id, `@bridge_login:${HS}`);
  const me = await call(server.baseUrl, "GET", "/_matrix/client/v3/account/whoami", { token: String(ok.body.access_token) });
  assert.deepEqual(me.body, { user_id: `@bridge_login:${HS}`, device_id: ok.body.device_id, is_guest: false });
  const full = await login(`@bridge_login:${HS}`, "as_bridge");
  assert.equal(full.status, 200);

  const refusals: [string, string | undefined, number, string][] = [
    ["alice", "as_bridge", 403, "M_EXCLUSIVE"],
    [`@bridge_login:elsewhere.example`, "as_bridge", 403, "M_EXCLUSIVE"],
    ["bridge_never", "as_bridge", 403, "M_FORBIDDEN"],
    ["bridge_login", "wrong", 401, "M_UNKNOWN_TOKEN"],
    ["bridge_login", undefined, 401, "M_MISSING_TOKEN"],
  ];
  for (const [user, token, status, errcode] of refusals) {
    const r = await login(user, token);
    assert.equal(r.status, status, `${user}/${token}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, errcode, `${user}/${token}`);
  }
  const devices = await asCall("GET", "/v3/devices", "as_bridge", { user_id: `@bridge_login:${HS}` });
  assert.equal((devices.body.devices as unknown[]).length, 2, "only the two successful logins made devices");
});

test("aliases in an exclusive namespace: refused to normal users (M_EXCLUSIVE), the service's own", async () => {
  const room = await api(server, alice, "POST", "/createRoom", {});
  const roomId = String(room.body.room_id);
  const alias = `#bridge_room:${HS}`;
  const mine = await api(server, alice, "PUT", `/directory/room/${enc(alias)}`, { room_id: roomId });
  assert.equal(mine.status, 400);
  assert.equal(mine.body.errcode, "M_EXCLUSIVE");
  assert.equal((await api(server, alice, "GET", `/directory/room/${enc(alias)}`)).status, 404);

  const joinedBefore = (await api(server, alice, "GET", "/joined_rooms")).body.joined_rooms;
  const create = await api(server, alice, "POST", "/createRoom", { room_alias_name: "bridge_other" });
  assert.equal(create.status, 400);
  assert.equal(create.body.errcode, "M_EXCLUSIVE");
  assert.deepEqual((await api(server, alice, "GET", "/joined_rooms")).body.joined_rooms, joinedBefore);

  // The service outside its alias namespace: M_EXCLUSIVE too.
  const outside = await asCall("PUT", `/v3/directory/room/${enc(`#elsewhere:${HS}`)}`, "as_bridge", {}, { room_id: roomId });
  assert.equal(outside.body.errcode, "M_EXCLUSIVE");
  const theirs = await asCall("PUT", `/v3/directory/room/${enc(alias)}`, "as_bridge", {}, { room_id: roomId });
  assert.equal(theirs.status, 200, JSON.stringify(theirs.body));
  assert.equal((await api(server, alice, "GET", `/directory/room/${enc(alias)}`)).body.room_id, roomId);

  // Deleting: the room's creator (who may change canonical_alias) cannot take the service's alias
  // away; the service cannot delete aliases outside its namespace; it can delete its own.
  const aliceAlias = `#alice_room:${HS}`;
  assert.equal((await api(server, alice, "PUT", `/directory/room/${enc(aliceAlias)}`, { room_id: roomId })).status, 200);
  const byAlice = await api(server, alice, "DELETE", `/directory/room/${enc(alias)}`);
  assert.equal(byAlice.status, 400);
  assert.equal(byAlice.body.errcode, "M_EXCLUSIVE");
  const notTheirs = await asCall("DELETE", `/v3/directory/room/${enc(aliceAlias)}`, "as_bridge");
  assert.equal(notTheirs.status, 400);
  assert.equal(notTheirs.body.errcode, "M_EXCLUSIVE");
  assert.equal((await api(server, alice, "GET", `/directory/room/${enc(alias)}`)).body.room_id, roomId);
  assert.equal((await api(server, alice, "GET", `/directory/room/${enc(aliceAlias)}`)).body.room_id, roomId);
  assert.equal((await asCall("DELETE", `/v3/directory/room/${enc(alias)}`, "as_bridge")).status, 200);
  assert.equal((await api(server, alice, "GET", `/directory/room/${enc(alias)}`)).status, 404);
});

test("ping: the service's own as_token reaches its /_matrix/app/v1/ping with the hs_token", async () => {
  const before = fake.received.length;
  const r = await asCall("POST", "/v1/appservice/bridge/ping", "as_bridge", {}, { transaction_id: "meow" });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(typeof r.body.duration_ms, "number");
  const got = fake.received.slice(before);
  assert.deepEqual(got, [{ method: "POST", path: "/ok/_matrix/app/v1/ping", authorization: "Bearer hs_bridge", body: { transaction_id: "meow" } }]);
});

test("ping refusals: another service's id, a user's token, no url, a bad status, a service that is down", async () => {
  const before = fake.received.length;
  const cases: [string, string | undefined, number, string][] = [
    ["nourl", "as_bridge", 403, "M_FORBIDDEN"],
    ["bridge", "as_nourl", 403, "M_FORBIDDEN"],
    ["bridge", alice.accessToken, 403, "M_FORBIDDEN"],
    ["bridge", "wrong", 401, "M_UNKNOWN_TOKEN"],
    ["bridge", undefined, 401, "M_MISSING_TOKEN"],
    ["nourl", "as_nourl", 400, "M_URL_NOT_SET"],
  ];
  for (const [id, token, status, errcode] of cases) {
    const r = await asCall("POST", `/v1/appservice/${id}/ping`, token, {}, {});
    assert.equal(r.status, status, `${id}/${token}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, errcode, `${id}/${token}`);
  }
  assert.equal(fake.received.length, before, "none of these reached a service");

  const rejected = await asCall("POST", "/v1/appservice/rejecting/ping", "as_rejecting", {}, {});
  assert.equal(rejected.status, 502);
  assert.equal(rejected.body.errcode, "M_BAD_STATUS");
  assert.equal(rejected.body.status, 403);
  assert.deepEqual(JSON.parse(String(rejected.body.body)), { errcode: "M_FORBIDDEN" });
  assert.equal(fake.received.at(-1)?.authorization, "Bearer hs_rejecting");

  const down = await asCall("POST", "/v1/appservice/down/ping", "as_down", {}, {});
  assert.equal(down.status, 502);
  assert.equal(down.body.errcode, "M_CONNECTION_FAILED");

  const reached = fake.received.length;
  const badBody = await asCall("POST", "/v1/appservice/bridge/ping", "as_bridge", {}, { transaction_id: 5 });
  assert.equal(badBody.status, 400);
  assert.equal(badBody.body.errcode, "M_BAD_JSON");
  for (const rawBody of ["{nope", "[]"]) {
    const notJson = await call(server.baseUrl, "POST", "/_matrix/client/v1/appservice/bridge/ping", { token: "as_bridge", rawBody });
    assert.equal(notJson.status, 400, rawBody);
    assert.equal(notJson.body.errcode, "M_NOT_JSON", rawBody);
  }
  assert.equal(fake.received.length, reached, "a malformed ping body reaches no service");
});

test("application services skip UIA: delete_devices, and replacing cross-signing keys; keys/upload needs ?device_id=", async () => {
  await bridgeUser("bridge_keys", { inhibit_login: true });
  const as = { user_id: `@bridge_keys:${HS}` };
  for (const id of ["D1", "D2"]) assert.equal((await asCall("PUT", `/v3/devices/${id}`, "as_bridge", as, {})).status, 201);
  const del = await asCall("POST", "/v3/delete_devices", "as_bridge", as, { devices: ["D1"] });
  assert.equal(del.status, 200, JSON.stringify(del.body));
  const left = await asCall("GET", "/v3/devices", "as_bridge", as);
  assert.deepEqual((left.body.devices as { device_id: string }[]).map((d) => d.device_id), ["D2"]);

  const noDevice = await asCall("POST", "/v3/keys/upload", "as_bridge", as, { one_time_keys: {} });
  assert.equal(noDevice.status, 400);
  const withDevice = await asCall("POST", "/v3/keys/upload", "as_bridge", { ...as, device_id: "D2" }, { one_time_keys: {} });
  assert.equal(withDevice.status, 200, JSON.stringify(withDevice.body));

  const master = (n: number) => {
    const key = Buffer.alloc(32, n).toString("base64").replace(/=+$/, "");
    return { user_id: as.user_id, usage: ["master"], keys: { [`ed25519:${key}`]: key } };
  };
  assert.equal((await asCall("POST", "/v3/keys/device_signing/upload", "as_bridge", as, { master_key: master(1) })).status, 200);
  const replaced = await asCall("POST", "/v3/keys/device_signing/upload", "as_bridge", as, { master_key: master(2) });
  assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
  const q = await asCall("POST", "/v3/keys/query", "as_bridge", as, { device_keys: { [as.user_id]: [] } });
  assert.deepEqual((q.body.master_keys as Record<string, { keys: unknown }>)[as.user_id].keys, master(2).keys);
});

test("rate limits: a service with rate_limited: false and every service's sender are exempt, other masqueraded users are not", async () => {
  const limited = await startServer({ vars: { RATE_LIMITS: "on", APPSERVICES: registrations(fake.base, await closedPort()) } });
  try {
    const reg = (token: string, username: string) =>
      call(limited.baseUrl, "POST", "/_matrix/client/v3/register", { token, body: { type: "m.login.application_service", username, inhibit_login: true } });
    assert.equal((await reg("as_bridge", "bridge_fast")).status, 200);
    assert.equal((await reg("as_nourl", "shared_slow")).status, 200);
    /** How many of `n` openid token requests (rate-limited like sending) were refused with 429. */
    const refused = async (token: string, userId: string, n: number) => {
      let count = 0;
      for (let i = 0; i < n; i++) {
        const r = await call(limited.baseUrl, "POST", `/_matrix/client/v3/user/${enc(userId)}/openid/request_token?user_id=${enc(userId)}`, { token, body: {} });
        if (r.status === 429) {
          assert.equal(r.body.errcode, "M_LIMIT_EXCEEDED");
          count++;
        } else assert.equal(r.status, 200, JSON.stringify(r.body));
      }
      return count;
    };
    assert.equal(await refused("as_bridge", `@bridge_fast:${HS}`, 120), 0);
    assert.equal(await refused("as_nourl", `@nourlbot:${HS}`, 120), 0);
    assert.ok((await refused("as_nourl", `@shared_slow:${HS}`, 120)) > 0, "nourl's users are rate-limited (rate_limited defaults to true)");
    // The txn-less send (POST /rooms/{roomId}/send/{eventType}) spends the same "send" bucket, before
    // it reads the request: the sender is exempt there too, and gets the request's own refusal.
    for (let i = 0; i < 120; i++) {
      const r = await call(limited.baseUrl, "POST", `/_matrix/client/v3/rooms/${enc("not-a-room")}/send/m.room.message`, { token: "as_nourl", body: { msgtype: "m.text", body: `${i}` } });
      assert.equal(r.status, 400, `send ${i}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.errcode, "M_INVALID_PARAM", `send ${i}`);
    }
  } finally {
    await limited.stop();
  }
});
