/**
 * Resetting cross-signing keys from a device signed in through the OAuth 2.0 API: the `m.oauth`
 * UIA stage (spec v1.17 "OAuth authentication"; MSC4312) on POST /keys/device_signing/upload,
 * driven by matrix-js-sdk's Rust crypto, approved on the account page in Debian's chromium. And a
 * password login's device keeps the m.login.password stage.
 *
 * The OAuth session comes from the device authorization grant (RFC 8628): POST /oauth2/device,
 * then the user enters the code on /link in the browser and allows it, then the token endpoint.
 * (The stage's rules are also unit-tested in test/unit/protocol/oauth/uiaStage.test.ts.)
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import type { AuthDict, MatrixClient } from "matrix-js-sdk";
import { MatrixError } from "matrix-js-sdk";
import { startServer, call, registerUser, type RunningServer, type TestUser } from "./harness.js";
import { startCryptoClient } from "./sdkHelpers.js";
import { localpartOf, submitSignIn, withPage } from "./accountPages.js";
import { DEVICE_GRANT, deviceScope, launchBrowser, postForm, registerClient } from "./oauthHelpers.js";

let server: RunningServer;
let browser: Browser;
let base: string;
const started: MatrixClient[] = [];

before(async () => {
  server = await startServer();
  base = server.baseUrl;
  browser = await launchBrowser();
});

after(async () => {
  for (const c of started) c.stopClient();
  await browser?.close();
  await server?.stop();
});

/** The body of a 401 that asks for UIA. */
interface UiaChallenge {
  flows: { stages: string[] }[];
  params: Record<string, { url?: string }>;
  session: string;
  errcode?: string;
}

/** The body of a 401 the SDK threw for an upload that needs UIA. */
function uiaOf(e: unknown): UiaChallenge {
  assert.ok(e instanceof MatrixError, String(e));
  assert.equal(e.httpStatus, 401, JSON.stringify(e.data));
  return e.data as UiaChallenge;
}

/** The upload the SDK makes in authUploadDeviceSigningKeys, with the `auth` it is given. */
type MakeRequest = (auth: AuthDict | null) => Promise<void>;

/** The UIA challenge the upload must get with `auth` (by default none: a reset's first try). */
async function challengeOf(makeRequest: MakeRequest, auth: AuthDict | null = null): Promise<UiaChallenge> {
  return uiaOf(await makeRequest(auth).then(() => assert.fail(auth ? `went through with auth ${JSON.stringify(auth)}` : "a reset without UIA went through"), (e: unknown) => e));
}

async function masterKeyOf(user: TestUser): Promise<unknown> {
  const q = await call(base, "POST", "/_matrix/client/v3/keys/query", { token: user.accessToken, body: { device_keys: { [user.userId]: [] } } });
  return (q.body.master_keys as Record<string, unknown> | undefined)?.[user.userId];
}

/**
 * A device of `user` signed in through the OAuth device authorization grant: the app registers,
 * asks for a device code, the user allows it on /link in the browser, the app polls for tokens.
 */
async function oauthDevice(user: TestUser, page: Page, deviceId: string): Promise<TestUser> {
  const clientId = await registerClient(base, {
    client_name: "Reset Test App",
    client_uri: "https://app.example",
    application_type: "native",
    grant_types: [DEVICE_GRANT, "refresh_token"],
    token_endpoint_auth_method: "none",
  });
  const started = await postForm(base, "/oauth2/device", { client_id: clientId, scope: deviceScope(deviceId) });
  const grant = started.body;
  assert.ok(grant.device_code, JSON.stringify(grant));

  // The user opens the link (the code in it), signs in if asked, and allows the app.
  await page.goto(String(grant.verification_uri_complete));
  if (new URL(page.url()).pathname === "/account/login") await submitSignIn(page, localpartOf(user.userId), user.password);
  const allow = page.getByRole("button", { name: "Allow" });
  if ((await allow.count()) === 0) await Promise.all([page.waitForLoadState(), page.locator('form[action="/link"] button[type=submit]').first().click()]);
  await Promise.all([page.waitForLoadState(), allow.click()]);

  for (let i = 0; i < 12; i++) {
    await new Promise((r) => setTimeout(r, Number(grant.interval ?? 5) * 1000));
    const res = await postForm(base, "/oauth2/token", { grant_type: DEVICE_GRANT, device_code: String(grant.device_code), client_id: clientId });
    if (res.status === 200) return { ...user, accessToken: String(res.body.access_token), deviceId };
    assert.ok(["authorization_pending", "slow_down"].includes(String(res.body.error)), JSON.stringify(res.body));
  }
  throw new Error("the device grant was never approved");
}

/** A crypto client on `device` that has uploaded its first cross-signing keys (`first`: the master key), which needs no UIA. */
async function withCrossSigning(device: TestUser) {
  const client = await startCryptoClient(base, device, started);
  const crypto = client.getCrypto();
  assert.ok(crypto);
  await crypto.bootstrapCrossSigning({ authUploadDeviceSigningKeys: async (makeRequest) => void (await makeRequest(null)) });
  const first = await masterKeyOf(device);
  assert.ok(first, "the first upload needs no UIA");
  return { crypto, first };
}

/**
 * A new user (first device "Laptop", by password) and their device `deviceId` signed in through
 * OAuth on `page`, which stays signed in; the device's crypto client has its first cross-signing keys.
 */
async function oauthCryptoDevice(page: Page, prefix: string, deviceId: string) {
  const owner = await registerUser(base, { prefix, deviceName: "Laptop" });
  const device = await oauthDevice(owner, page, deviceId);
  return { owner, device, ...(await withCrossSigning(device)) };
}

/** The user approves the reset on the URL the challenge gave (the browser is signed in from /link). */
async function approveReset(page: Page, challenge: UiaChallenge): Promise<void> {
  await page.goto(String(challenge.params["m.oauth"]?.url));
  await Promise.all([page.waitForURL((u) => u.searchParams.get("notice") === "cross_signing_reset_allowed"), page.getByRole("button", { name: /Allow resetting your cryptographic identity/ }).click()]);
}

test("a password login's device resets cross-signing with m.login.password, as before (no m.oauth offered)", async () => {
  const user = await registerUser(base, { prefix: "pwreset", deviceName: "Laptop" });
  const { crypto, first } = await withCrossSigning(user);
  const password = { type: "m.login.password", identifier: { type: "m.id.user", user: user.userId }, password: user.password };
  let challenge: UiaChallenge | undefined;
  await crypto.bootstrapCrossSigning({
    setupNewCrossSigning: true,
    authUploadDeviceSigningKeys: async (makeRequest) => {
      challenge = await challengeOf(makeRequest);
      await makeRequest({ ...password, session: challenge.session });
    },
  });
  assert.deepEqual(challenge?.flows, [{ stages: ["m.login.password"] }]);
  assert.equal(challenge?.params["m.oauth"], undefined);
  assert.notDeepEqual(await masterKeyOf(user), first, "the master key was replaced");
});

test("an OAuth device: first upload without UIA; a reset gets m.oauth with the account page URL, is approved there, and the retry with {session} goes through; the next reset needs a new approval", async () => {
  await withPage(browser, async (page) => {
    const { device, crypto, first } = await oauthCryptoDevice(page, "oauthreset", "RESETDEV1");
    // The account page names the OAuth session by its app's registered name.
    await page.goto(`${base}/account/?action=org.matrix.devices_list`);
    assert.match(await page.locator("#sessions").innerText(), /Reset Test App/);

    const issuer = `${base}/`;
    const url = `${issuer}account/?action=org.matrix.cross_signing_reset`;
    let challenge: UiaChallenge | undefined;
    await crypto.bootstrapCrossSigning({
      setupNewCrossSigning: true,
      authUploadDeviceSigningKeys: async (makeRequest) => {
        challenge = await challengeOf(makeRequest);
        assert.deepEqual(challenge.flows, [{ stages: ["m.oauth"] }, { stages: ["org.matrix.cross_signing_reset"] }]);
        assert.deepEqual(challenge.params, { "m.oauth": { url }, "org.matrix.cross_signing_reset": { url } });
        // Retrying before approving is the same 401.
        const early = await challengeOf(makeRequest, { session: challenge.session });
        assert.equal(early.params["m.oauth"]?.url, url);
        await approveReset(page, challenge);
        await makeRequest({ session: challenge.session });
      },
    });
    const second = await masterKeyOf(device);
    assert.ok(second);
    assert.notDeepEqual(second, first, "the master key was replaced");

    // The approval was spent: another reset is asked again, and without approval stays refused.
    await assert.rejects(
      crypto.bootstrapCrossSigning({
        setupNewCrossSigning: true,
        authUploadDeviceSigningKeys: async (makeRequest) => {
          const again = await challengeOf(makeRequest);
          await makeRequest({ type: "m.oauth", session: again.session });
        },
      }),
      (e: unknown) => uiaOf(e).errcode === "M_FORBIDDEN",
    );
    assert.deepEqual(await masterKeyOf(device), second, "nothing changed");
  });
});

test("an OAuth device: an invalid upload after the approval is 400 and does not spend it; the valid retry goes through without a new approval", async () => {
  await withPage(browser, async (page) => {
    const { device, crypto, first } = await oauthCryptoDevice(page, "oauthbad", "RESETDEV3");
    await crypto.bootstrapCrossSigning({
      setupNewCrossSigning: true,
      authUploadDeviceSigningKeys: async (makeRequest) => {
        const challenge = await challengeOf(makeRequest);
        await approveReset(page, challenge);
        // A master key without any key in it: refused as invalid, after the approval was given.
        const bad = await call(base, "POST", "/_matrix/client/v3/keys/device_signing/upload", {
          token: device.accessToken,
          body: { master_key: { user_id: device.userId, usage: ["master"], keys: {} }, auth: { type: "m.oauth", session: challenge.session } },
        });
        assert.equal(bad.status, 400, JSON.stringify(bad.body));
        assert.deepEqual(await masterKeyOf(device), first, "nothing changed");
        await makeRequest({ session: challenge.session });
      },
    });
    assert.notDeepEqual(await masterKeyOf(device), first, "the valid retry replaced the master key with the same approval");
  });
});

test("an OAuth device cannot use the password stage instead of m.oauth", async () => {
  await withPage(browser, async (page) => {
    const { owner, crypto } = await oauthCryptoDevice(page, "oauthpw", "RESETDEV2");
    const password = { type: "m.login.password", identifier: { type: "m.id.user", user: owner.userId }, password: owner.password };
    await assert.rejects(
      crypto.bootstrapCrossSigning({ setupNewCrossSigning: true, authUploadDeviceSigningKeys: async (makeRequest) => void (await makeRequest(password)) }),
      (e: unknown) => uiaOf(e).flows[0]?.stages[0] === "m.oauth",
    );
  });
});
