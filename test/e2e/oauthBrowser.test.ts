/**
 * The OAuth 2.0 API as a person meets it (spec: "Authorisation code flow", "User registration",
 * "Device authorisation flow"): a client registered as Element X registers it, the pages are
 * driven in headless chromium (sign up or sign in, consent, link a device), and the client's
 * side runs over raw HTTP — code exchange with PKCE, /whoami, refresh rotation, reuse of a spent
 * refresh token, revocation, device code polling. One server and one browser for the file.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { startServer, registerUser, type RunningServer } from "./harness.js";
import {
  ELEMENT_X,
  authorizationParams,
  authorizationUrl,
  callbackParams,
  DEVICE_GRANT,
  decide,
  deviceScope,
  launchBrowser,
  newPkce,
  postForm,
  randomId,
  registerClient,
  signUpOnPage,
  whoami,
} from "./oauthHelpers.js";
import { localpartOf, submitSignIn, withPage } from "./accountPages.js";

const REDIRECT = "io.element.elementx:/";

let server: RunningServer;
let browser: Browser;
let clientId: string;

before(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  clientId = await registerClient(server.baseUrl, ELEMENT_X);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const token = (form: Record<string, string>) => postForm(server.baseUrl, "/oauth2/token", { client_id: clientId, ...form });

test("Element X: sign up on the page (prompt=create), consent, code for tokens with PKCE; refresh rotates; a spent refresh token revokes; revocation ends the session", async () => {
  const pkce = newPkce();
  const deviceId = randomId();
  const params = authorizationParams(clientId, REDIRECT, pkce, deviceId, { prompt: "create" });
  const username = `ex${randomId(8).toLowerCase()}`;
  const location = await withPage(browser, async (page) => {
    await page.goto(authorizationUrl(server.baseUrl, params));
    assert.equal(new URL(page.url()).pathname, "/account/register");
    await signUpOnPage(page, username, "a long enough password");
    await page.waitForURL((u) => u.pathname === "/oauth2/auth");
    await page.getByRole("heading", { name: "Allow this app to use your account?" }).waitFor();
    const text = await page.locator("main").innerText();
    assert.match(text, /Element X/);
    assert.match(text, /element\.io/);
    assert.match(text, new RegExp(`@${username}:localhost`));
    assert.match(text, new RegExp(`device ${deviceId}`));
    return decide(page, "Allow");
  });
  assert.ok(location.startsWith(`${REDIRECT}?`), location);
  const cb = callbackParams(location);
  assert.equal(cb.get("state"), params.state);
  const code = cb.get("code");
  assert.ok(code);

  const exchanged = await token({ grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: pkce.verifier });
  assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
  assert.equal(exchanged.body.token_type, "Bearer");
  assert.equal(exchanged.body.scope, deviceScope(deviceId));
  assert.equal(typeof exchanged.body.expires_in, "number");
  assert.equal(exchanged.body.id_token, undefined, "no openid scope, no id_token");
  const access = String(exchanged.body.access_token);
  const refresh = String(exchanged.body.refresh_token);
  assert.deepEqual((await whoami(server.baseUrl, access)).body, { user_id: `@${username}:localhost`, device_id: deviceId, is_guest: false });
  const info = await fetch(`${server.baseUrl}/oauth2/userinfo`, { headers: { Authorization: `Bearer ${access}` } });
  assert.deepEqual(await info.json(), { sub: `@${username}:localhost` });

  const refreshed = await token({ grant_type: "refresh_token", refresh_token: refresh });
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
  const access2 = String(refreshed.body.access_token);
  assert.notEqual(access2, access);
  assert.notEqual(refreshed.body.refresh_token, refresh);
  assert.equal((await whoami(server.baseUrl, access2)).body.device_id, deviceId);
  assert.equal((await whoami(server.baseUrl, access)).status, 401, "the old access token stops working");

  // The successor has been used: presenting the spent token again is a stolen token's replay.
  const replay = await token({ grant_type: "refresh_token", refresh_token: refresh });
  assert.equal(replay.status, 400);
  assert.equal(replay.body.error, "invalid_grant");
  assert.equal((await whoami(server.baseUrl, access2)).status, 401, "the replay revoked the session");
  const after = await token({ grant_type: "refresh_token", refresh_token: String(refreshed.body.refresh_token) });
  assert.equal(after.body.error, "invalid_grant");

  // A new login in the same account (the browser session is gone with its context: sign in).
  const pkce2 = newPkce();
  const params2 = authorizationParams(clientId, REDIRECT, pkce2, randomId());
  const location2 = await withPage(browser, async (page) => {
    await page.goto(authorizationUrl(server.baseUrl, params2));
    assert.equal(new URL(page.url()).pathname, "/account/login");
    await submitSignIn(page, username, "a long enough password");
    await page.waitForURL((u) => u.pathname === "/oauth2/auth");
    return decide(page, "Allow");
  });
  const t2 = await token({ grant_type: "authorization_code", code: String(callbackParams(location2).get("code")), redirect_uri: REDIRECT, code_verifier: pkce2.verifier });
  assert.equal(t2.status, 200);
  const revoked = await postForm(server.baseUrl, "/oauth2/revoke", { client_id: clientId, token: String(t2.body.access_token), token_type_hint: "access_token" });
  assert.equal(revoked.status, 200);
  assert.equal((await whoami(server.baseUrl, String(t2.body.access_token))).status, 401);
  assert.equal((await token({ grant_type: "refresh_token", refresh_token: String(t2.body.refresh_token) })).body.error, "invalid_grant", "revoking one token ends both");
});

test("sign in on the page as an existing user; deny sends access_denied with state, in the fragment when asked", async () => {
  const user = await registerUser(server.baseUrl);
  const pkce = newPkce();
  const params = authorizationParams(clientId, REDIRECT, pkce, randomId(), { response_mode: "fragment" });
  const location = await withPage(browser, async (page) => {
    await page.goto(authorizationUrl(server.baseUrl, params));
    await submitSignIn(page, localpartOf(user.userId), user.password);
    await page.waitForURL((u) => u.pathname === "/oauth2/auth");
    return decide(page, "Deny");
  });
  assert.ok(location.startsWith(`${REDIRECT}#`), location);
  const cb = callbackParams(location, "fragment");
  assert.equal(cb.get("error"), "access_denied");
  assert.equal(cb.get("state"), params.state);
  assert.equal(cb.get("code"), null);
});

test("device grant: pending until the person approves on /link (signed in through verification_uri_complete); a denied grant answers access_denied", async () => {
  const user = await registerUser(server.baseUrl);
  const localpart = localpartOf(user.userId);
  const deviceId = randomId();
  const start = async (scope: string) => {
    const r = await postForm(server.baseUrl, "/oauth2/device", { client_id: clientId, scope });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string; interval: number };
  };
  const approved = await start(deviceScope(deviceId));
  const denied = await start(deviceScope(randomId()));
  assert.equal(approved.verification_uri, `${server.baseUrl}/link`);
  const poll = (deviceCode: string) => token({ grant_type: DEVICE_GRANT, device_code: deviceCode });
  const firstPolls = Date.now();
  assert.equal((await poll(approved.device_code)).body.error, "authorization_pending");
  assert.equal((await poll(denied.device_code)).body.error, "authorization_pending");

  await withPage(browser, async (page) => {
    await page.goto(approved.verification_uri_complete);
    assert.equal(new URL(page.url()).pathname, "/account/login");
    await submitSignIn(page, localpart, user.password);
    await page.waitForURL((u) => u.pathname === "/link");
    assert.equal(await page.getByLabel("Code").inputValue(), approved.user_code);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Sign in on another device?" }).waitFor();
    assert.match(await page.locator("main").innerText(), new RegExp(approved.user_code));
    await page.getByRole("button", { name: "Allow", exact: true }).click();
    await page.getByRole("heading", { name: "Device linked" }).waitFor();

    // The second code typed by hand, in lower case without the dash, on the same signed-in browser.
    await page.goto(`${server.baseUrl}/link`);
    await page.getByLabel("Code").fill(denied.user_code.replace("-", "").toLowerCase());
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("button", { name: "Deny", exact: true }).click();
    await page.getByRole("heading", { name: "Request denied" }).waitFor();
  });

  // RFC 8628 §3.5: the device waits `interval` seconds between polls.
  await new Promise((r) => setTimeout(r, Math.max(0, approved.interval * 1000 + 200 - (Date.now() - firstPolls))));
  const tokens = await poll(approved.device_code);
  assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  assert.equal(tokens.body.scope, deviceScope(deviceId));
  assert.deepEqual((await whoami(server.baseUrl, String(tokens.body.access_token))).body, { user_id: user.userId, device_id: deviceId, is_guest: false });
  const refused = await poll(denied.device_code);
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error, "access_denied");
});
