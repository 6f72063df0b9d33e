/**
 * The account pages' forms over raw HTTP, as an attacker would post them: without the CSRF token,
 * with a wrong one, from another site, not signed in, or naming another user's device. Each is
 * refused and changes nothing. Also the headers that keep the pages out of frames and caches, and
 * the rate limit on password attempts.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, call, loginNewDevice, passwordLogin, registerUser, type RunningServer, type TestUser } from "./harness.js";
import { uploadDevice } from "./e2eeRawHelpers.js";
import { localpartOf } from "./accountPages.js";
import { whoami } from "./oauthHelpers.js";
import { Browserless } from "./browserless.js";

let server: RunningServer;
let base: string;

before(async () => {
  server = await startServer();
  base = server.baseUrl;
});

after(async () => {
  await server?.stop();
});

/** A browser signed in as `user` on the sign-in page. */
async function signedIn(baseUrl: string, user: TestUser): Promise<Browserless> {
  const browser = new Browserless(baseUrl);
  await browser.signIn(localpartOf(user.userId), user.password);
  return browser;
}

function assertPageHeaders(headers: Headers, what: string): void {
  assert.equal(headers.get("X-Frame-Options"), "DENY", what);
  assert.match(headers.get("Content-Security-Policy") ?? "", /frame-ancestors 'none'/, what);
  assert.equal(headers.get("Cache-Control"), "no-store", what);
}

/** Each account form with fields that would change something if it went through. */
function accountPosts(user: TestUser, deviceId: string): [string, Record<string, string>][] {
  return [
    ["/account/devices/delete", { device_id: deviceId }],
    ["/account/password", { current_password: user.password, new_password: "taken over", new_password_confirm: "taken over", logout_devices: "true" }],
    ["/account/deactivate", { password: user.password, confirm: "yes" }],
    ["/account/cross-signing-reset", {}],
    ["/account/logout", {}],
  ];
}

/** Everything those posts could have changed is as it was. */
async function assertUnchanged(user: TestUser, phone: TestUser, browser: Browserless, what: string): Promise<void> {
  assert.equal((await whoami(base, phone.accessToken)).status, 200, `${what}: the device is still signed in`);
  assert.equal((await whoami(base, user.accessToken)).status, 200, `${what}: the other device too`);
  assert.equal((await passwordLogin(base, user.userId, user.password)).status, 200, `${what}: password unchanged, account active`);
  assert.equal((await browser.get("/account/")).status, 200, `${what}: the browser is still signed in`);
}

test("every account form posted without its CSRF token, with a wrong one, from another site or as JSON is 403 and changes nothing", async () => {
  const user = await registerUser(base, { prefix: "csrf", deviceName: "Laptop" });
  const phone = await loginNewDevice(base, user, { deviceName: "Phone" });
  const browser = await signedIn(base, user);
  for (const [path, fields] of accountPosts(user, phone.deviceId)) {
    const attempts: [string, () => ReturnType<Browserless["post"]>][] = [
      ["no csrf field", () => browser.post(path, fields, { csrf: false })],
      ["a wrong csrf field", () => browser.post(path, { ...fields, csrf: "A".repeat(43) })],
      ["no csrf cookie", () => browser.post(path, fields, { withoutCookies: ["lattice_csrf"] })],
      ["another site's Origin", () => browser.post(path, fields, { origin: "https://evil.example" })],
      ["Origin null", () => browser.post(path, fields, { origin: "null" })],
      ["Sec-Fetch-Site cross-site", () => browser.post(path, fields, { headers: { "Sec-Fetch-Site": "cross-site" } })],
      ["a JSON body", () => browser.post(path, fields, { json: true })],
    ];
    for (const [how, attempt] of attempts) {
      const res = await attempt();
      assert.equal(res.status, 403, `${path} with ${how}`);
      assertPageHeaders(res.headers, `${path} with ${how}`);
      assert.match(res.text, /This form has expired/);
    }
    await assertUnchanged(user, phone, browser, path);
  }
});

test("signed out, a post with a good CSRF token goes to sign-in and changes nothing", async () => {
  const user = await registerUser(base, { prefix: "nosession", deviceName: "Laptop" });
  const phone = await loginNewDevice(base, user, { deviceName: "Phone" });
  const browser = await signedIn(base, user);
  for (const [path, fields] of accountPosts(user, phone.deviceId)) {
    if (path === "/account/logout") continue; // signing out a browser that is not signed in is harmless
    const res = await browser.post(path, fields, { withoutCookies: ["lattice_session"] });
    assert.equal(res.status, 303, path);
    assert.equal(res.location, `/account/login?next=${encodeURIComponent("/account/")}`, path);
    await assertUnchanged(user, phone, browser, path);
  }
  const page = await new Browserless(base).get("/account/?action=org.matrix.device_view&device_id=X");
  assert.equal(page.status, 303);
  assert.equal(page.location, `/account/login?next=${encodeURIComponent("/account/?action=org.matrix.device_view&device_id=X")}`);
});

test("signing out another user's device ID does nothing to them", async () => {
  const alice = await registerUser(base, { prefix: "alice", deviceName: "Laptop" });
  const bob = await registerUser(base, { prefix: "bob", deviceName: "Phone" });
  const browser = await signedIn(base, alice);
  const res = await browser.post("/account/devices/delete", { device_id: bob.deviceId });
  assert.equal(res.status, 404);
  assertPageHeaders(res.headers, "unknown device");
  assert.match(res.text, /not one of yours/);
  assert.equal((await whoami(base, bob.accessToken)).status, 200);
  assert.equal((await whoami(base, alice.accessToken)).status, 200);
  // Alice's own device ID in her form, by contrast, does sign it out.
  const own = await browser.post("/account/devices/delete", { device_id: alice.deviceId });
  assert.equal(own.status, 303);
  assert.equal(own.location, "/account/?notice=signed_out");
  assert.equal((await whoami(base, alice.accessToken)).status, 401);
  assert.equal((await whoami(base, bob.accessToken)).status, 200);
});

test("signing a session out on the page does what DELETE /devices/{deviceId} does: access and refresh tokens end, its keys go, room-mates hear of it", async () => {
  const user = await registerUser(base, { prefix: "effects", deviceName: "Laptop" });
  const friend = await registerUser(base, { prefix: "mate", deviceName: "Desk" });
  const login = await call(base, "POST", "/_matrix/client/v3/login", {
    body: { type: "m.login.password", identifier: { type: "m.id.user", user: user.userId }, password: user.password, refresh_token: true },
  });
  assert.equal(login.status, 200);
  const phone: TestUser = { ...user, deviceId: String(login.body.device_id), accessToken: String(login.body.access_token) };
  await uploadDevice(base, phone, 2);
  // A shared room, so the friend's sync tells them about the user's device changes.
  const room = await call(base, "POST", "/_matrix/client/v3/createRoom", { token: friend.accessToken, body: { preset: "public_chat" } });
  assert.equal((await call(base, "POST", `/_matrix/client/v3/join/${encodeURIComponent(String(room.body.room_id))}`, { token: user.accessToken, body: {} })).status, 200);
  // The join itself puts the user in device_lists.changed; start counting after the friend has seen it.
  const syncFrom = (since: string) => call(base, "GET", `/_matrix/client/v3/sync?timeout=0&since=${encodeURIComponent(since)}`, { token: friend.accessToken });
  const changedIn = (body: Record<string, unknown>) => (body.device_lists as { changed?: string[] } | undefined)?.changed ?? [];
  let since = String((await call(base, "GET", "/_matrix/client/v3/sync?timeout=0", { token: friend.accessToken })).body.next_batch);
  for (let i = 0; i < 40; i++) {
    const r = await syncFrom(since);
    since = String(r.body.next_batch);
    if (changedIn(r.body).includes(user.userId)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const deviceKeys = async () => {
    const q = await call(base, "POST", "/_matrix/client/v3/keys/query", { token: friend.accessToken, body: { device_keys: { [user.userId]: [] } } });
    return Object.keys((q.body.device_keys as Record<string, Record<string, unknown>>)[user.userId] ?? {});
  };
  assert.ok((await deviceKeys()).includes(phone.deviceId));

  const browser = await signedIn(base, user);
  const res = await browser.post("/account/devices/delete", { device_id: phone.deviceId });
  assert.equal(res.status, 303);
  assert.equal((await whoami(base, phone.accessToken)).status, 401);
  const refresh = await call(base, "POST", "/_matrix/client/v3/refresh", { body: { refresh_token: String(login.body.refresh_token) } });
  assert.equal(refresh.status, 401, "the refresh token ended too");
  assert.ok(!(await deviceKeys()).includes(phone.deviceId), "its keys are gone");
  const sync = await syncFrom(since);
  assert.ok(changedIn(sync.body).includes(user.userId), JSON.stringify(sync.body.device_lists));
  assert.equal((await whoami(base, user.accessToken)).status, 200);
});

test("the account page is never framed or cached; a notice is only ever one of the server's own", async () => {
  const user = await registerUser(base, { prefix: "frames", deviceName: "Laptop" });
  const browser = await signedIn(base, user);
  const page = await browser.get(`/account/?notice=${encodeURIComponent("<b>Your account is hacked, call 555</b>")}`);
  assert.equal(page.status, 200);
  assertPageHeaders(page.headers, "GET /account/");
  const html = page.text;
  assert.doesNotMatch(html, /555/, "a crafted notice is not shown");
  const known = await browser.get("/account/?notice=password_changed");
  assert.match(known.text, /Your password was changed/);
});

test("password attempts on the account page are rate-limited (and a right password is refused while limited)", async () => {
  const limited = await startServer({ vars: { RATE_LIMITS: "on" } });
  try {
    const user = await registerUser(limited.baseUrl, { prefix: "limit", deviceName: "Laptop" });
    const browser = await signedIn(limited.baseUrl, user);
    // Forms refused before any password is checked spend nothing: were they counted, every
    // guess below would already be 429 and none 403.
    for (let i = 0; i < 12; i++) {
      const res = await browser.post("/account/password", { current_password: "guess", new_password: "new password", new_password_confirm: "other password" });
      assert.equal(res.status, 400, `mismatched new passwords, attempt ${i + 1}`);
    }
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await browser.post("/account/password", { current_password: "guess", new_password: "new password", new_password_confirm: "new password" });
      statuses.push(res.status);
    }
    assert.ok(statuses.includes(403), statuses.join(","));
    assert.equal(statuses.at(-1), 429, statuses.join(","));
    const right = await browser.post("/account/deactivate", { password: user.password, confirm: "yes" });
    assert.equal(right.status, 429);
    assert.match(right.text, /Too many attempts/);
    assert.equal((await whoami(limited.baseUrl, user.accessToken)).status, 200, "not deactivated");
  } finally {
    await limited.stop();
  }
});

test("the account page refuses a new password over 512 characters as too long, and keeps the old one", async () => {
  const user = await registerUser(base, { prefix: "long", deviceName: "Laptop" });
  const browser = await signedIn(base, user);
  const long = "x".repeat(513);
  const res = await browser.post("/account/password", { current_password: user.password, new_password: long, new_password_confirm: long });
  assert.equal(res.status, 400);
  assert.match(res.text, /at most 512 characters/);
  assert.equal((await passwordLogin(base, user.userId, user.password)).status, 200, "the old password still works");
});

// Needs the UserDO side of changePassword's keepWebSessionToken (branch rv-user): fails until merged.
test("a password change that signs every session out also signs other browsers out, and keeps this one", async () => {
  const user = await registerUser(base, { prefix: "browsers", deviceName: "Laptop" });
  const here = await signedIn(base, user);
  const other = await signedIn(base, user);
  const next = "a brand new password";
  const res = await here.post("/account/password", { current_password: user.password, new_password: next, new_password_confirm: next, logout_devices: "true" });
  assert.equal(res.status, 303);
  const otherNow = await other.get("/account/");
  assert.equal(otherNow.status, 303, "the other browser is signed out");
  assert.match(otherNow.location ?? "", /^\/account\/login/);
  assert.equal((await here.get("/account/")).status, 200, "the browser that changed it stays signed in");
});

test("signing out with an empty or missing device_id is 404 and signs nothing out", async () => {
  const user = await registerUser(base, { prefix: "nodevice", deviceName: "Laptop" });
  const browser = await signedIn(base, user);
  for (const fields of [{ device_id: "" }, {}] as Record<string, string>[]) {
    const res = await browser.post("/account/devices/delete", { ...fields });
    assert.equal(res.status, 404, JSON.stringify(fields));
    assert.match(res.text, /not one of yours/);
  }
  assert.equal((await whoami(base, user.accessToken)).status, 200, "the device is still signed in");
});
