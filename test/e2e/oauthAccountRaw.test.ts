/**
 * The account pages' forms over raw HTTP, as an attacker would post them: without the CSRF token,
 * with a wrong one, from another site, not signed in, or naming another user's device. Each is
 * refused and changes nothing. Also the headers that keep the pages out of frames and caches, and
 * the rate limit on password attempts.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, call, type RunningServer, type TestUser } from "./harness.js";
import { uploadDevice } from "./e2eeRawHelpers.js";
import { localpartOf, loginNamed, passwordLogin, registerNamed, whoamiStatus } from "./accountPages.js";

let server: RunningServer;
let base: string;

before(async () => {
  server = await startServer();
  base = server.baseUrl;
});

after(async () => {
  await server?.stop();
});

/** A browser as raw HTTP: its two cookies, and the CSRF token its forms carry. */
interface RawBrowser {
  csrf: string;
  cookie: string;
}

function cookieValue(res: Response, name: string): string | undefined {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(";");
    const at = pair.indexOf("=");
    if (pair.slice(0, at) === name) return pair.slice(at + 1);
  }
  return undefined;
}

/** Gets a CSRF token from the sign-in page and signs in with it, as a browser would. */
async function signInRaw(server: RunningServer, user: TestUser): Promise<RawBrowser> {
  const page = await fetch(`${server.baseUrl}/account/login`);
  const csrf = cookieValue(page, "lattice_csrf");
  assert.ok(csrf);
  const res = await postForm(server.baseUrl, "/account/login", { csrf, username: localpartOf(user.userId), password: user.password, next: "/account/" }, `lattice_csrf=${csrf}`);
  assert.equal(res.status, 303);
  const session = cookieValue(res, "lattice_session");
  assert.ok(session);
  return { csrf, cookie: `lattice_csrf=${csrf}; lattice_session=${session}` };
}

function postForm(base: string, path: string, fields: Record<string, string>, cookie?: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...(cookie ? { Cookie: cookie } : {}), ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

function assertPageHeaders(res: Response, what: string): void {
  assert.equal(res.headers.get("X-Frame-Options"), "DENY", what);
  assert.match(res.headers.get("Content-Security-Policy") ?? "", /frame-ancestors 'none'/, what);
  assert.equal(res.headers.get("Cache-Control"), "no-store", what);
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
async function assertUnchanged(user: TestUser, phone: TestUser, browser: RawBrowser, what: string): Promise<void> {
  assert.equal(await whoamiStatus(base, phone.accessToken), 200, `${what}: the device is still signed in`);
  assert.equal(await whoamiStatus(base, user.accessToken), 200, `${what}: the other device too`);
  assert.equal((await passwordLogin(base, user.userId, user.password)).status, 200, `${what}: password unchanged, account active`);
  const page = await fetch(`${base}/account/`, { headers: { Cookie: browser.cookie }, redirect: "manual" });
  assert.equal(page.status, 200, `${what}: the browser is still signed in`);
}

test("every account form posted without its CSRF token, with a wrong one, from another site or as JSON is 403 and changes nothing", async () => {
  const user = await registerNamed(base, "csrf", "Laptop");
  const phone = await loginNamed(base, user, "Phone");
  const browser = await signInRaw(server, user);
  const sessionOnly = browser.cookie.split("; ").filter((c) => c.startsWith("lattice_session=")).join("; ");
  for (const [path, fields] of accountPosts(user, phone.deviceId)) {
    const attempts: [string, () => Promise<Response>][] = [
      ["no csrf field", () => postForm(base, path, fields, browser.cookie)],
      ["a wrong csrf field", () => postForm(base, path, { ...fields, csrf: "A".repeat(43) }, browser.cookie)],
      ["no csrf cookie", () => postForm(base, path, { ...fields, csrf: browser.csrf }, sessionOnly)],
      ["another site's Origin", () => postForm(base, path, { ...fields, csrf: browser.csrf }, browser.cookie, { Origin: "https://evil.example" })],
      ["Origin null", () => postForm(base, path, { ...fields, csrf: browser.csrf }, browser.cookie, { Origin: "null" })],
      ["Sec-Fetch-Site cross-site", () => postForm(base, path, { ...fields, csrf: browser.csrf }, browser.cookie, { "Sec-Fetch-Site": "cross-site" })],
      [
        "a JSON body",
        () => fetch(`${base}${path}`, { method: "POST", headers: { "Content-Type": "application/json", Cookie: browser.cookie }, body: JSON.stringify({ ...fields, csrf: browser.csrf }) }),
      ],
    ];
    for (const [how, attempt] of attempts) {
      const res = await attempt();
      assert.equal(res.status, 403, `${path} with ${how}`);
      assertPageHeaders(res, `${path} with ${how}`);
      assert.match(await res.text(), /This form has expired/);
    }
    await assertUnchanged(user, phone, browser, path);
  }
});

test("signed out, a post with a good CSRF token goes to sign-in and changes nothing", async () => {
  const user = await registerNamed(base, "nosession", "Laptop");
  const phone = await loginNamed(base, user, "Phone");
  const browser = await signInRaw(server, user);
  const csrfOnly = `lattice_csrf=${browser.csrf}`;
  for (const [path, fields] of accountPosts(user, phone.deviceId)) {
    if (path === "/account/logout") continue; // signing out a browser that is not signed in is harmless
    const res = await postForm(base, path, { ...fields, csrf: browser.csrf }, csrfOnly);
    assert.equal(res.status, 303, path);
    assert.equal(res.headers.get("Location"), `/account/login?next=${encodeURIComponent("/account/")}`, path);
    await assertUnchanged(user, phone, browser, path);
  }
  const page = await fetch(`${base}/account/?action=org.matrix.device_view&device_id=X`, { redirect: "manual" });
  assert.equal(page.status, 303);
  assert.equal(page.headers.get("Location"), `/account/login?next=${encodeURIComponent("/account/?action=org.matrix.device_view&device_id=X")}`);
});

test("signing out another user's device ID does nothing to them", async () => {
  const alice = await registerNamed(base, "alice", "Laptop");
  const bob = await registerNamed(base, "bob", "Phone");
  const browser = await signInRaw(server, alice);
  const res = await postForm(base, "/account/devices/delete", { device_id: bob.deviceId, csrf: browser.csrf }, browser.cookie);
  assert.equal(res.status, 404);
  assertPageHeaders(res, "unknown device");
  assert.match(await res.text(), /not one of yours/);
  assert.equal(await whoamiStatus(base, bob.accessToken), 200);
  assert.equal(await whoamiStatus(base, alice.accessToken), 200);
  // Alice's own device ID in her form, by contrast, does sign it out.
  const own = await postForm(base, "/account/devices/delete", { device_id: alice.deviceId, csrf: browser.csrf }, browser.cookie);
  assert.equal(own.status, 303);
  assert.equal(own.headers.get("Location"), "/account/?notice=signed_out");
  assert.equal(await whoamiStatus(base, alice.accessToken), 401);
  assert.equal(await whoamiStatus(base, bob.accessToken), 200);
});

test("signing a session out on the page does what DELETE /devices/{deviceId} does: access and refresh tokens end, its keys go, room-mates hear of it", async () => {
  const user = await registerNamed(base, "effects", "Laptop");
  const friend = await registerNamed(base, "mate", "Desk");
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

  const browser = await signInRaw(server, user);
  const res = await postForm(base, "/account/devices/delete", { device_id: phone.deviceId, csrf: browser.csrf }, browser.cookie);
  assert.equal(res.status, 303);
  assert.equal(await whoamiStatus(base, phone.accessToken), 401);
  const refresh = await call(base, "POST", "/_matrix/client/v3/refresh", { body: { refresh_token: String(login.body.refresh_token) } });
  assert.equal(refresh.status, 401, "the refresh token ended too");
  assert.ok(!(await deviceKeys()).includes(phone.deviceId), "its keys are gone");
  const sync = await syncFrom(since);
  assert.ok(changedIn(sync.body).includes(user.userId), JSON.stringify(sync.body.device_lists));
  assert.equal(await whoamiStatus(base, user.accessToken), 200);
});

test("the account page is never framed or cached; a notice is only ever one of the server's own", async () => {
  const user = await registerNamed(base, "frames", "Laptop");
  const browser = await signInRaw(server, user);
  const page = await fetch(`${base}/account/?notice=${encodeURIComponent("<b>Your account is hacked, call 555</b>")}`, { headers: { Cookie: browser.cookie } });
  assert.equal(page.status, 200);
  assertPageHeaders(page, "GET /account/");
  const html = await page.text();
  assert.doesNotMatch(html, /555/, "a crafted notice is not shown");
  const known = await fetch(`${base}/account/?notice=password_changed`, { headers: { Cookie: browser.cookie } });
  assert.match(await known.text(), /Your password was changed/);
});

test("password attempts on the account page are rate-limited (and a right password is refused while limited)", async () => {
  const limited = await startServer({ vars: { RATE_LIMITS: "on" } });
  try {
    const user = await registerNamed(limited.baseUrl, "limit", "Laptop");
    const browser = await signInRaw(limited, user);
    // Forms refused before any password is checked spend nothing: were they counted, every
    // guess below would already be 429 and none 403.
    for (let i = 0; i < 12; i++) {
      const res = await postForm(limited.baseUrl, "/account/password", { csrf: browser.csrf, current_password: "guess", new_password: "new password", new_password_confirm: "other password" }, browser.cookie);
      assert.equal(res.status, 400, `mismatched new passwords, attempt ${i + 1}`);
    }
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await postForm(limited.baseUrl, "/account/password", { csrf: browser.csrf, current_password: "guess", new_password: "new password", new_password_confirm: "new password" }, browser.cookie);
      statuses.push(res.status);
    }
    assert.ok(statuses.includes(403), statuses.join(","));
    assert.equal(statuses.at(-1), 429, statuses.join(","));
    const right = await postForm(limited.baseUrl, "/account/deactivate", { csrf: browser.csrf, password: user.password, confirm: "yes" }, browser.cookie);
    assert.equal(right.status, 429);
    assert.match(await right.text(), /Too many attempts/);
    assert.equal(await whoamiStatus(limited.baseUrl, user.accessToken), 200, "not deactivated");
  } finally {
    await limited.stop();
  }
});

test("the account page refuses a new password over 512 characters as too long, and keeps the old one", async () => {
  const user = await registerNamed(base, "long", "Laptop");
  const browser = await signInRaw(server, user);
  const long = "x".repeat(513);
  const res = await postForm(base, "/account/password", { csrf: browser.csrf, current_password: user.password, new_password: long, new_password_confirm: long }, browser.cookie);
  assert.equal(res.status, 400);
  assert.match(await res.text(), /at most 512 characters/);
  assert.equal((await passwordLogin(base, user.userId, user.password)).status, 200, "the old password still works");
});

// Needs the UserDO side of changePassword's keepWebSessionToken (branch rv-user): fails until merged.
test("a password change that signs every session out also signs other browsers out, and keeps this one", async () => {
  const user = await registerNamed(base, "browsers", "Laptop");
  const here = await signInRaw(server, user);
  const other = await signInRaw(server, user);
  const next = "a brand new password";
  const res = await postForm(base, "/account/password", { csrf: here.csrf, current_password: user.password, new_password: next, new_password_confirm: next, logout_devices: "true" }, here.cookie);
  assert.equal(res.status, 303);
  const account = (cookie: string) => fetch(`${base}/account/`, { redirect: "manual", headers: { Cookie: cookie } });
  const otherNow = await account(other.cookie);
  assert.equal(otherNow.status, 303, "the other browser is signed out");
  assert.match(otherNow.headers.get("location") ?? "", /^\/account\/login/);
  assert.equal((await account(here.cookie)).status, 200, "the browser that changed it stays signed in");
});

test("signing out with an empty or missing device_id is 404 and signs nothing out", async () => {
  const user = await registerNamed(base, "nodevice", "Laptop");
  const browser = await signInRaw(server, user);
  for (const fields of [{ device_id: "" }, {}] as Record<string, string>[]) {
    const res = await postForm(base, "/account/devices/delete", { csrf: browser.csrf, ...fields }, browser.cookie);
    assert.equal(res.status, 404, JSON.stringify(fields));
    assert.match(await res.text(), /not one of yours/);
  }
  assert.equal(await whoamiStatus(base, user.accessToken), 200, "the device is still signed in");
});
