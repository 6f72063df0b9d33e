/**
 * Accounts under bad input: registration by token (user-interactive auth with
 * m.login.registration_token), shared-secret registration (Synapse's admin API, HMAC-SHA1),
 * guests and what they are refused, and user-interactive auth on change password, delete device(s)
 * and deactivate — a wrong password is refused and changes nothing.
 * Spec: client-server-api "Account registration", "User-interactive authentication API",
 * "Guest access" module; Synapse's documented shared-secret registration scheme.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startServer, call, type RunningServer, type TestUser } from "./harness.js";

const SHARED_SECRET = "a shared secret for tests";
const TOKENS = ["tok-alpha", "tok-beta"];

let server: RunningServer;
const enc = encodeURIComponent;

before(async () => {
  server = await startServer({
    vars: { REGISTRATION: "token", REGISTRATION_TOKENS: TOKENS.join(","), REGISTRATION_SHARED_SECRET: SHARED_SECRET, GUEST_ACCESS: "true" },
  });
});

after(async () => {
  await server?.stop();
});

async function available(username: string): Promise<boolean> {
  const r = await call(server.baseUrl, "GET", `/_matrix/client/v3/register/available?username=${enc(username)}`);
  if (r.status === 200) return r.body.available === true;
  assert.equal(r.body.errcode, "M_USER_IN_USE", JSON.stringify(r.body));
  return false;
}

/** Registers through the token flow: a first request for the session, then the token stage. */
async function registerWithToken(username: string, password = "correct horse battery"): Promise<TestUser> {
  const first = await call(server.baseUrl, "POST", "/_matrix/client/v3/register", { body: { username, password } });
  assert.equal(first.status, 401);
  const session = String(first.body.session);
  const r = await call(server.baseUrl, "POST", "/_matrix/client/v3/register", {
    body: { username, password, auth: { type: "m.login.registration_token", token: TOKENS[1], session } },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { userId: String(r.body.user_id), accessToken: String(r.body.access_token), deviceId: String(r.body.device_id), password };
}

async function login(user: string, password: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return call(server.baseUrl, "POST", "/_matrix/client/v3/login", { body: { type: "m.login.password", identifier: { type: "m.id.user", user }, password } });
}

async function devicesOf(u: TestUser): Promise<string[]> {
  const r = await call(server.baseUrl, "GET", "/_matrix/client/v3/devices", { token: u.accessToken });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.body.devices as Array<{ device_id: string }>).map((d) => d.device_id).sort();
}

test("token registration: the flow offers m.login.registration_token; no token, dummy auth and a wrong token are refused", async () => {
  const first = await call(server.baseUrl, "POST", "/_matrix/client/v3/register", { body: { username: "tina", password: "pw-tina-123" } });
  assert.equal(first.status, 401);
  assert.deepEqual(first.body.flows, [{ stages: ["m.login.registration_token"] }]);
  assert.equal(typeof first.body.session, "string");
  const session = String(first.body.session);

  const dummy = await call(server.baseUrl, "POST", "/_matrix/client/v3/register", {
    body: { username: "tina", password: "pw-tina-123", auth: { type: "m.login.dummy", session } },
  });
  assert.equal(dummy.status, 401, "dummy auth does not complete a token flow");
  assert.ok(await available("tina"));

  for (const token of ["tok-gamma", "", "TOK-ALPHA", 5]) {
    const wrong = await call(server.baseUrl, "POST", "/_matrix/client/v3/register", {
      body: { username: "tina", password: "pw-tina-123", auth: { type: "m.login.registration_token", token, session } },
    });
    assert.equal(wrong.status, 401, `token ${String(token)}: ${JSON.stringify(wrong.body)}`);
    assert.equal(typeof wrong.body.errcode, "string", "a failed stage carries an errcode");
    assert.deepEqual(wrong.body.flows, [{ stages: ["m.login.registration_token"] }]);
  }
  assert.ok(await available("tina"), "no account was created");
  assert.equal((await login("tina", "pw-tina-123")).status, 403);

  const right = await call(server.baseUrl, "POST", "/_matrix/client/v3/register", {
    body: { username: "tina", password: "pw-tina-123", auth: { type: "m.login.registration_token", token: TOKENS[0], session } },
  });
  assert.equal(right.status, 200, JSON.stringify(right.body));
  assert.equal(right.body.user_id, "@tina:localhost");
  assert.equal((await login("tina", "pw-tina-123")).status, 200);
});

test("registration token validity endpoint", async () => {
  const good = await call(server.baseUrl, "GET", `/_matrix/client/v1/register/m.login.registration_token/validity?token=${TOKENS[0]}`);
  assert.equal(good.status, 200);
  assert.equal(good.body.valid, true);
  const bad = await call(server.baseUrl, "GET", "/_matrix/client/v1/register/m.login.registration_token/validity?token=nope");
  assert.equal(bad.status, 200);
  assert.equal(bad.body.valid, false);
  const missing = await call(server.baseUrl, "GET", "/_matrix/client/v1/register/m.login.registration_token/validity");
  assert.equal(missing.status, 400);
  assert.equal(missing.body.errcode, "M_MISSING_PARAM");
});

test("registration refuses taken and invalid usernames", async () => {
  await registerWithToken("taken");
  const taken = await call(server.baseUrl, "POST", "/_matrix/client/v3/register", {
    body: { username: "taken", password: "other-password", auth: { type: "m.login.registration_token", token: TOKENS[0] } },
  });
  assert.equal(taken.status, 400);
  assert.equal(taken.body.errcode, "M_USER_IN_USE");
  assert.equal((await login("taken", "other-password")).status, 403, "the first owner's password still rules");
  for (const username of ["Has Space", "émile", "a:b", "x".repeat(300), "12345"]) {
    const r = await call(server.baseUrl, "POST", "/_matrix/client/v3/register", {
      body: { username, password: "pw", auth: { type: "m.login.registration_token", token: TOKENS[0] } },
    });
    assert.equal(r.status, 400, `${username}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, "M_INVALID_USERNAME", username);
  }
});

function mac(nonce: string, username: string, password: string, admin: boolean, secret = SHARED_SECRET): string {
  return createHmac("sha1", secret)
    .update([nonce, username, password, admin ? "admin" : "notadmin"].join("\u0000"))
    .digest("hex");
}

async function nonce(): Promise<string> {
  const r = await call(server.baseUrl, "GET", "/_synapse/admin/v1/register");
  assert.equal(r.status, 200);
  assert.equal(typeof r.body.nonce, "string");
  return String(r.body.nonce);
}

test("shared-secret registration: correct HMAC registers; wrong HMAC, wrong secret, flipped admin flag and a reused nonce are refused", async () => {
  const n1 = await nonce();
  const bad = await call(server.baseUrl, "POST", "/_synapse/admin/v1/register", {
    body: { nonce: n1, username: "sam", password: "pw-sam-123", admin: false, mac: mac(n1, "sam", "pw-sam-123", false, "wrong secret") },
  });
  assert.equal(bad.status, 403, JSON.stringify(bad.body));
  assert.equal(bad.body.errcode, "M_FORBIDDEN");
  const flipped = await call(server.baseUrl, "POST", "/_synapse/admin/v1/register", {
    body: { nonce: n1, username: "sam", password: "pw-sam-123", admin: true, mac: mac(n1, "sam", "pw-sam-123", false) },
  });
  assert.equal(flipped.status, 403);
  const garbage = await call(server.baseUrl, "POST", "/_synapse/admin/v1/register", {
    body: { nonce: n1, username: "sam", password: "pw-sam-123", mac: "not hex at all" },
  });
  assert.equal(garbage.status, 400);
  const missing = await call(server.baseUrl, "POST", "/_synapse/admin/v1/register", { body: { nonce: n1, username: "sam", password: "pw-sam-123" } });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.errcode, "M_MISSING_PARAM");
  assert.ok(await available("sam"), "nothing was registered");

  const good = await call(server.baseUrl, "POST", "/_synapse/admin/v1/register", {
    body: { nonce: n1, username: "sam", password: "pw-sam-123", admin: false, mac: mac(n1, "sam", "pw-sam-123", false) },
  });
  assert.equal(good.status, 200, JSON.stringify(good.body));
  assert.equal(good.body.user_id, "@sam:localhost");
  assert.equal(typeof good.body.access_token, "string");
  assert.equal((await login("sam", "pw-sam-123")).status, 200);

  // The nonce is single-use.
  const again = await call(server.baseUrl, "POST", "/_synapse/admin/v1/register", {
    body: { nonce: n1, username: "sam2", password: "pw", admin: false, mac: mac(n1, "sam2", "pw", false) },
  });
  assert.equal(again.status, 400, JSON.stringify(again.body));
  assert.ok(await available("sam2"));
  // An unknown nonce, correctly signed, is refused too.
  const made = await call(server.baseUrl, "POST", "/_synapse/admin/v1/register", {
    body: { nonce: "made-up", username: "sam3", password: "pw", admin: false, mac: mac("made-up", "sam3", "pw", false) },
  });
  assert.equal(made.status, 400);
  assert.ok(await available("sam3"));
  // Admin registration with a fresh nonce works (the flag is part of the MAC).
  const n2 = await nonce();
  const admin = await call(server.baseUrl, "POST", "/_synapse/admin/v1/register", {
    body: { nonce: n2, username: "root", password: "pw-root-123", admin: true, mac: mac(n2, "root", "pw-root-123", true) },
  });
  assert.equal(admin.status, 200, JSON.stringify(admin.body));
});

test("guests register, use guest endpoints, and are refused the others with 403 M_GUEST_ACCESS_FORBIDDEN", async () => {
  const host = await registerWithToken("host");
  const room = await call(server.baseUrl, "POST", "/_matrix/client/v3/createRoom", { token: host.accessToken, body: { preset: "public_chat", power_level_content_override: { state_default: 0 }, initial_state: [{ type: "m.room.guest_access", state_key: "", content: { guest_access: "can_join" } }] } });
  assert.equal(room.status, 200);
  const roomId = String(room.body.room_id);

  const g = await call(server.baseUrl, "POST", "/_matrix/client/v3/register?kind=guest", { body: {} });
  assert.equal(g.status, 200, JSON.stringify(g.body));
  const guest: TestUser = { userId: String(g.body.user_id), accessToken: String(g.body.access_token), deviceId: String(g.body.device_id), password: "" };
  const who = await call(server.baseUrl, "GET", "/_matrix/client/v3/account/whoami", { token: guest.accessToken });
  assert.equal(who.body.is_guest, true);

  // Allowed (spec: guest access module, "Client behaviour").
  const allowed: Array<[string, string, unknown?]> = [
    ["POST", `/_matrix/client/v3/rooms/${enc(roomId)}/join`, {}],
    ["GET", `/_matrix/client/v3/rooms/${enc(roomId)}/state`],
    ["GET", `/_matrix/client/v3/rooms/${enc(roomId)}/members`],
    ["GET", `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b`],
    ["PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/g1`, { msgtype: "m.text", body: "hi from a guest" }],
    ["PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/state/org.example.guest/${enc(guest.userId)}`, { hello: true }],
    ["GET", "/_matrix/client/v3/sync?timeout=0"],
    ["PUT", `/_matrix/client/v3/profile/${enc(guest.userId)}/displayname`, { displayname: "Visitor" }],
    ["GET", "/_matrix/client/v3/devices"],
    ["GET", `/_matrix/client/v3/devices/${enc(guest.deviceId)}`],
    ["PUT", `/_matrix/client/v3/devices/${enc(guest.deviceId)}`, { display_name: "guest browser" }],
    ["POST", "/_matrix/client/v3/keys/query", { device_keys: {} }],
  ];
  for (const [method, path, body] of allowed) {
    const r = await call(server.baseUrl, method, path, { token: guest.accessToken, body });
    assert.equal(r.status, 200, `guest ${method} ${path}: ${JSON.stringify(r.body)}`);
  }

  const refused: Array<[string, string, unknown?]> = [
    ["POST", "/_matrix/client/v3/createRoom", {}],
    ["POST", `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, { user_id: host.userId }],
    ["POST", `/_matrix/client/v3/rooms/${enc(roomId)}/kick`, { user_id: host.userId }],
    ["POST", "/_matrix/client/v3/user_directory/search", { search_term: "host" }],
    ["POST", "/_matrix/client/v3/account/password", { new_password: "x" }],
    ["POST", "/_matrix/client/v3/account/deactivate", {}],
    ["POST", "/_matrix/client/v3/delete_devices", { devices: [guest.deviceId] }],
    ["DELETE", `/_matrix/client/v3/devices/${enc(guest.deviceId)}`],
    ["PUT", `/_matrix/client/v3/directory/room/${enc("#guestalias:localhost")}`, { room_id: roomId }],
    ["PUT", `/_matrix/client/v3/directory/list/room/${enc(roomId)}`, { visibility: "public" }],
    ["PUT", `/_matrix/client/v3/profile/${enc(guest.userId)}/avatar_url`, { avatar_url: "mxc://localhost/abc" }],
  ];
  for (const [method, path, body] of refused) {
    const r = await call(server.baseUrl, method, path, { token: guest.accessToken, body });
    assert.equal(r.status, 403, `guest ${method} ${path}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, "M_GUEST_ACCESS_FORBIDDEN", `guest ${method} ${path}`);
  }
  // Nothing changed: still one device, still in the room, no alias, no avatar.
  assert.deepEqual(await devicesOf(guest), [guest.deviceId]);
  assert.equal((await call(server.baseUrl, "GET", `/_matrix/client/v3/directory/room/${enc("#guestalias:localhost")}`)).status, 404);
  const profile = await call(server.baseUrl, "GET", `/_matrix/client/v3/profile/${enc(guest.userId)}`);
  assert.equal(profile.body.avatar_url, undefined);
  assert.equal(profile.body.displayname, "Visitor");
  const members = await call(server.baseUrl, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/joined_members`, { token: host.accessToken });
  assert.deepEqual(Object.keys(members.body.joined as object).sort(), [guest.userId, host.userId].sort());
});

test("change password: no auth gives the UIA challenge, a wrong password is refused and nothing changes", async () => {
  const u = await registerWithToken("pat", "old-password-1");
  const second = await login("pat", "old-password-1");
  assert.equal(second.status, 200);
  const devices = await devicesOf(u);
  assert.equal(devices.length, 2);

  const challenge = await call(server.baseUrl, "POST", "/_matrix/client/v3/account/password", { token: u.accessToken, body: { new_password: "new-password-2" } });
  assert.equal(challenge.status, 401);
  assert.deepEqual(challenge.body.flows, [{ stages: ["m.login.password"] }]);
  const session = String(challenge.body.session);

  const other = await registerWithToken("quinn", "quinns-password");
  const attempts: unknown[] = [
    { type: "m.login.password", identifier: { type: "m.id.user", user: "pat" }, password: "wrong", session },
    { type: "m.login.password", user: "@pat:localhost", password: "wrong", session },
    { type: "m.login.password", identifier: { type: "m.id.user", user: "quinn" }, password: "quinns-password", session }, // someone else's credentials
    { type: "m.login.dummy", session },
    { type: "m.login.password", identifier: { type: "m.id.user", user: "pat" }, session },
  ];
  for (const auth of attempts) {
    const r = await call(server.baseUrl, "POST", "/_matrix/client/v3/account/password", { token: u.accessToken, body: { new_password: "new-password-2", auth } });
    assert.equal(r.status, 401, `${JSON.stringify(auth)}: ${JSON.stringify(r.body)}`);
    assert.deepEqual(r.body.flows, [{ stages: ["m.login.password"] }]);
  }
  assert.equal((await login("pat", "old-password-1")).status, 200, "old password still works");
  assert.equal((await login("pat", "new-password-2")).status, 403, "new password was not set");
  assert.equal((await login("quinn", "quinns-password")).status, 200);
  assert.equal((await call(server.baseUrl, "GET", "/_matrix/client/v3/account/whoami", { token: second.body.access_token as string })).status, 200, "other devices stay logged in");
  void other;

  const done = await call(server.baseUrl, "POST", "/_matrix/client/v3/account/password", {
    token: u.accessToken,
    body: { new_password: "new-password-2", auth: { type: "m.login.password", identifier: { type: "m.id.user", user: "pat" }, password: "old-password-1", session } },
  });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.equal((await login("pat", "old-password-1")).status, 403);
  assert.equal((await login("pat", "new-password-2")).status, 200);
  assert.equal((await call(server.baseUrl, "GET", "/_matrix/client/v3/account/whoami", { token: u.accessToken })).status, 200, "the requesting device stays logged in");
});

test("delete device and delete_devices: a wrong password is refused and the devices stay", async () => {
  const u = await registerWithToken("dana", "dana-password");
  const extra = await login("dana", "dana-password");
  const extraId = String(extra.body.device_id);
  const before = await devicesOf(u);
  assert.equal(before.length, 2);
  const wrong = { type: "m.login.password", identifier: { type: "m.id.user", user: "dana" }, password: "nope" };

  const d1 = await call(server.baseUrl, "DELETE", `/_matrix/client/v3/devices/${enc(extraId)}`, { token: u.accessToken, body: { auth: wrong } });
  assert.equal(d1.status, 401);
  assert.deepEqual(d1.body.flows, [{ stages: ["m.login.password"] }]);
  const d2 = await call(server.baseUrl, "DELETE", `/_matrix/client/v3/devices/${enc(extraId)}`, { token: u.accessToken });
  assert.equal(d2.status, 401);
  const d3 = await call(server.baseUrl, "POST", "/_matrix/client/v3/delete_devices", { token: u.accessToken, body: { devices: [extraId], auth: wrong } });
  assert.equal(d3.status, 401);
  const d4 = await call(server.baseUrl, "DELETE", "/_matrix/client/v3/devices/NOSUCHDEVICE", {
    token: u.accessToken,
    body: { auth: { type: "m.login.password", identifier: { type: "m.id.user", user: "dana" }, password: "dana-password" } },
  });
  assert.equal(d4.status, 404);
  assert.equal(d4.body.errcode, "M_NOT_FOUND");
  assert.deepEqual(await devicesOf(u), before);
  assert.equal((await call(server.baseUrl, "GET", "/_matrix/client/v3/account/whoami", { token: String(extra.body.access_token) })).status, 200);

  const ok = await call(server.baseUrl, "DELETE", `/_matrix/client/v3/devices/${enc(extraId)}`, {
    token: u.accessToken,
    body: { auth: { type: "m.login.password", identifier: { type: "m.id.user", user: "dana" }, password: "dana-password" } },
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.deepEqual(await devicesOf(u), [u.deviceId]);
  const gone = await call(server.baseUrl, "GET", "/_matrix/client/v3/account/whoami", { token: String(extra.body.access_token) });
  assert.equal(gone.status, 401);
  assert.equal(gone.body.errcode, "M_UNKNOWN_TOKEN");
});

test("a user-interactive auth session belongs to the user and the request that started it", async () => {
  const erin = await registerWithToken("erin", "erin-password");
  const extra = await login("erin", "erin-password");
  const extraId = String(extra.body.device_id);
  const fred = await registerWithToken("fred", "fred-password");
  const before = await devicesOf(erin);
  const erinAuth = (session: string) => ({ type: "m.login.password", identifier: { type: "m.id.user", user: "erin" }, password: "erin-password", session });

  // A session started to delete one of erin's devices…
  const started = await call(server.baseUrl, "DELETE", `/_matrix/client/v3/devices/${enc(extraId)}`, { token: erin.accessToken });
  assert.equal(started.status, 401);
  const session = String(started.body.session);
  // …cannot complete another request (changing her password, deactivating her account)…
  const other = await call(server.baseUrl, "POST", "/_matrix/client/v3/account/password", { token: erin.accessToken, body: { new_password: "hijacked", auth: erinAuth(session) } });
  assert.equal(other.status, 403, JSON.stringify(other.body));
  assert.equal(other.body.errcode, "M_FORBIDDEN");
  const deact = await call(server.baseUrl, "POST", "/_matrix/client/v3/account/deactivate", { token: erin.accessToken, body: { auth: erinAuth(session) } });
  assert.equal(deact.status, 403, JSON.stringify(deact.body));
  // …nor be completed by another user on the same endpoint.
  const fredTry = await call(server.baseUrl, "POST", "/_matrix/client/v3/account/password", {
    token: fred.accessToken,
    body: { new_password: "hijacked", auth: { type: "m.login.password", identifier: { type: "m.id.user", user: "fred" }, password: "fred-password", session } },
  });
  assert.equal(fredTry.status, 403, JSON.stringify(fredTry.body));
  // A made-up session is not this request's either.
  const madeUp = await call(server.baseUrl, "DELETE", `/_matrix/client/v3/devices/${enc(extraId)}`, { token: erin.accessToken, body: { auth: erinAuth("made-up") } });
  assert.equal(madeUp.status, 403, JSON.stringify(madeUp.body));
  // Nothing changed.
  assert.deepEqual(await devicesOf(erin), before);
  assert.equal((await login("erin", "hijacked")).status, 403);
  assert.equal((await login("fred", "hijacked")).status, 403);

  // The request that started it completes with it (the r0 spelling is the same endpoint).
  const done = await call(server.baseUrl, "DELETE", `/_matrix/client/r0/devices/${enc(extraId)}`, { token: erin.accessToken, body: { auth: erinAuth(session) } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.ok(!(await devicesOf(erin)).includes(extraId));

  // Registration: a session from one registration endpoint call is refused elsewhere.
  const reg = await call(server.baseUrl, "POST", "/_matrix/client/v3/register", { body: { username: "gina", password: "p" } });
  assert.equal(reg.status, 401);
  const wrongUse = await call(server.baseUrl, "POST", "/_matrix/client/v3/account/password", { token: fred.accessToken, body: { new_password: "x", auth: { type: "m.login.password", user: "fred", password: "fred-password", session: String(reg.body.session) } } });
  assert.equal(wrongUse.status, 403);
});

test("deactivate: a wrong password is refused and the account keeps working; the right one deactivates", async () => {
  const u = await registerWithToken("dora", "dora-password");
  const room = await call(server.baseUrl, "POST", "/_matrix/client/v3/createRoom", { token: u.accessToken, body: {} });
  const roomId = String(room.body.room_id);
  for (const auth of [undefined, { type: "m.login.password", identifier: { type: "m.id.user", user: "dora" }, password: "wrong" }, { type: "m.login.dummy" }]) {
    const r = await call(server.baseUrl, "POST", "/_matrix/client/v3/account/deactivate", { token: u.accessToken, body: auth ? { auth } : {} });
    assert.equal(r.status, 401, JSON.stringify(r.body));
  }
  assert.equal((await call(server.baseUrl, "GET", "/_matrix/client/v3/account/whoami", { token: u.accessToken })).status, 200);
  assert.equal((await login("dora", "dora-password")).status, 200);
  assert.deepEqual((await call(server.baseUrl, "GET", "/_matrix/client/v3/joined_rooms", { token: u.accessToken })).body.joined_rooms, [roomId]);

  const ok = await call(server.baseUrl, "POST", "/_matrix/client/v3/account/deactivate", {
    token: u.accessToken,
    body: { auth: { type: "m.login.password", identifier: { type: "m.id.user", user: "dora" }, password: "dora-password" } },
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal((await call(server.baseUrl, "GET", "/_matrix/client/v3/account/whoami", { token: u.accessToken })).status, 401);
  assert.equal((await login("dora", "dora-password")).status, 403);
  assert.equal(await available("dora"), false, "a deactivated user ID is not given out again");
});
