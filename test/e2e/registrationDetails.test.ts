/**
 * Registration details clients rely on (issue 14; spec: "Account registration", registration.yaml,
 * "User-Interactive Authentication API", Guest Access): `inhibit_login`, a retry of a completed
 * registration with the same UIA session, and a guest upgrading to a full account.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient, type MatrixClient } from "matrix-js-sdk";
import { startServer, call, registerUser, type RunningServer } from "./harness.js";

let server: RunningServer;
let base: string;
const C = "/_matrix/client/v3";
let n = 0;
const fresh = (p: string) => `${p}${Date.now().toString(36)}${n++}`;

before(async () => {
  server = await startServer();
  base = server.baseUrl;
});
after(async () => {
  await server?.stop();
});

function anon(): MatrixClient {
  return createClient({ baseUrl: base });
}

async function devicesOf(token: string): Promise<string[]> {
  const r = await call(base, "GET", `${C}/devices`, { token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.body.devices as { device_id: string }[]).map((d) => d.device_id);
}

/** A UIA session for /register, from the 401 of a first attempt. */
async function registrationSession(body: Record<string, unknown>): Promise<string> {
  const r = await call(base, "POST", `${C}/register`, { body });
  assert.equal(r.status, 401, JSON.stringify(r.body));
  return String(r.body.session);
}

test("inhibit_login: the answer has the user ID only, no device is made, and the password logs in", async () => {
  const username = fresh("inhibit");
  const res = await anon().registerRequest({ username, password: "pw-inhibit", auth: { type: "m.login.dummy" }, inhibit_login: true });
  assert.equal(res.user_id, `@${username}:${server.serverName}`);
  assert.equal(res.access_token, undefined);
  assert.equal(res.device_id, undefined);
  assert.equal(res.refresh_token, undefined);
  assert.equal((res as { expires_in_ms?: number }).expires_in_ms, undefined);
  const login = await call(base, "POST", `${C}/login`, { body: { type: "m.login.password", identifier: { type: "m.id.user", user: username }, password: "pw-inhibit" } });
  assert.equal(login.status, 200);
  assert.deepEqual(await devicesOf(String(login.body.access_token)), [login.body.device_id], "the registration made no device");

  // inhibit_login must be a boolean: M_BAD_JSON, and no account is made.
  const other = fresh("inhibitbad");
  for (const bad of ["yes", 1, {}]) {
    const r = await call(base, "POST", `${C}/register`, { body: { username: other, password: "pw", auth: { type: "m.login.dummy" }, inhibit_login: bad } });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.errcode, "M_BAD_JSON");
  }
  const avail = await call(base, "GET", `${C}/register/available?username=${other}`);
  assert.equal(avail.body.available, true, "nothing was registered");
});

test("a retry of a completed registration with the same UIA session gets the same user and a new login", async () => {
  const username = fresh("retry");
  const body = { username, password: "pw-retry", initial_device_display_name: "First" };
  const session = await registrationSession(body);
  const client = anon();
  const first = await client.register(username, "pw-retry", session, { type: "m.login.dummy", session });
  assert.equal(first.user_id, `@${username}:${server.serverName}`);
  // The client lost the answer and sends the same request again.
  const again = await client.register(username, "pw-retry", session, { type: "m.login.dummy", session });
  assert.equal(again.user_id, first.user_id);
  assert.ok(again.access_token && again.access_token !== first.access_token);
  const who = await call(base, "GET", `${C}/account/whoami`, { token: again.access_token });
  assert.equal(who.body.user_id, first.user_id);
  assert.equal((await call(base, "GET", `${C}/account/whoami`, { token: first.access_token })).status, 200, "the first login still works");
  // A retry naming only the session (its stages are done) works too; with inhibit_login it logs nobody in.
  const bare = await call(base, "POST", `${C}/register`, { body: { auth: { session }, inhibit_login: true } });
  assert.equal(bare.status, 200, JSON.stringify(bare.body));
  assert.deepEqual(bare.body, { user_id: first.user_id, home_server: server.serverName });
  // Without a username the generated account is the one the retry gets.
  const anonSession = await registrationSession({ password: "pw-gen" });
  const gen = await call(base, "POST", `${C}/register`, { body: { password: "pw-gen", auth: { type: "m.login.dummy", session: anonSession } } });
  const genAgain = await call(base, "POST", `${C}/register`, { body: { password: "pw-gen", auth: { type: "m.login.dummy", session: anonSession } } });
  assert.equal(gen.status, 200);
  assert.equal(genAgain.body.user_id, gen.body.user_id);
});

test("a retry naming another username is refused, and a registration without the session is M_USER_IN_USE", async () => {
  const username = fresh("retryother");
  const session = await registrationSession({ username, password: "pw" });
  const ok = await call(base, "POST", `${C}/register`, { body: { username, password: "pw", auth: { type: "m.login.dummy", session } } });
  assert.equal(ok.status, 200);
  const otherName = fresh("notthisone");
  const other = await call(base, "POST", `${C}/register`, { body: { username: otherName, password: "pw", auth: { type: "m.login.dummy", session } } });
  assert.equal(other.status, 400, JSON.stringify(other.body));
  assert.equal((await call(base, "GET", `${C}/register/available?username=${otherName}`)).body.available, true);
  const noSession = await call(base, "POST", `${C}/register`, { body: { username, password: "pw", auth: { type: "m.login.dummy" } } });
  assert.equal(noSession.status, 400);
  assert.equal(noSession.body.errcode, "M_USER_IN_USE");
  // A made-up session (a guessable random part before the right tag) completes a registration but
  // is not remembered: a retry with it gets no login to the account.
  const tag = session.slice(session.indexOf(".") + 1);
  const guessable = `a.${tag}`;
  const madeUp = fresh("madeup");
  const viaGuessable = await call(base, "POST", `${C}/register`, { body: { username: madeUp, password: "pw", auth: { type: "m.login.dummy", session: guessable } } });
  assert.equal(viaGuessable.status, 200, JSON.stringify(viaGuessable.body));
  // (Without a username, the retry is a new registration of a generated user, not a login to madeUp.)
  const stolen = await call(base, "POST", `${C}/register`, { body: { auth: { type: "m.login.dummy", session: guessable } } });
  assert.notEqual(stolen.body.user_id, `@${madeUp}:${server.serverName}`, JSON.stringify(stolen.body));
  const named = await call(base, "POST", `${C}/register`, { body: { username: madeUp, password: "x", auth: { type: "m.login.dummy", session: guessable } } });
  assert.equal(named.body.errcode, "M_USER_IN_USE");
  // A session of another endpoint is refused.
  const bogus = await call(base, "POST", `${C}/register`, { body: { username: fresh("x"), password: "pw", auth: { type: "m.login.dummy", session: "abc.def" } } });
  assert.equal(bogus.status, 403);
  assert.equal(bogus.body.errcode, "M_FORBIDDEN");
});

test("a guest who registers with guest_access_token keeps their user ID and rooms", async () => {
  const owner = await registerUser(base);
  const room = await call(base, "POST", `${C}/createRoom`, {
    token: owner.accessToken,
    body: { preset: "public_chat", initial_state: [{ type: "m.room.guest_access", state_key: "", content: { guest_access: "can_join" } }] },
  });
  assert.equal(room.status, 200, JSON.stringify(room.body));
  const roomId = String(room.body.room_id);
  const guest = await anon().registerGuest();
  const join = await call(base, "POST", `${C}/join/${encodeURIComponent(roomId)}`, { token: guest.access_token, body: {} });
  assert.equal(join.status, 200, JSON.stringify(join.body));
  const localpart = guest.user_id.slice(1, guest.user_id.indexOf(":"));

  const upgraded = await anon().register(localpart, "pw-upgraded", null, { type: "m.login.dummy" }, undefined, guest.access_token);
  assert.equal(upgraded.user_id, guest.user_id);
  const who = await call(base, "GET", `${C}/account/whoami`, { token: upgraded.access_token });
  assert.equal(who.body.user_id, guest.user_id);
  assert.equal(who.body.is_guest, false);
  const rooms = await call(base, "GET", `${C}/joined_rooms`, { token: upgraded.access_token });
  assert.deepEqual(rooms.body.joined_rooms, [roomId]);
  // A full account now: the password logs in, and guest-only limits are gone.
  const login = await call(base, "POST", `${C}/login`, { body: { type: "m.login.password", identifier: { type: "m.id.user", user: localpart }, password: "pw-upgraded" } });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const create = await call(base, "POST", `${C}/createRoom`, { token: upgraded.access_token, body: {} });
  assert.equal(create.status, 200, "a full user may create rooms");

  // Upgrading again: the account is no guest any more.
  const twice = await call(base, "POST", `${C}/register`, { body: { username: localpart, password: "pw", guest_access_token: guest.access_token, auth: { type: "m.login.dummy" } } });
  assert.equal(twice.status, 403);
  assert.equal(twice.body.errcode, "M_FORBIDDEN");
});

test("guest_access_token that is not the named guest's is refused and changes nothing", async () => {
  const guest = await anon().registerGuest();
  const localpart = guest.user_id.slice(1, guest.user_id.indexOf(":"));
  const user = await registerUser(base);
  const cases: [string, Record<string, unknown>][] = [
    ["unknown token", { username: localpart, guest_access_token: "lat_nope" }],
    ["a full user's token", { username: localpart, guest_access_token: user.accessToken }],
    ["another name", { username: fresh("elsewhere"), guest_access_token: guest.access_token }],
  ];
  for (const [what, extra] of cases) {
    const r = await call(base, "POST", `${C}/register`, { body: { password: "pw", auth: { type: "m.login.dummy" }, ...extra } });
    assert.equal(r.status, 403, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, "M_FORBIDDEN", what);
  }
  const badType = await call(base, "POST", `${C}/register`, { body: { username: localpart, password: "pw", guest_access_token: 5, auth: { type: "m.login.dummy" } } });
  assert.equal(badType.status, 400);
  assert.equal(badType.body.errcode, "M_BAD_JSON");
  // Numeric user IDs stay the guests': without the guest's token the name is taken.
  const taken = await call(base, "POST", `${C}/register`, { body: { username: localpart, password: "pw", auth: { type: "m.login.dummy" } } });
  assert.equal(taken.status, 400);
  const who = await call(base, "GET", `${C}/account/whoami`, { token: guest.access_token });
  assert.equal(who.body.is_guest, true, "still a guest");
});
