/**
 * matrix-js-sdk 37.5's OAuth helpers — what Element Web runs — complete a login against Lattice:
 * discovery and registerOidcClient, generateOidcAuthorizationUrl (prompt=create), the pages
 * driven in headless chromium, completeAuthorizationCodeGrant (which validates the token response
 * and the id_token's iss, aud, nonce and exp), a MatrixClient syncing with the access token, and
 * OidcTokenRefresher refreshing it.
 *
 * The helpers are written for a browser: they keep the request's state in
 * `window.sessionStorage` and read `window.location.origin`. Node has neither, so the test gives
 * globalThis a `window` with in-memory Storage, the web client's location and WebCrypto
 * before the helpers are loaded (dynamic imports, since static ones would run first).
 *
 * A web client must use an https redirect URI under its https client_uri: app.example.test does
 * not exist, and never has to, since chromium's request for it is answered by page.route.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createPublicKey, verify, type JsonWebKey as NodeJwk } from "node:crypto";
import type { Browser } from "playwright-core";
import { startServer, type RunningServer } from "./harness.js";
import { callbackParams, decide, launchBrowser, randomId, signUpOnPage, whoami } from "./oauthHelpers.js";

/** Storage (the Web Storage API) in memory: all the helpers use of sessionStorage. */
class MemoryStorage {
  private readonly items = new Map<string, string>();
  get length(): number {
    return this.items.size;
  }
  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null;
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, String(value));
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
  clear(): void {
    this.items.clear();
  }
}

const APP = "https://app.example.test";
const REDIRECT = `${APP}/callback`;
const sessionStorage = new MemoryStorage();
const localStorage = new MemoryStorage();
// oidc-client-ts also reaches for a bare `localStorage` once it sees a `window` (its default
// user store), so that one is a global too.
Object.assign(globalThis, { window: { sessionStorage, localStorage, location: new URL(`${APP}/`), crypto: globalThis.crypto }, localStorage });

const { validateAuthMetadataAndKeys } = await import("matrix-js-sdk/lib/oidc/discovery.js");
const { registerOidcClient } = await import("matrix-js-sdk/lib/oidc/register.js");
const { generateOidcAuthorizationUrl, completeAuthorizationCodeGrant } = await import("matrix-js-sdk/lib/oidc/authorize.js");
const { OidcTokenRefresher } = await import("matrix-js-sdk/lib/oidc/tokenRefresher.js");
const { startClient } = await import("./sdkHelpers.js");

/** The id_token's claims, once its RS256 signature checks out with a key of jwks_uri. */
async function verifiedIdToken(jwt: string): Promise<Record<string, unknown>> {
  const [header, payload, signature] = jwt.split(".");
  const { kid, alg } = JSON.parse(Buffer.from(header, "base64url").toString()) as { kid?: string; alg?: string };
  assert.equal(alg, "RS256");
  const { keys } = (await (await fetch(`${server.baseUrl}/oauth2/keys.json`)).json()) as { keys: NodeJwk[] };
  const jwk = keys.find((k) => k.kid === kid);
  assert.ok(jwk, "the id_token's kid is in jwks_uri");
  const ok = verify("RSA-SHA256", Buffer.from(`${header}.${payload}`), createPublicKey({ key: jwk, format: "jwk" }), Buffer.from(signature, "base64url"));
  assert.ok(ok, "the id_token's signature");
  return JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
}

let server: RunningServer;
let browser: Browser;

before(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("matrix-js-sdk: register, authorize with prompt=create in chromium, complete the code grant (id_token checked), sync, refresh", async () => {
  const metadata = (await (await fetch(`${server.baseUrl}/_matrix/client/v1/auth_metadata`)).json()) as Record<string, unknown>;
  const config = await validateAuthMetadataAndKeys(metadata);
  const clientId = await registerOidcClient(config, {
    clientName: "Example Web",
    clientUri: `${APP}/`,
    redirectUris: [REDIRECT],
    applicationType: "web",
    contacts: undefined,
    tosUri: `${APP}/terms`,
    policyUri: `${APP}/privacy`,
  });
  const nonce = randomId(16);
  const url = await generateOidcAuthorizationUrl({ metadata: config, redirectUri: REDIRECT, clientId, homeserverUrl: server.baseUrl, nonce, prompt: "create" });
  assert.ok(url.startsWith(`${server.baseUrl}/oauth2/auth?`), url);

  const username = `sdk${randomId(8).toLowerCase()}`;
  const userId = `@${username}:localhost`;
  const context = await browser.newContext();
  let location: string;
  try {
    const page = await context.newPage();
    await page.route(`${APP}/**`, (route) => route.fulfill({ status: 200, contentType: "text/plain", body: "callback" }));
    await page.goto(url);
    assert.equal(new URL(page.url()).pathname, "/account/register");
    await signUpOnPage(page, username, "a long enough password");
    await page.waitForURL((u) => u.pathname === "/oauth2/auth");
    assert.match(await page.locator("main").innerText(), /Example Web/);
    location = await decide(page, "Allow");
  } finally {
    await context.close();
  }
  // matrix-js-sdk asks for response_mode=query.
  assert.ok(location.startsWith(`${REDIRECT}?`), location);
  const cb = callbackParams(location);
  const code = cb.get("code");
  const state = cb.get("state");
  assert.ok(code && state);

  const { tokenResponse, idTokenClaims, oidcClientSettings, homeserverUrl } = await completeAuthorizationCodeGrant(code, state);
  assert.equal(homeserverUrl, server.baseUrl);
  assert.deepEqual(oidcClientSettings, { clientId, issuer: `${server.baseUrl}/` });
  assert.equal(tokenResponse.token_type, "Bearer");
  assert.ok(tokenResponse.refresh_token);
  assert.equal(idTokenClaims.iss, `${server.baseUrl}/`);
  assert.equal(idTokenClaims.sub, userId);
  assert.ok(idTokenClaims.aud === clientId || (Array.isArray(idTokenClaims.aud) && idTokenClaims.aud.includes(clientId)));
  assert.ok(idTokenClaims.exp > Date.now() / 1000);
  // oidc-client-ts drops the protocol claims (nonce, auth_time) from what it returns, after
  // the SDK compared the nonce: read them, and check the signature the SDK does not check,
  // from the id_token itself against jwks_uri.
  const idToken = await verifiedIdToken(String(tokenResponse.id_token));
  assert.equal(idToken.nonce, nonce);
  assert.equal(idToken.sub, userId);
  assert.equal(typeof idToken.auth_time, "number");
  const deviceId = /device:(\S+)/.exec(tokenResponse.scope ?? "")?.[1];
  assert.ok(deviceId, tokenResponse.scope);
  assert.deepEqual((await whoami(server.baseUrl, tokenResponse.access_token)).body, { user_id: userId, device_id: deviceId, is_guest: false });

  const client = await startClient(server.baseUrl, { userId, deviceId, accessToken: tokenResponse.access_token, password: "" });
  try {
    assert.equal(client.getUserId(), userId);
    const room = await client.createRoom({ name: "signed in with OAuth" });
    assert.ok(room.room_id);
  } finally {
    client.stopClient();
  }

  const refresher = new OidcTokenRefresher(`${server.baseUrl}/`, clientId, REDIRECT, deviceId, idTokenClaims);
  await refresher.oidcClientReady;
  const refreshed = await refresher.doRefreshAccessToken(tokenResponse.refresh_token);
  assert.notEqual(refreshed.accessToken, tokenResponse.access_token);
  assert.ok(refreshed.refreshToken && refreshed.refreshToken !== tokenResponse.refresh_token);
  assert.equal((await whoami(server.baseUrl, refreshed.accessToken)).body.device_id, deviceId);
  assert.equal((await whoami(server.baseUrl, tokenResponse.access_token)).status, 401);
});
