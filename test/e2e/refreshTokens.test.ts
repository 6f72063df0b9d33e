/**
 * Refresh tokens through the legacy API, as a client sees them: login and registration with
 * `refresh_token: true`, POST /refresh and its rotation (a retry after a lost response works; a
 * spent token presented after its successor was used ends the session), expired access tokens
 * answered with a soft logout, and matrix-js-sdk refreshing on its own across an expiry.
 * Access tokens live 2 s here (ACCESS_TOKEN_LIFETIME).
 * Spec: client-server-api "Refreshing access tokens", "Soft logout"; refresh.yaml, login.yaml,
 * registration.yaml.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "matrix-js-sdk";
import { startServer, call, registerUser, type RunningServer, type TestUser } from "./harness.js";
import "./sdkHelpers.js";

const LIFETIME_S = 2;

let server: RunningServer;

before(async () => {
  server = await startServer({ vars: { ACCESS_TOKEN_LIFETIME: String(LIFETIME_S) } });
});

after(async () => {
  await server?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Tokens {
  access_token: string;
  refresh_token: string;
  device_id: string;
}

async function loginWithRefresh(user: TestUser, deviceId?: string): Promise<Tokens & { expires_in_ms: number }> {
  const r = await call(server.baseUrl, "POST", "/_matrix/client/v3/login", {
    body: { type: "m.login.password", identifier: { type: "m.id.user", user: user.userId }, password: user.password, refresh_token: true, ...(deviceId ? { device_id: deviceId } : {}) },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(typeof r.body.refresh_token, "string");
  assert.equal(typeof r.body.access_token, "string");
  return r.body as unknown as Tokens & { expires_in_ms: number };
}

async function refresh(refreshToken: unknown, version = "v3") {
  return call(server.baseUrl, "POST", `/_matrix/client/${version}/refresh`, { body: { refresh_token: refreshToken } });
}

async function refreshOk(refreshToken: string): Promise<Tokens & { expires_in_ms: number }> {
  const r = await refresh(refreshToken);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(Object.keys(r.body).sort(), ["access_token", "expires_in_ms", "refresh_token"]);
  assert.equal(r.body.expires_in_ms, LIFETIME_S * 1000);
  return r.body as unknown as Tokens & { expires_in_ms: number };
}

async function whoami(token: string) {
  return call(server.baseUrl, "GET", "/_matrix/client/v3/account/whoami", { token });
}

async function assertWorks(token: string, user: TestUser, deviceId: string): Promise<void> {
  const r = await whoami(token);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.user_id, user.userId);
  assert.equal(r.body.device_id, deviceId);
}

async function assertRefused(token: string, softLogout: boolean): Promise<void> {
  const r = await whoami(token);
  assert.equal(r.status, 401, JSON.stringify(r.body));
  assert.equal(r.body.errcode, "M_UNKNOWN_TOKEN");
  assert.equal(r.body.soft_logout, softLogout);
}

async function devicesOf(user: TestUser): Promise<string[]> {
  const r = await call(server.baseUrl, "GET", "/_matrix/client/v3/devices", { token: user.accessToken });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.body.devices as Array<{ device_id: string }>).map((d) => d.device_id).sort();
}

test("login with refresh_token: true gets a refresh token; refreshing rotates both tokens and the old access token stops working", async () => {
  const user = await registerUser(server.baseUrl);
  const first = await loginWithRefresh(user);
  assert.equal(first.expires_in_ms, LIFETIME_S * 1000);
  await assertWorks(first.access_token, user, first.device_id);

  const second = await refreshOk(first.refresh_token);
  assert.notEqual(second.access_token, first.access_token);
  assert.notEqual(second.refresh_token, first.refresh_token);
  await assertRefused(first.access_token, false);
  await assertWorks(second.access_token, user, first.device_id);

  // The v1 path (Synapse before 1.72; matrix-js-sdk falls back to it) is the same endpoint.
  const r = await refresh(second.refresh_token, "v1");
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await assertWorks(String(r.body.access_token), user, first.device_id);
  // Still one device: refreshing never makes a new session.
  assert.deepEqual(await devicesOf(user), [user.deviceId, first.device_id].sort());
});

test("an expired access token is a soft logout; the refresh token still works and the new token is good", async () => {
  const user = await registerUser(server.baseUrl);
  const tokens = await loginWithRefresh(user);
  await assertWorks(tokens.access_token, user, tokens.device_id);
  await sleep(LIFETIME_S * 1000 + 300);
  await assertRefused(tokens.access_token, true);
  const fresh = await refreshOk(tokens.refresh_token);
  await assertWorks(fresh.access_token, user, tokens.device_id);
});

test("a retry after a lost response: the spent refresh token works again while its successor is unused", async () => {
  const user = await registerUser(server.baseUrl);
  const tokens = await loginWithRefresh(user);
  const lost = await refreshOk(tokens.refresh_token);
  // The client never got `lost`; it repeats the refresh with the token it still has.
  const retried = await refreshOk(tokens.refresh_token);
  assert.notEqual(retried.access_token, lost.access_token);
  await assertRefused(lost.access_token, false);
  assert.equal((await refresh(lost.refresh_token)).status, 401, "the replaced successor is gone");
  await assertWorks(retried.access_token, user, tokens.device_id);
  // Now the successor was used: the spent token is a replay, which ends the session.
  const replay = await refresh(tokens.refresh_token);
  assert.equal(replay.status, 401);
  assert.equal(replay.body.errcode, "M_UNKNOWN_TOKEN");
  assert.equal(replay.body.soft_logout, false);
  await assertRefused(retried.access_token, false);
  assert.equal((await refresh(retried.refresh_token)).status, 401);
  assert.deepEqual(await devicesOf(user), [user.deviceId]);
});

test("reusing a refresh token whose successor was refreshed ends the session", async () => {
  const user = await registerUser(server.baseUrl);
  const tokens = await loginWithRefresh(user);
  const second = await refreshOk(tokens.refresh_token);
  const third = await refreshOk(second.refresh_token);
  await assertWorks(third.access_token, user, tokens.device_id);
  const stolen = await refresh(tokens.refresh_token);
  assert.equal(stolen.status, 401, JSON.stringify(stolen.body));
  assert.equal(stolen.body.errcode, "M_UNKNOWN_TOKEN");
  assert.notEqual(stolen.body.soft_logout, true);
  await assertRefused(third.access_token, false);
  assert.equal((await refresh(third.refresh_token)).status, 401);
  assert.deepEqual(await devicesOf(user), [user.deviceId]);
});

test("POST /refresh refuses bad bodies and unknown tokens with the spec's errors", async () => {
  const user = await registerUser(server.baseUrl);
  const tokens = await loginWithRefresh(user);
  const cases: Array<[unknown, number, string]> = [
    [undefined, 400, "M_MISSING_PARAM"],
    [5, 400, "M_BAD_JSON"],
    [["x"], 400, "M_BAD_JSON"],
    ["", 401, "M_UNKNOWN_TOKEN"],
    ["latr_nonsense", 401, "M_UNKNOWN_TOKEN"],
    [tokens.access_token, 401, "M_UNKNOWN_TOKEN"],
    [tokens.refresh_token.slice(0, -1) + (tokens.refresh_token.endsWith("a") ? "b" : "a"), 401, "M_UNKNOWN_TOKEN"],
  ];
  for (const [value, status, errcode] of cases) {
    const r = await call(server.baseUrl, "POST", "/_matrix/client/v3/refresh", { body: value === undefined ? {} : { refresh_token: value } });
    assert.equal(r.status, status, `${JSON.stringify(value)}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, errcode, JSON.stringify(value));
  }
  const notJson = await call(server.baseUrl, "POST", "/_matrix/client/v3/refresh", { rawBody: "{nope" });
  assert.equal(notJson.status, 400);
  assert.equal(notJson.body.errcode, "M_NOT_JSON");
  const notObject = await call(server.baseUrl, "POST", "/_matrix/client/v3/refresh", { rawBody: "[]" });
  assert.equal(notObject.status, 400, JSON.stringify(notObject.body));
  // None of that harmed the session.
  await refreshOk(tokens.refresh_token);
});

test("without refresh_token the login is as before: no refresh token, an access token that does not expire", async () => {
  const user = await registerUser(server.baseUrl);
  for (const body of [{}, { refresh_token: false }]) {
    const r = await call(server.baseUrl, "POST", "/_matrix/client/v3/login", {
      body: { type: "m.login.password", identifier: { type: "m.id.user", user: user.userId }, password: user.password, ...body },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.refresh_token, undefined);
    assert.equal(r.body.expires_in_ms, undefined);
  }
  const bad = await call(server.baseUrl, "POST", "/_matrix/client/v3/login", {
    body: { type: "m.login.password", identifier: { type: "m.id.user", user: user.userId }, password: user.password, refresh_token: "yes" },
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.errcode, "M_BAD_JSON");
  await sleep(LIFETIME_S * 1000 + 300);
  await assertWorks(user.accessToken, user, user.deviceId);
});

test("registration with refresh_token: true gets a refresh token and an expiring access token", async () => {
  const username = `reg${Date.now().toString(36)}`;
  const r = await call(server.baseUrl, "POST", "/_matrix/client/v3/register", { body: { username, password: "pw-12345678", auth: { type: "m.login.dummy" }, refresh_token: true } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.expires_in_ms, LIFETIME_S * 1000);
  assert.equal(typeof r.body.refresh_token, "string");
  const user: TestUser = { userId: String(r.body.user_id), accessToken: String(r.body.access_token), deviceId: String(r.body.device_id), password: "pw-12345678" };
  await assertWorks(user.accessToken, user, user.deviceId);
  const next = await refreshOk(String(r.body.refresh_token));
  await assertWorks(next.access_token, user, user.deviceId);
});

test("registration with a refresh_token that is not a boolean is 400 M_BAD_JSON", async () => {
  for (const value of ["true", 1, {}]) {
    const username = `regbad${Date.now().toString(36)}`;
    const r = await call(server.baseUrl, "POST", "/_matrix/client/v3/register", { body: { username, password: "pw-12345678", auth: { type: "m.login.dummy" }, refresh_token: value } });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.errcode, "M_BAD_JSON");
  }
});

test("a guest registering with refresh_token: true gets neither a refresh token nor an expiring access token (the spec ignores a guest's body)", async () => {
  const r = await call(server.baseUrl, "POST", "/_matrix/client/v3/register?kind=guest", { body: { refresh_token: true } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.refresh_token, undefined);
  assert.equal(r.body.expires_in_ms, undefined);
  const who = await whoami(String(r.body.access_token));
  assert.equal(who.status, 200, JSON.stringify(who.body));
  assert.equal(who.body.is_guest, true);
  await sleep(LIFETIME_S * 1000 + 300);
  assert.equal((await whoami(String(r.body.access_token))).status, 200, "the access token did not expire");
});

test("logging out, deleting the device or logging in again on it ends its refresh token", async () => {
  const user = await registerUser(server.baseUrl);
  const a = await loginWithRefresh(user);
  const logout = await call(server.baseUrl, "POST", "/_matrix/client/v3/logout", { token: a.access_token });
  assert.equal(logout.status, 200, JSON.stringify(logout.body));
  assert.equal((await refresh(a.refresh_token)).status, 401);

  const b = await loginWithRefresh(user);
  const del = await call(server.baseUrl, "POST", "/_matrix/client/v3/delete_devices", {
    token: user.accessToken,
    body: { devices: [b.device_id], auth: { type: "m.login.password", identifier: { type: "m.id.user", user: user.userId }, password: user.password } },
  });
  assert.equal(del.status, 200, JSON.stringify(del.body));
  assert.equal((await refresh(b.refresh_token)).status, 401);

  const c = await loginWithRefresh(user);
  const again = await loginWithRefresh(user, c.device_id);
  assert.equal((await refresh(c.refresh_token)).status, 401, "a new login on the device replaces its tokens");
  await refreshOk(again.refresh_token);

  const d = await loginWithRefresh(user);
  const all = await call(server.baseUrl, "POST", "/_matrix/client/v3/logout/all", { token: d.access_token });
  assert.equal(all.status, 200);
  assert.equal((await refresh(d.refresh_token)).status, 401);
});

test("a password change that logs out other devices, and deactivation, end their refresh tokens", async () => {
  const user = await registerUser(server.baseUrl);
  const other = await loginWithRefresh(user);
  const auth = { type: "m.login.password", identifier: { type: "m.id.user", user: user.userId }, password: user.password };
  const changed = await call(server.baseUrl, "POST", "/_matrix/client/v3/account/password", { token: user.accessToken, body: { new_password: "a new password 123", auth } });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  assert.equal((await refresh(other.refresh_token)).status, 401);
  await assertWorks(user.accessToken, user, user.deviceId);

  const renewed: TestUser = { ...user, password: "a new password 123" };
  const last = await loginWithRefresh(renewed);
  const gone = await call(server.baseUrl, "POST", "/_matrix/client/v3/account/deactivate", { token: last.access_token, body: { auth: { ...auth, password: renewed.password } } });
  assert.equal(gone.status, 200, JSON.stringify(gone.body));
  const r = await refresh(last.refresh_token);
  assert.equal(r.status, 401);
  assert.equal(r.body.errcode, "M_UNKNOWN_TOKEN");
});

test("matrix-js-sdk with a refresh token keeps working across an access token's expiry", async () => {
  const user = await registerUser(server.baseUrl);
  const tokens = await loginWithRefresh(user);
  let refreshes = 0;
  const client = createClient({
    baseUrl: server.baseUrl,
    userId: user.userId,
    deviceId: tokens.device_id,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    tokenRefreshFunction: async (refreshToken: string) => {
      refreshes++;
      const r = await refreshOk(refreshToken);
      return { accessToken: r.access_token, refreshToken: r.refresh_token, expiry: new Date(Date.now() + r.expires_in_ms) };
    },
  });
  try {
    assert.equal((await client.whoami()).device_id, tokens.device_id);
    await sleep(LIFETIME_S * 1000 + 300);
    assert.equal((await client.whoami()).device_id, tokens.device_id);
    assert.ok(refreshes >= 1, "the SDK refreshed the expired token");
    assert.notEqual(client.getAccessToken(), tokens.access_token);
    await sleep(LIFETIME_S * 1000 + 300);
    assert.equal((await client.whoami()).user_id, user.userId);
  } finally {
    client.stopClient();
  }
});
