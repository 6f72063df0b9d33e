/**
 * The account management pages (spec v1.18 "Account management": account_management_uri and its
 * actions) in a real browser, Debian's chromium: a user registered over the Client-Server API
 * signs in on the pages and manages their sessions, password and account, and what they do there
 * shows in the Client-Server API (tokens stop working, logins change, the account closes).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { startServer, call, loginNewDevice, passwordLogin, registerUser, type RunningServer, type TestUser } from "./harness.js";
import { launchBrowser, whoami } from "./oauthHelpers.js";
import { localpartOf, signIn, submitSignIn, withPage } from "./accountPages.js";

let server: RunningServer;
let browser: Browser;
let base: string;

before(async () => {
  server = await startServer();
  base = server.baseUrl;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A user with two named devices: "Laptop" (from registration) and "Phone" (a login). */
async function userWithTwoDevices(prefix: string): Promise<{ laptop: TestUser; phone: TestUser }> {
  const laptop = await registerUser(base, { prefix, deviceName: "Laptop" });
  const phone = await loginNewDevice(base, laptop, { deviceName: "Phone" });
  return { laptop, phone };
}

test("not signed in, a deep link leads through sign-in and back to itself; device_delete asks to confirm that device", async () => {
  const { laptop, phone } = await userWithTwoDevices("deep");
  await withPage(browser, async (page) => {
    const deepLink = `/account/?action=org.matrix.device_delete&device_id=${encodeURIComponent(phone.deviceId)}`;
    await page.goto(`${base}${deepLink}`);
    const login = new URL(page.url());
    assert.equal(login.pathname, "/account/login");
    assert.equal(login.searchParams.get("next"), deepLink);
    await submitSignIn(page, localpartOf(laptop.userId), laptop.password);
    const back = new URL(page.url());
    assert.equal(`${back.pathname}${back.search}`, deepLink, "back to the same deep link");

    const confirm = page.locator("#device-delete");
    assert.equal(await confirm.getByRole("heading", { name: "Sign out this session?" }).count(), 1);
    assert.match(await confirm.innerText(), /Phone/);
    assert.doesNotMatch(await confirm.innerText(), /Laptop/);
    await Promise.all([page.waitForURL((u) => u.searchParams.get("notice") === "signed_out"), confirm.getByRole("button", { name: "Sign out Phone" }).click()]);
    assert.match(await page.getByRole("status").innerText(), /signed out/);
    assert.equal((await whoami(base, phone.accessToken)).status, 401);
    assert.equal((await whoami(base, laptop.accessToken)).status, 200);

    // A deep link to a session that is gone says so rather than offering to sign it out.
    await page.goto(`${base}${deepLink}`);
    assert.equal(await page.getByRole("heading", { name: "Session not found" }).count(), 1);
  });
});

test("the page lists both sessions; signing one out ends its access token and keeps the other", async () => {
  const { laptop, phone } = await userWithTwoDevices("list");
  await withPage(browser, async (page) => {
    await signIn(page, base, laptop);
    assert.equal(new URL(page.url()).pathname, "/account/");
    const sessions = page.locator("#sessions li.session");
    assert.equal(await sessions.count(), 2);
    const text = await page.locator("#sessions").innerText();
    assert.match(text, /Laptop/);
    assert.match(text, /Phone/);

    await Promise.all([page.waitForURL((u) => u.searchParams.get("notice") === "signed_out"), page.getByRole("button", { name: "Sign out Phone" }).click()]);
    assert.equal((await whoami(base, phone.accessToken)).status, 401, "the signed-out device's token is dead");
    assert.equal((await whoami(base, laptop.accessToken)).status, 200, "the other device still works");
    assert.equal(await page.locator("#sessions li.session").count(), 1);
    assert.doesNotMatch(await page.locator("#sessions").innerText(), /Phone/);
    // The device is gone from the Client-Server API's list too.
    const devices = await call(base, "GET", "/_matrix/client/v3/devices", { token: laptop.accessToken });
    assert.deepEqual((devices.body.devices as { device_id: string }[]).map((d) => d.device_id), [laptop.deviceId]);
  });
});

test("every account management action of spec v1.18 (and MSC4191's older names) opens its part of the page", async () => {
  const { laptop, phone } = await userWithTwoDevices("actions");
  await withPage(browser, async (page) => {
    await signIn(page, base, laptop);
    const open = async (action: string, deviceId?: string) => {
      const q = new URLSearchParams({ action, ...(deviceId ? { device_id: deviceId } : {}) });
      const r = await page.goto(`${base}/account/?${q.toString()}`);
      assert.equal(r?.status(), 200, action);
    };
    await open("org.matrix.profile", laptop.deviceId);
    assert.equal(await page.locator("#profile.card-highlight").count(), 1);
    assert.match(await page.locator("#sessions").innerText(), /This device/, "the app's own device is marked");
    await open("org.matrix.devices_list");
    assert.equal(await page.locator("#sessions.card-highlight").count(), 1);
    for (const action of ["org.matrix.device_view", "org.matrix.session_view"]) {
      await open(action, phone.deviceId);
      assert.match(await page.locator("#device-view").innerText(), /Phone/, action);
    }
    for (const action of ["org.matrix.device_delete", "org.matrix.session_end"]) {
      await open(action, phone.deviceId);
      assert.equal(await page.locator("#device-delete").getByRole("button", { name: "Sign out Phone" }).count(), 1, action);
    }
    await open("org.matrix.sessions_list");
    assert.equal(await page.locator("#sessions.card-highlight").count(), 1);
    await open("org.matrix.account_deactivate");
    assert.equal(await page.locator("details#deactivate[open]").count(), 1);
    await open("org.matrix.cross_signing_reset");
    assert.equal(await page.getByRole("heading", { name: "Reset your cryptographic identity?" }).count(), 1);
    // An unknown action is the plain page.
    await open("org.example.unknown");
    assert.equal(await page.locator(".card-highlight").count(), 0);
    assert.equal((await whoami(base, phone.accessToken)).status, 200, "looking changes nothing");
  });
});

test("password change: a wrong current password is refused; the new one logs in, the old one no longer; other sessions end when asked", async () => {
  const { laptop, phone } = await userWithTwoDevices("pw");
  await withPage(browser, async (page) => {
    await signIn(page, base, laptop);
    const change = async (current: string, next: string, confirm: string, logoutDevices: boolean) => {
      await page.goto(`${base}/account/`);
      await page.locator("#password summary").click();
      await page.getByLabel("Current password").fill(current);
      await page.getByLabel("New password", { exact: true }).fill(next);
      await page.getByLabel("Confirm new password").fill(confirm);
      // The inputs' minlength keeps the browser from sending a short password at all; without
      // it, as from any client that skips the check, the server refuses it too.
      if (next.length < 8) await page.locator("#new_password, #new_password_confirm").evaluateAll((inputs) => inputs.forEach((i) => i.removeAttribute("minlength")));
      await page.getByLabel("Sign out all other sessions").setChecked(logoutDevices);
      const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/account/password")), page.locator("#password").getByRole("button", { name: "Change password" }).click()]);
      await page.waitForLoadState();
      return response.status();
    };

    assert.equal(await change("not my password", "a brand new secret", "a brand new secret", false), 403);
    assert.match(await page.locator("#password [role=alert]").innerText(), /current password/);
    assert.equal(await change(laptop.password, "a brand new secret", "a different secret", false), 400);
    assert.match(await page.locator("#password [role=alert]").innerText(), /not the same/);
    assert.equal(await change(laptop.password, "short", "short", false), 400);
    assert.equal((await passwordLogin(base, laptop.userId, laptop.password)).status, 200, "refused changes changed nothing");

    // Without signing the others out: they keep working.
    assert.equal(await change(laptop.password, "second password", "second password", false), 303);
    assert.match(await page.getByRole("status").innerText(), /password was changed/);
    assert.equal((await passwordLogin(base, laptop.userId, "second password")).status, 200);
    assert.equal((await passwordLogin(base, laptop.userId, laptop.password)).status, 403, "the old password is refused");
    assert.equal((await whoami(base, phone.accessToken)).status, 200);

    // Signing the others out: every device's token ends; the browser stays signed in.
    assert.equal(await change("second password", "third password", "third password", true), 303);
    assert.equal((await whoami(base, phone.accessToken)).status, 401);
    assert.equal((await whoami(base, laptop.accessToken)).status, 401);
    assert.equal((await passwordLogin(base, laptop.userId, "third password")).status, 200);
    assert.equal((await passwordLogin(base, laptop.userId, "second password")).status, 403);
    await page.goto(`${base}/account/`);
    assert.equal(new URL(page.url()).pathname, "/account/", "the browser session stays");
  });
});

test("deactivation: needs the box ticked and the password; then the user has left their rooms, logins fail with 403 and the browser is signed out", async () => {
  const { laptop } = await userWithTwoDevices("bye");
  const friend = await registerUser(base, { prefix: "friend", deviceName: "Desk" });
  const created = await call(base, "POST", "/_matrix/client/v3/createRoom", { token: friend.accessToken, body: { preset: "public_chat" } });
  const roomId = String(created.body.room_id);
  assert.equal((await call(base, "POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, { token: laptop.accessToken, body: {} })).status, 200);
  const members = async () => Object.keys((await call(base, "GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/joined_members`, { token: friend.accessToken })).body.joined ?? {});
  assert.ok((await members()).includes(laptop.userId));

  await withPage(browser, async (page, context) => {
    await page.goto(`${base}/account/?action=org.matrix.account_deactivate`);
    await submitSignIn(page, localpartOf(laptop.userId), laptop.password);
    const submit = async (password: string, tick: boolean) => {
      await page.getByLabel("Password", { exact: true }).fill(password);
      await page.getByLabel("I understand that my account will be deactivated for ever").setChecked(tick);
      const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/account/deactivate")), page.locator("#deactivate").getByRole("button", { name: "Deactivate account" }).click()]);
      await page.waitForLoadState();
      return response.status();
    };
    // The checkbox is `required`: the browser would not send the form unticked, so send it as an older browser would.
    await page.locator("#deactivate_confirm").evaluate((el) => el.removeAttribute("required"));
    assert.equal(await submit(laptop.password, false), 400);
    assert.match(await page.locator("#deactivate [role=alert]").innerText(), /Tick the box/);
    assert.equal(await submit("wrong password", true), 403);
    assert.equal((await passwordLogin(base, laptop.userId, laptop.password)).status, 200, "nothing happened yet");

    assert.equal(await submit(laptop.password, true), 200);
    assert.equal(await page.getByRole("heading", { name: "Your account is deactivated" }).count(), 1);
    const login = await passwordLogin(base, laptop.userId, laptop.password);
    assert.equal(login.status, 403);
    assert.equal((await whoami(base, laptop.accessToken)).status, 401);
    assert.ok(!(await members()).includes(laptop.userId), "left the room");
    await page.goto(`${base}/account/`);
    assert.equal(new URL(page.url()).pathname, "/account/login", "the browser session ended");
    assert.equal((await context.cookies()).find((c) => c.name === "lattice_session"), undefined);
  });
});
