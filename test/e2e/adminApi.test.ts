/**
 * Synapse's admin API, the user endpoints (docs/admin_api/user_admin_api.md): an admin made by
 * shared-secret registration queries, creates and modifies users and resets passwords; everyone
 * else gets 403 M_FORBIDDEN and changes nothing. Effects are checked through the Client-Server
 * API: logins, profiles, deactivation.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startServer, call, registerUser, passwordLogin, type RunningServer, type TestUser } from "./harness.js";

const SHARED_SECRET = "admin api test secret";

let server: RunningServer;
let admin: TestUser;
const enc = encodeURIComponent;

/** Registers through shared-secret registration (HMAC-SHA1 over nonce, name, password, admin flag). */
async function sharedSecretRegister(username: string, password: string, isAdmin: boolean): Promise<TestUser> {
  const n = await call(server.baseUrl, "GET", "/_synapse/admin/v1/register");
  const nonce = String(n.body.nonce);
  const mac = createHmac("sha1", SHARED_SECRET).update([nonce, username, password, isAdmin ? "admin" : "notadmin"].join("\0")).digest("hex");
  const r = await call(server.baseUrl, "POST", "/_synapse/admin/v1/register", { body: { nonce, username, password, admin: isAdmin, mac } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { userId: String(r.body.user_id), accessToken: String(r.body.access_token), deviceId: String(r.body.device_id), password };
}

before(async () => {
  server = await startServer({ vars: { REGISTRATION_SHARED_SECRET: SHARED_SECRET, GUEST_ACCESS: "true" } });
  admin = await sharedSecretRegister("boss", "boss password 1", true);
});

after(async () => {
  await server?.stop();
});

function adminCall(method: string, path: string, body?: unknown, token = admin.accessToken) {
  return call(server.baseUrl, method, path, { token, body });
}

const userPath = (userId: string) => `/_synapse/admin/v2/users/${enc(userId)}`;

async function details(userId: string): Promise<Record<string, unknown>> {
  const r = await adminCall("GET", userPath(userId));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

async function loginStatus(userId: string, password: string): Promise<number> {
  return (await passwordLogin(server.baseUrl, userId, password)).status;
}

test("server_version answers without a token", async () => {
  const r = await call(server.baseUrl, "GET", "/_synapse/admin/v1/server_version");
  assert.equal(r.status, 200);
  assert.equal(typeof r.body.server_version, "string");
});

test("query user: an admin sees the account as Synapse shows it; unknown, remote and malformed IDs are refused", async () => {
  const alice = await registerUser(server.baseUrl, { prefix: "alice" });
  const d = await details(alice.userId);
  assert.equal(d.name, alice.userId);
  assert.equal(d.admin, false);
  assert.equal(d.deactivated, false);
  assert.equal(d.is_guest, false);
  assert.equal(d.displayname, alice.userId.slice(1, alice.userId.indexOf(":")));
  assert.equal(d.avatar_url, null);
  assert.deepEqual(d.threepids, []);
  assert.deepEqual(d.external_ids, []);
  assert.equal(d.shadow_banned, false);
  assert.equal(d.locked, false);
  assert.equal(d.user_type, null);
  // Seconds, as Synapse answers the query.
  assert.ok(Math.abs(Number(d.creation_ts) - Date.now() / 1000) < 600, String(d.creation_ts));
  assert.equal(typeof d.last_seen_ts, "number");

  const me = await details(admin.userId);
  assert.equal(me.admin, true, "shared-secret registration with admin: true makes an admin");

  const unknown = await adminCall("GET", userPath(`@nobody-here:${server.serverName}`));
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.errcode, "M_NOT_FOUND");
  const remote = await adminCall("GET", userPath("@someone:elsewhere.example"));
  assert.equal(remote.status, 400);
  assert.equal(remote.body.error, "Can only look up local users");
  const malformed = await adminCall("GET", userPath("not-a-user-id"));
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.errcode, "M_INVALID_PARAM");
});

test("every admin endpoint refuses a missing or unknown token (401) and a non-admin (403), changing nothing", async () => {
  const bob = await registerUser(server.baseUrl, { prefix: "bob", password: "bob password 1" });
  const plain = await sharedSecretRegister("notboss", "not boss password", false);
  const guest = await call(server.baseUrl, "POST", "/_matrix/client/v3/register?kind=guest", { body: {} });
  assert.equal(guest.status, 200, JSON.stringify(guest.body));
  const requests: Array<[string, string, unknown]> = [
    ["GET", userPath(bob.userId), undefined],
    ["PUT", userPath(bob.userId), { admin: true, displayname: "Hacked", password: "taken over" }],
    ["PUT", userPath(`@newbyuser:${server.serverName}`), { password: "whatever pw" }],
    ["POST", `/_synapse/admin/v1/reset_password/${enc(bob.userId)}`, { new_password: "taken over" }],
  ];
  for (const [method, path, body] of requests) {
    const none = await call(server.baseUrl, method, path, { body });
    assert.equal(none.status, 401, `${method} ${path}`);
    assert.equal(none.body.errcode, "M_MISSING_TOKEN");
    const bad = await call(server.baseUrl, method, path, { body, token: "lat_nonsense" });
    assert.equal(bad.status, 401, `${method} ${path}`);
    assert.equal(bad.body.errcode, "M_UNKNOWN_TOKEN");
    for (const token of [bob.accessToken, plain.accessToken, String(guest.body.access_token)]) {
      const r = await call(server.baseUrl, method, path, { body, token });
      assert.equal(r.status, 403, `${method} ${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.errcode, "M_FORBIDDEN");
      assert.equal(r.body.error, "You are not a server admin");
    }
  }
  const d = await details(bob.userId);
  assert.equal(d.admin, false);
  assert.notEqual(d.displayname, "Hacked");
  assert.equal(await loginStatus(bob.userId, "bob password 1"), 200);
  assert.equal(await loginStatus(bob.userId, "taken over"), 403);
  assert.equal((await adminCall("GET", userPath(`@newbyuser:${server.serverName}`))).status, 404);
  assert.equal((await details(plain.userId)).admin, false, "admin: false in shared-secret registration makes no admin");
});

test("create a user with PUT: 201, they can log in with the password, and the profile and admin flag are set", async () => {
  const userId = `@carol:${server.serverName}`;
  const r = await adminCall("PUT", userPath(userId), { password: "carol password 1", displayname: "Carol C", admin: true });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.name, userId);
  assert.equal(r.body.displayname, "Carol C");
  assert.equal(r.body.admin, true);
  const login = await passwordLogin(server.baseUrl, "carol", "carol password 1");
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const profile = await call(server.baseUrl, "GET", `/_matrix/client/v3/profile/${enc(userId)}`);
  assert.equal(profile.body.displayname, "Carol C");
  // The new admin can use the admin API.
  assert.equal((await adminCall("GET", userPath(admin.userId), undefined, String(login.body.access_token))).status, 200);
  // A second PUT modifies: 200.
  const again = await adminCall("PUT", userPath(userId), { displayname: "Carol D" });
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(again.body.displayname, "Carol D");
  assert.equal((await call(server.baseUrl, "GET", `/_matrix/client/v3/profile/${enc(userId)}`)).body.displayname, "Carol D");
});

test("modify with PUT: password (logging devices out), admin flag, deactivation and reactivation, seen through the client API", async () => {
  const dave = await registerUser(server.baseUrl, { prefix: "dave", password: "dave password 1" });
  // Password with logout_devices false: the device keeps working, the old password stops.
  let r = await adminCall("PUT", userPath(dave.userId), { password: "dave password 2", logout_devices: false });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal((await call(server.baseUrl, "GET", "/_matrix/client/v3/account/whoami", { token: dave.accessToken })).status, 200);
  assert.equal(await loginStatus(dave.userId, "dave password 1"), 403);
  assert.equal(await loginStatus(dave.userId, "dave password 2"), 200);
  // Password with the default logout: the device's token is gone.
  r = await adminCall("PUT", userPath(dave.userId), { password: "dave password 3" });
  assert.equal(r.status, 200);
  assert.equal((await call(server.baseUrl, "GET", "/_matrix/client/v3/account/whoami", { token: dave.accessToken })).status, 401);
  // The admin flag, set and cleared.
  assert.equal((await adminCall("PUT", userPath(dave.userId), { admin: true })).body.admin, true);
  assert.equal((await adminCall("PUT", userPath(dave.userId), { admin: false })).body.admin, false);
  // Deactivation: no more logins.
  r = await adminCall("PUT", userPath(dave.userId), { deactivated: true });
  assert.equal(r.status, 200);
  assert.equal(r.body.deactivated, true);
  assert.equal(await loginStatus(dave.userId, "dave password 3"), 403);
  // A deactivated user's profile changed by an admin: the query and the list both show it.
  r = await adminCall("PUT", userPath(dave.userId), { displayname: "Dormant Dave" });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.displayname, "Dormant Dave");
  const listedDave = await adminCall("GET", `/_synapse/admin/v3/users?user_id=${enc(dave.userId)}`);
  assert.deepEqual((listedDave.body.users as Array<Record<string, unknown>>).map((u) => [u.displayname, u.deactivated]), [["Dormant Dave", true]]);
  // Reactivation needs a password; without one nothing changes.
  r = await adminCall("PUT", userPath(dave.userId), { deactivated: false });
  assert.equal(r.status, 400);
  assert.equal(r.body.error, "Must provide a password to re-activate an account.");
  assert.equal((await details(dave.userId)).deactivated, true);
  r = await adminCall("PUT", userPath(dave.userId), { deactivated: false, password: "dave password 4" });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.deactivated, false);
  assert.equal(await loginStatus(dave.userId, "dave password 4"), 200);
});

test("PUT refuses bad input and changes nothing: wrong types, remote users, bad JSON, self-demotion", async () => {
  const erin = await registerUser(server.baseUrl, { prefix: "erin", password: "erin password 1" });
  const before = await details(erin.userId);
  const bad: Array<[unknown, string]> = [
    [{ admin: "yes" }, "M_BAD_JSON"],
    [{ password: 12345 }, "M_UNKNOWN"],
    [{ password: "x".repeat(513) }, "M_UNKNOWN"],
    [{ deactivated: "true" }, "M_UNKNOWN"],
    [{ logout_devices: 1, password: "erin password 2" }, "M_UNKNOWN"],
    [{ displayname: 42 }, "M_INVALID_PARAM"],
    [{ avatar_url: "https://example.com/a.png" }, "M_INVALID_PARAM"],
    [{ threepids: "none" }, "M_BAD_JSON"],
    [{ displayname: "Changed", admin: "no" }, "M_BAD_JSON"],
  ];
  for (const [body, errcode] of bad) {
    const r = await adminCall("PUT", userPath(erin.userId), body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.errcode, errcode, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
  }
  const notJson = await call(server.baseUrl, "PUT", userPath(erin.userId), { token: admin.accessToken, rawBody: "{nope" });
  assert.equal(notJson.status, 400);
  assert.equal(notJson.body.errcode, "M_NOT_JSON");
  assert.deepEqual({ ...(await details(erin.userId)), last_seen_ts: null }, { ...before, last_seen_ts: null });
  assert.equal(await loginStatus(erin.userId, "erin password 1"), 200);

  const remote = await adminCall("PUT", userPath("@someone:elsewhere.example"), { password: "pw pw pw" });
  assert.equal(remote.status, 400);
  assert.equal(remote.body.error, "This endpoint can only be used with local users");
  const badName = await adminCall("PUT", userPath(`@Bad Name:${server.serverName}`), { password: "pw pw pw" });
  assert.equal(badName.status, 400);
  const self = await adminCall("PUT", userPath(admin.userId), { admin: false });
  assert.equal(self.status, 400);
  assert.equal(self.body.error, "You may not demote yourself.");
  assert.equal((await details(admin.userId)).admin, true);
});

test("reset_password: the old password fails and the new one works; devices are logged out unless told otherwise; bad input is refused", async () => {
  const fay = await registerUser(server.baseUrl, { prefix: "fay", password: "fay password 1" });
  const path = `/_synapse/admin/v1/reset_password/${enc(fay.userId)}`;
  let r = await adminCall("POST", path, { new_password: "fay password 2", logout_devices: false });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body, {});
  assert.equal((await call(server.baseUrl, "GET", "/_matrix/client/v3/account/whoami", { token: fay.accessToken })).status, 200);
  assert.equal(await loginStatus(fay.userId, "fay password 1"), 403);
  assert.equal(await loginStatus(fay.userId, "fay password 2"), 200);
  r = await adminCall("POST", path, { new_password: "fay password 3" });
  assert.equal(r.status, 200);
  assert.equal((await call(server.baseUrl, "GET", "/_matrix/client/v3/account/whoami", { token: fay.accessToken })).status, 401);
  assert.equal(await loginStatus(fay.userId, "fay password 3"), 200);

  for (const [body, errcode] of [
    [{}, "M_MISSING_PARAM"],
    [{ new_password: 7 }, "M_BAD_JSON"],
    [{ new_password: "fay password 9", logout_devices: "no" }, "M_UNKNOWN"],
  ] as const) {
    const bad = await adminCall("POST", path, body);
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.equal(bad.body.errcode, errcode);
  }
  assert.equal(await loginStatus(fay.userId, "fay password 3"), 200, "refused resets changed nothing");
  const unknown = await adminCall("POST", `/_synapse/admin/v1/reset_password/${enc(`@ghost:${server.serverName}`)}`, { new_password: "pw pw pw" });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.errcode, "M_NOT_FOUND");
  const remote = await adminCall("POST", `/_synapse/admin/v1/reset_password/${enc("@x:elsewhere.example")}`, { new_password: "pw pw pw" });
  assert.equal(remote.status, 400);
});

/** A room `owner` creates with a message in it; the message's event ID. */
async function roomWithMessage(owner: TestUser, name: string, body: string): Promise<{ roomId: string; eventId: string }> {
  const room = await call(server.baseUrl, "POST", "/_matrix/client/v3/createRoom", { token: owner.accessToken, body: { name } });
  assert.equal(room.status, 200, JSON.stringify(room.body));
  const roomId = String(room.body.room_id);
  const sent = await call(server.baseUrl, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/t${Date.now()}`, {
    token: owner.accessToken,
    body: { msgtype: "m.text", body },
  });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  return { roomId, eventId: String(sent.body.event_id) };
}

test("event reports: reports made through the client API are listed (newest first, paged, filtered), shown and gone after DELETE", async () => {
  const gina = await registerUser(server.baseUrl, { prefix: "gina" });
  const hal = await registerUser(server.baseUrl, { prefix: "hal" });
  const a = await roomWithMessage(gina, "Report Room A", "offensive A");
  const b = await roomWithMessage(hal, "Report Room B", "offensive B");
  const report = (u: TestUser, m: { roomId: string; eventId: string }, reason: string) =>
    call(server.baseUrl, "POST", `/_matrix/client/v3/rooms/${enc(m.roomId)}/report/${enc(m.eventId)}`, { token: u.accessToken, body: { reason, score: -100 } });
  assert.equal((await report(gina, a, "first")).status, 200);
  assert.equal((await report(hal, b, "second")).status, 200);

  const all = await adminCall("GET", "/_synapse/admin/v1/event_reports");
  assert.equal(all.status, 200, JSON.stringify(all.body));
  const reports = all.body.event_reports as Array<Record<string, unknown>>;
  const mine = reports.filter((r) => r.event_id === a.eventId || r.event_id === b.eventId);
  assert.equal(mine.length, 2);
  assert.equal(mine[0].event_id, b.eventId, "newest first by default");
  assert.equal(all.body.total, reports.length);
  assert.equal(all.body.next_token, undefined);
  const first = mine[1];
  assert.equal(first.room_id, a.roomId);
  assert.equal(first.user_id, gina.userId);
  assert.equal(first.sender, gina.userId);
  assert.equal(first.reason, "first");
  assert.equal(first.score, -100);
  assert.equal(first.name, "Report Room A");
  assert.equal(first.canonical_alias, null);
  assert.equal(typeof first.received_ts, "number");

  const byHal = await adminCall("GET", `/_synapse/admin/v1/event_reports?user_id=${enc(hal.userId)}`);
  assert.deepEqual((byHal.body.event_reports as Array<Record<string, unknown>>).map((r) => r.event_id), [b.eventId]);
  const inA = await adminCall("GET", `/_synapse/admin/v1/event_reports?room_id=${enc(a.roomId)}&dir=f`);
  assert.deepEqual((inA.body.event_reports as Array<Record<string, unknown>>).map((r) => r.event_id), [a.eventId]);
  const page = await adminCall("GET", "/_synapse/admin/v1/event_reports?limit=1&dir=f");
  assert.equal((page.body.event_reports as unknown[]).length, 1);
  assert.equal(page.body.next_token, 1);

  const id = Number(first.id);
  const detail = await adminCall("GET", `/_synapse/admin/v1/event_reports/${id}`);
  assert.equal(detail.status, 200, JSON.stringify(detail.body));
  assert.equal((detail.body.event_json as Record<string, unknown>).event_id, a.eventId);
  assert.equal(((detail.body.event_json as Record<string, unknown>).content as Record<string, unknown>).body, "offensive A");

  // Non-admins see nothing and delete nothing.
  for (const [method, path] of [
    ["GET", "/_synapse/admin/v1/event_reports"],
    ["GET", `/_synapse/admin/v1/event_reports/${id}`],
    ["DELETE", `/_synapse/admin/v1/event_reports/${id}`],
  ]) {
    const r = await call(server.baseUrl, method, path, { token: gina.accessToken });
    assert.equal(r.status, 403, `${method} ${path}`);
    assert.equal(r.body.errcode, "M_FORBIDDEN");
    assert.equal((await call(server.baseUrl, method, path)).status, 401);
  }
  assert.equal((await adminCall("GET", `/_synapse/admin/v1/event_reports/${id}`)).status, 200);

  // Bad input.
  for (const q of ["from=-1", "limit=-5", "dir=sideways", "from=abc", "limit=abc", "limit=1.5"]) {
    const r = await adminCall("GET", `/_synapse/admin/v1/event_reports?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(r.body.errcode, "M_INVALID_PARAM", q);
  }
  for (const bad of ["abc", "-3", "1.5"]) {
    const r = await adminCall("GET", `/_synapse/admin/v1/event_reports/${bad}`);
    assert.equal(r.status, 400, bad);
    assert.equal(r.body.errcode, "M_INVALID_PARAM");
  }
  assert.equal((await adminCall("GET", "/_synapse/admin/v1/event_reports/999999")).body.errcode, "M_NOT_FOUND");

  const del = await adminCall("DELETE", `/_synapse/admin/v1/event_reports/${id}`);
  assert.equal(del.status, 200);
  assert.deepEqual(del.body, {});
  assert.equal((await adminCall("GET", `/_synapse/admin/v1/event_reports/${id}`)).status, 404);
  const again = await adminCall("DELETE", `/_synapse/admin/v1/event_reports/${id}`);
  assert.equal(again.status, 404);
  assert.equal(again.body.errcode, "M_NOT_FOUND");
  const after = await adminCall("GET", "/_synapse/admin/v1/event_reports");
  assert.ok(!(after.body.event_reports as Array<Record<string, unknown>>).some((r) => r.id === id));
  assert.equal(after.body.total, Number(all.body.total) - 1);
});

test("list users: every local account, filtered by name, guests, deactivated and admins, ordered and paged", async () => {
  const stamp = `zq${Date.now().toString(36)}`;
  const u1 = await registerUser(server.baseUrl, { name: `${stamp}one` });
  const u2 = await registerUser(server.baseUrl, { name: `${stamp}two` });
  const made = await adminCall("PUT", userPath(`@${stamp}three:${server.serverName}`), { password: "three pw 1", displayname: "Bbb" });
  assert.equal(made.status, 201);
  const u3 = String(made.body.name);
  const setName = (u: TestUser, displayname: string) =>
    call(server.baseUrl, "PUT", `/_matrix/client/v3/profile/${enc(u.userId)}/displayname`, { token: u.accessToken, body: { displayname } });
  assert.equal((await setName(u1, `Unique${stamp}X`)).status, 200);
  assert.equal((await setName(u2, "Aaa")).status, 200);
  const list = async (q: string) => {
    const r = await adminCall("GET", `/_synapse/admin/v2/users?${q}`);
    assert.equal(r.status, 200, `${q}: ${JSON.stringify(r.body)}`);
    return r.body as { users: Array<Record<string, unknown>>; total: number; next_token?: string };
  };
  const names = (l: { users: Array<Record<string, unknown>> }) => l.users.map((u) => u.name);

  let l = await list(`name=${stamp}`);
  assert.deepEqual(names(l), [u1.userId, u3, u2.userId], "by user ID by default");
  assert.equal(l.total, 3);
  assert.equal(l.next_token, undefined);
  const entry = l.users[0];
  assert.equal(entry.displayname, `Unique${stamp}X`);
  assert.equal(entry.admin, false);
  assert.equal(entry.is_guest, false);
  assert.equal(entry.deactivated, false);
  assert.ok(Math.abs(Number(entry.creation_ts) - Date.now()) < 600_000, "creation_ts in ms");
  // A display name matches too (case-insensitive); the user ID filter matches the whole ID.
  assert.deepEqual(names(await list(`name=unique${stamp}`)), [u1.userId]);
  assert.deepEqual(names(await list(`user_id=${enc(`${stamp}two:`)}`)), [u2.userId]);
  // Order and direction.
  assert.deepEqual(names(await list(`name=${stamp}&order_by=displayname`)), [u2.userId, u3, u1.userId]);
  assert.deepEqual(names(await list(`name=${stamp}&order_by=displayname&dir=b`)), [u1.userId, u3, u2.userId]);
  // Paging.
  l = await list(`name=${stamp}&limit=2`);
  assert.deepEqual(names(l), [u1.userId, u3]);
  assert.equal(l.next_token, "2");
  l = await list(`name=${stamp}&limit=2&from=${l.next_token}`);
  assert.deepEqual(names(l), [u2.userId]);
  assert.equal(l.next_token, undefined);

  // Deactivated users are left out unless asked for.
  assert.equal((await adminCall("PUT", userPath(u2.userId), { deactivated: true })).status, 200);
  assert.deepEqual(names(await list(`name=${stamp}`)), [u1.userId, u3]);
  l = await list(`name=${stamp}&deactivated=true`);
  assert.deepEqual(names(l), [u1.userId, u3, u2.userId]);
  assert.equal(l.users[2].deactivated, true);

  // Guests are listed unless guests=false; admins=true lists only admins.
  const guest = await call(server.baseUrl, "POST", "/_matrix/client/v3/register?kind=guest", { body: {} });
  const guestId = String(guest.body.user_id);
  const everyone = await list("limit=10000");
  assert.equal(everyone.users.find((u) => u.name === guestId)?.is_guest, true);
  assert.ok(!names(await list("limit=10000&guests=false")).includes(guestId));
  const admins = await list("limit=10000&admins=true");
  assert.ok(names(admins).includes(admin.userId));
  assert.ok(admins.users.every((u) => u.admin === true));
  assert.ok(!names(await list("limit=10000&admins=false")).includes(admin.userId));

  // Refusals.
  assert.equal((await call(server.baseUrl, "GET", "/_synapse/admin/v2/users")).status, 401);
  const nonAdmin = await call(server.baseUrl, "GET", "/_synapse/admin/v2/users", { token: u1.accessToken });
  assert.equal(nonAdmin.status, 403);
  assert.equal(nonAdmin.body.errcode, "M_FORBIDDEN");
  for (const q of ["limit=-1", "from=-2", "from=x", "limit=ten", "order_by=bogus", "dir=up", "guests=maybe", "deactivated=1", "admins=yes", "locked=1"]) {
    for (const version of ["v2", "v3"]) {
      const r = await adminCall("GET", `/_synapse/admin/${version}/users?${q}`);
      assert.equal(r.status, 400, `${version} ${q}`);
      assert.equal(r.body.errcode, "M_INVALID_PARAM", `${version} ${q}`);
    }
  }
});

test("deactivate (with erase), the admin flag endpoints, whois and the v3 list; non-admins and bad input change nothing", async () => {
  const ivy = await registerUser(server.baseUrl, { prefix: "ivy", password: "ivy password 1" });
  const jon = await registerUser(server.baseUrl, { prefix: "jon", password: "jon password 1" });
  const deactivatePath = (u: string) => `/_synapse/admin/v1/deactivate/${enc(u)}`;
  const adminFlag = (u: string) => `/_synapse/admin/v1/users/${enc(u)}/admin`;

  // Non-admins are refused everywhere and nothing changes.
  for (const [method, path, body] of [
    ["POST", deactivatePath(jon.userId), { erase: true }],
    ["PUT", adminFlag(ivy.userId), { admin: true }],
    ["GET", adminFlag(jon.userId), undefined],
    ["GET", `/_synapse/admin/v1/whois/${enc(jon.userId)}`, undefined],
    ["GET", "/_synapse/admin/v3/users", undefined],
  ] as const) {
    const r = await call(server.baseUrl, method, path, { token: ivy.accessToken, body });
    assert.equal(r.status, 403, `${method} ${path}`);
    assert.equal(r.body.errcode, "M_FORBIDDEN");
    assert.equal((await call(server.baseUrl, method, path, { body })).status, 401);
  }
  assert.equal(await loginStatus(jon.userId, "jon password 1"), 200);
  assert.equal((await details(ivy.userId)).admin, false);

  // whois: the device the user signed in with, seen.
  const who = await adminCall("GET", `/_synapse/admin/v1/whois/${enc(jon.userId)}`);
  assert.equal(who.status, 200, JSON.stringify(who.body));
  assert.equal(who.body.user_id, jon.userId);
  const sessions = ((who.body.devices as Record<string, { sessions: Array<{ connections: Array<Record<string, unknown>> }> }>)[""]).sessions;
  assert.ok(sessions[0].connections.length >= 1);
  assert.equal(typeof sessions[0].connections[0].last_seen, "number");

  // The admin flag.
  assert.deepEqual((await adminCall("GET", adminFlag(ivy.userId))).body, { admin: false });
  assert.equal((await adminCall("PUT", adminFlag(ivy.userId), { admin: true })).status, 200);
  assert.deepEqual((await adminCall("GET", adminFlag(ivy.userId))).body, { admin: true });
  assert.equal((await call(server.baseUrl, "GET", "/_synapse/admin/v3/users", { token: ivy.accessToken })).status, 200, "the new admin may list users");
  assert.equal((await adminCall("PUT", adminFlag(ivy.userId), { admin: false })).status, 200);
  for (const [body, errcode] of [[{}, "M_MISSING_PARAM"], [{ admin: "yes" }, "M_BAD_JSON"]] as const) {
    const r = await adminCall("PUT", adminFlag(ivy.userId), body);
    assert.equal(r.status, 400);
    assert.equal(r.body.errcode, errcode);
  }
  assert.equal((await adminCall("PUT", adminFlag(admin.userId), { admin: false })).body.error, "You may not demote yourself.");
  assert.equal((await adminCall("GET", adminFlag(`@ghost2:${server.serverName}`))).status, 404);
  assert.equal((await adminCall("GET", adminFlag("@x:elsewhere.example"))).status, 400);
  assert.equal((await adminCall("GET", adminFlag(admin.userId))).body.admin, true);

  // Deactivate with erase: no login, no profile; listed as deactivated by v3.
  const badErase = await adminCall("POST", deactivatePath(jon.userId), { erase: "yes" });
  assert.equal(badErase.status, 400);
  assert.equal(badErase.body.errcode, "M_BAD_JSON");
  for (const path of [deactivatePath(jon.userId), adminFlag(jon.userId)]) {
    const method = path === adminFlag(jon.userId) ? "PUT" : "POST";
    for (const rawBody of ["{nope", "[true]"]) {
      const r = await call(server.baseUrl, method, path, { token: admin.accessToken, rawBody });
      assert.equal(r.status, 400, `${method} ${path} ${rawBody}`);
      assert.equal(r.body.errcode, "M_NOT_JSON", `${method} ${path} ${rawBody}: ${JSON.stringify(r.body)}`);
    }
  }
  assert.equal((await details(jon.userId)).admin, false);
  assert.equal(await loginStatus(jon.userId, "jon password 1"), 200);
  assert.equal((await adminCall("POST", deactivatePath(`@ghost3:${server.serverName}`), {})).status, 404);
  assert.equal((await adminCall("POST", deactivatePath("@x:elsewhere.example"), {})).status, 400);
  const d = await adminCall("POST", deactivatePath(jon.userId), { erase: true });
  assert.equal(d.status, 200, JSON.stringify(d.body));
  assert.equal(await loginStatus(jon.userId, "jon password 1"), 403);
  const after = await details(jon.userId);
  assert.equal(after.deactivated, true);
  assert.equal(after.displayname, null);
  const jonLocalpart = jon.userId.slice(1, jon.userId.indexOf(":"));
  const v3 = await adminCall("GET", `/_synapse/admin/v3/users?deactivated=true&name=${enc(jonLocalpart)}`);
  assert.deepEqual((v3.body.users as Array<Record<string, unknown>>).map((u) => [u.name, u.deactivated, u.displayname]), [[jon.userId, true, null]]);
  const v3active = await adminCall("GET", `/_synapse/admin/v3/users?deactivated=false&name=${enc(jonLocalpart)}`);
  assert.deepEqual(v3active.body.users, []);
  // Deactivating with an empty body works too (ivy), as Synapse allows.
  const empty = await call(server.baseUrl, "POST", deactivatePath(ivy.userId), { token: admin.accessToken });
  assert.equal(empty.status, 200, JSON.stringify(empty.body));
  assert.equal(await loginStatus(ivy.userId, "ivy password 1"), 403);
});

test("a user's devices (list, get, delete one or several) and joined rooms; the deleted device's token stops working", async () => {
  const kim = await registerUser(server.baseUrl, { prefix: "kim", password: "kim password 1", deviceName: "first phone" });
  const second = await passwordLogin(server.baseUrl, kim.userId, "kim password 1", "laptop");
  const third = await passwordLogin(server.baseUrl, kim.userId, "kim password 1", "tablet");
  const base = `/_synapse/admin/v2/users/${enc(kim.userId)}`;
  const room = await call(server.baseUrl, "POST", "/_matrix/client/v3/createRoom", { token: kim.accessToken, body: {} });
  const roomId = String(room.body.room_id);

  // Non-admins: refused, nothing deleted.
  for (const [method, path, body] of [
    ["GET", `${base}/devices`, undefined],
    ["GET", `${base}/devices/${kim.deviceId}`, undefined],
    ["DELETE", `${base}/devices/${kim.deviceId}`, undefined],
    ["POST", `${base}/delete_devices`, { devices: [kim.deviceId] }],
    ["GET", `/_synapse/admin/v1/users/${enc(kim.userId)}/joined_rooms`, undefined],
  ] as const) {
    const r = await call(server.baseUrl, method, path, { token: kim.accessToken, body });
    assert.equal(r.status, 403, `${method} ${path}`);
    assert.equal((await call(server.baseUrl, method, path, { body })).status, 401);
  }
  const list = await adminCall("GET", `${base}/devices`);
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.equal(list.body.total, 3);
  const devices = list.body.devices as Array<Record<string, unknown>>;
  assert.deepEqual(devices.map((d) => d.display_name).sort(), ["first phone", "laptop", "tablet"]);
  assert.ok(devices.every((d) => d.user_id === kim.userId));
  const one = await adminCall("GET", `${base}/devices/${enc(String(second.body.device_id))}`);
  assert.equal(one.body.display_name, "laptop");
  assert.equal((await adminCall("GET", `${base}/devices/NOPE`)).status, 404);

  const rooms = await adminCall("GET", `/_synapse/admin/v1/users/${enc(kim.userId)}/joined_rooms`);
  assert.deepEqual(rooms.body, { joined_rooms: [roomId], total: 1 });

  assert.equal((await adminCall("DELETE", `${base}/devices/${enc(String(second.body.device_id))}`)).status, 200);
  assert.equal((await call(server.baseUrl, "GET", "/_matrix/client/v3/account/whoami", { token: String(second.body.access_token) })).status, 401);
  for (const [body, errcode] of [[{}, "M_MISSING_PARAM"], [{ devices: "all" }, "M_BAD_JSON"], [{ devices: [1] }, "M_BAD_JSON"]] as const) {
    const r = await adminCall("POST", `${base}/delete_devices`, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.errcode, errcode);
  }
  assert.equal((await adminCall("POST", `${base}/delete_devices`, { devices: [String(third.body.device_id)] })).status, 200);
  assert.equal((await call(server.baseUrl, "GET", "/_matrix/client/v3/account/whoami", { token: String(third.body.access_token) })).status, 401);
  assert.equal((await call(server.baseUrl, "GET", "/_matrix/client/v3/account/whoami", { token: kim.accessToken })).status, 200);
  assert.equal((await adminCall("GET", `${base}/devices`)).body.total, 1);

  assert.equal((await adminCall("GET", `/_synapse/admin/v2/users/${enc(`@ghost4:${server.serverName}`)}/devices`)).status, 404);
  assert.equal((await adminCall("GET", `/_synapse/admin/v2/users/${enc("@x:elsewhere.example")}/devices`)).status, 400);
});

test("a guest is listed and queried as a guest; once upgraded with guest_access_token, as a user", async () => {
  const guest = await call(server.baseUrl, "POST", "/_matrix/client/v3/register?kind=guest", { body: {} });
  assert.equal(guest.status, 200, JSON.stringify(guest.body));
  const guestId = String(guest.body.user_id);
  const localpart = guestId.slice(1, guestId.indexOf(":"));
  const listed = async () => {
    const r = await adminCall("GET", `/_synapse/admin/v2/users?user_id=${enc(guestId)}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return (r.body.users as Array<Record<string, unknown>>).map((u) => [u.name, u.is_guest]);
  };
  assert.deepEqual(await listed(), [[guestId, true]]);
  assert.equal((await details(guestId)).is_guest, true);
  // A guest may set a display name: still a guest, in the list and the query, with the new name.
  const named = await call(server.baseUrl, "PUT", `/_matrix/client/v3/profile/${enc(guestId)}/displayname`, { token: String(guest.body.access_token), body: { displayname: "Guest Gil" } });
  assert.equal(named.status, 200, JSON.stringify(named.body));
  assert.deepEqual(await listed(), [[guestId, true]]);
  const nonGuests = await adminCall("GET", `/_synapse/admin/v2/users?guests=false&user_id=${enc(guestId)}`);
  assert.deepEqual(nonGuests.body.users, []);
  assert.equal((await details(guestId)).is_guest, true);
  assert.equal((await details(guestId)).displayname, "Guest Gil");
  const upgraded = await call(server.baseUrl, "POST", "/_matrix/client/v3/register", {
    body: { username: localpart, password: "upgraded pw 1", guest_access_token: guest.body.access_token, auth: { type: "m.login.dummy" } },
  });
  assert.equal(upgraded.status, 200, JSON.stringify(upgraded.body));
  assert.deepEqual(await listed(), [[guestId, false]]);
  assert.equal((await details(guestId)).is_guest, false);
});
