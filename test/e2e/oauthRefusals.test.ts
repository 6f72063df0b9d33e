/**
 * What the authorization server refuses, over raw HTTP (no browser: a cookie jar kept by hand):
 * codes bound to their verifier, client and redirect URI and single use (RFC 6749 §4.1.2, §4.1.3;
 * RFC 7636), errors of the authorization endpoint as a page or as a redirect in RFC 6749
 * §4.1.2.1's order, CSRF on every form, framing refused on every page, no open redirect through
 * `next`, a loopback redirect URI's port (RFC 8252 §7.3), the device grant's polling rules
 * (RFC 8628 §3.5) and /link's rate limit, and OAUTH=off.
 * An expired code is covered in the store cases (test/unit/user/sessions.cases.ts, "a code
 * expires after ten minutes"): the lifetime has no test knob and ten minutes is too long to wait.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, registerUser, type RunningServer } from "./harness.js";
import { Browserless } from "./browserless.js";
import { DEVICE_GRANT, ELEMENT_X, authorizationParams, callbackParams, newPkce, postForm, randomId, registerClient, whoami, type Pkce } from "./oauthHelpers.js";

const REDIRECT = "io.element.elementx:/";

let server: RunningServer;
let clientId: string;
/** Another client with the same redirect URI (other metadata, so another client_id). */
let otherClientId: string;
/** A client without the device grant. */
let codeOnlyClientId: string;

let person: Browserless;

before(async () => {
  server = await startServer();
  clientId = await registerClient(server.baseUrl, ELEMENT_X);
  otherClientId = await registerClient(server.baseUrl, { ...ELEMENT_X, client_name: "Element X (other)" });
  codeOnlyClientId = await registerClient(server.baseUrl, { ...ELEMENT_X, client_name: "No device grant", grant_types: ["authorization_code", "refresh_token"] });
  person = new Browserless(server.baseUrl);
  await person.signUp(`refusals${randomId(6).toLowerCase()}`);
});

after(async () => {
  await server?.stop();
});

/** Allows an authorization request on the consent form: the code from the redirect. */
async function codeFor(pkce: Pkce, client = clientId, extra: Record<string, string> = {}): Promise<string> {
  const params = authorizationParams(client, REDIRECT, pkce, randomId(), extra);
  const page = await person.get(`/oauth2/auth?${new URLSearchParams(params).toString()}`);
  assert.equal(page.status, 200, page.text);
  const r = await person.post("/account/consent", { ...params, decision: "allow" });
  assert.equal(r.status, 303, r.text);
  const code = callbackParams(r.location ?? "").get("code");
  assert.ok(code, r.location ?? "no location");
  return code;
}

const token = (form: Record<string, string>) => postForm(server.baseUrl, "/oauth2/token", { client_id: clientId, ...form });
const exchange = (code: string, verifier: string, overrides: Record<string, string> = {}) =>
  token({ grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: verifier, ...overrides });

test("a code needs its own verifier, client and redirect URI", async () => {
  const pkce = newPkce();
  const wrongVerifier = await exchange(await codeFor(pkce), newPkce().verifier);
  assert.equal(wrongVerifier.status, 400);
  assert.equal(wrongVerifier.body.error, "invalid_grant");
  assert.notEqual(otherClientId, clientId);
  const otherClient = await exchange(await codeFor(pkce), pkce.verifier, { client_id: otherClientId });
  assert.equal(otherClient.body.error, "invalid_grant");
  const otherRedirect = await exchange(await codeFor(pkce), pkce.verifier, { redirect_uri: "io.element.elementx:/other" });
  assert.equal(otherRedirect.body.error, "invalid_grant");
  const noVerifier = await token({ grant_type: "authorization_code", code: await codeFor(pkce), redirect_uri: REDIRECT });
  assert.equal(noVerifier.body.error, "invalid_request");
});

test("a code is single use: using it again is invalid_grant and revokes the session it made", async () => {
  const pkce = newPkce();
  const code = await codeFor(pkce);
  const first = await exchange(code, pkce.verifier);
  assert.equal(first.status, 200);
  assert.equal((await whoami(server.baseUrl, String(first.body.access_token))).status, 200);
  const again = await exchange(code, pkce.verifier);
  assert.equal(again.status, 400);
  assert.equal(again.body.error, "invalid_grant");
  assert.equal((await whoami(server.baseUrl, String(first.body.access_token))).status, 401);
  const refresh = await token({ grant_type: "refresh_token", refresh_token: String(first.body.refresh_token) });
  assert.equal(refresh.body.error, "invalid_grant");
  // UserDO refuses it in Matrix words (M_UNKNOWN_TOKEN); the token endpoint answers RFC 6749's only.
  assert.equal(refresh.status, 400);
  assert.equal(refresh.body.errcode, undefined);
  assert.equal(typeof refresh.body.error_description, "string");
});

test("revocation (RFC 7009 §2.1–2.2): an unknown hint is ignored, garbage is a 200, either token ends the session, client_id is not needed", async () => {
  const revoke = (form: Record<string, string>) => postForm(server.baseUrl, "/oauth2/revoke", form);
  const session = async () => {
    const pkce = newPkce();
    const r = await exchange(await codeFor(pkce), pkce.verifier);
    assert.equal(r.status, 200);
    return { access: String(r.body.access_token), refresh: String(r.body.refresh_token) };
  };
  const badHint = await session();
  const r = await revoke({ client_id: clientId, token: badHint.access, token_type_hint: "id_token" });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal((await whoami(server.baseUrl, badHint.access)).status, 401);
  const missing = await revoke({ client_id: clientId });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.error, "invalid_request");
  assert.equal((await revoke({ client_id: clientId, token: "garbage" })).status, 200);
  const byRefresh = await session();
  assert.equal((await revoke({ client_id: clientId, token: byRefresh.refresh, token_type_hint: "refresh_token" })).status, 200);
  assert.equal((await whoami(server.baseUrl, byRefresh.access)).status, 401);
  const noClient = await session();
  assert.equal((await revoke({ token: noClient.access })).status, 200);
  assert.equal((await whoami(server.baseUrl, noClient.access)).status, 401);
  assert.equal((await token({ grant_type: "refresh_token", refresh_token: noClient.refresh })).body.error, "invalid_grant");
});

test("the consent page says when the device the app names already exists: it takes that session over", async () => {
  const pkce = newPkce();
  const deviceId = randomId();
  const params = authorizationParams(clientId, REDIRECT, pkce, deviceId);
  const first = await person.get(`/oauth2/auth?${new URLSearchParams(params).toString()}`);
  assert.match(first.text, new RegExp(`A new session \\(device ${deviceId}\\)`));
  const r = await person.post("/account/consent", { ...params, decision: "allow" });
  assert.equal((await exchange(String(callbackParams(r.location ?? "").get("code")), pkce.verifier)).status, 200);
  const again = await person.get(`/oauth2/auth?${new URLSearchParams({ ...params, state: "again" }).toString()}`);
  assert.match(again.text, new RegExp(`Your existing session \\(device ${deviceId}\\)`));
});

test("the consent page names the app in the browser's language when the app registered that name", async () => {
  const localized = await registerClient(server.baseUrl, { ...ELEMENT_X, client_name: "Chat App", "client_name#fr": "Appli de discussion" });
  const params = authorizationParams(localized, REDIRECT, newPkce(), randomId());
  const path = `/oauth2/auth?${new URLSearchParams(params).toString()}`;
  assert.match((await person.get(path, { "Accept-Language": "fr-CH, fr;q=0.9, en;q=0.5" })).text, /Appli de discussion/);
  const plain = (await person.get(path, { "Accept-Language": "de" })).text;
  assert.match(plain, /Chat App/);
  assert.doesNotMatch(plain, /Appli de discussion/);
});

test("an unknown grant type, and a garbage code", async () => {
  const r = await token({ grant_type: "password", username: "x", password: "y" });
  assert.equal(r.status, 400);
  assert.equal(r.body.error, "unsupported_grant_type");
  assert.equal((await exchange("latc_nope_nope", newPkce().verifier)).body.error, "invalid_grant");
});

test("an unknown client or an unregistered redirect URI: a 400 page, never a redirect", async () => {
  const pkce = newPkce();
  for (const params of [
    authorizationParams(clientId, "https://evil.example/cb", pkce, randomId()),
    authorizationParams(clientId, "io.element.elementx:/other", pkce, randomId()),
    authorizationParams("no-such-client", REDIRECT, pkce, randomId()),
    { ...authorizationParams(clientId, REDIRECT, pkce, randomId()), redirect_uri: "" },
  ]) {
    const r = await person.get(`/oauth2/auth?${new URLSearchParams(params).toString()}`);
    assert.equal(r.status, 400, JSON.stringify(params));
    assert.equal(r.location, null);
    assert.match(r.headers.get("content-type") ?? "", /text\/html/);
    // The consent form re-checks what it is sent: the same refusal.
    const posted = await person.post("/account/consent", { ...params, decision: "allow" });
    assert.equal(posted.status, 400);
    assert.equal(posted.location, null);
  }
});

test("after the client is proven, errors go back to it with state: PKCE missing or plain, response_type, scope, prompt=none", async () => {
  const pkce = newPkce();
  const cases: Array<[Record<string, string>, string]> = [
    [{ code_challenge: "" }, "invalid_request"],
    [{ code_challenge_method: "plain", code_challenge: pkce.verifier }, "invalid_request"],
    [{ response_type: "token" }, "unsupported_response_type"],
    [{ scope: "urn:matrix:client:api:*" }, "invalid_scope"],
    [{ prompt: "none" }, "consent_required"],
  ];
  for (const [extra, error] of cases) {
    const params = authorizationParams(clientId, REDIRECT, pkce, randomId(), extra);
    const r = await person.get(`/oauth2/auth?${new URLSearchParams(params).toString()}`);
    assert.equal(r.status, 303, JSON.stringify(extra));
    assert.ok(r.location?.startsWith(`${REDIRECT}?`), r.location ?? "");
    const cb = callbackParams(r.location ?? "");
    assert.equal(cb.get("error"), error, JSON.stringify(extra));
    assert.equal(cb.get("state"), params.state);
    // Allowing it anyway through the form gives no code either.
    const posted = await person.post("/account/consent", { ...params, decision: "allow" });
    if (extra.prompt === undefined) assert.equal(callbackParams(posted.location ?? "").get("error"), error);
  }
  const stranger = new Browserless(server.baseUrl);
  const none = await stranger.get(`/oauth2/auth?${new URLSearchParams(authorizationParams(clientId, REDIRECT, pkce, randomId(), { prompt: "none" })).toString()}`);
  assert.equal(callbackParams(none.location ?? "").get("error"), "login_required");
  const twice = `/oauth2/auth?${new URLSearchParams(authorizationParams(clientId, REDIRECT, pkce, randomId())).toString()}&scope=openid`;
  assert.equal(callbackParams((await person.get(twice)).location ?? "").get("error"), "invalid_request");
});

test("not signed in: /oauth2/auth and /link send the browser to sign in and back; prompt=create to sign up", async () => {
  const stranger = new Browserless(server.baseUrl);
  const params = authorizationParams(clientId, REDIRECT, newPkce(), randomId());
  const r = await stranger.get(`/oauth2/auth?${new URLSearchParams(params).toString()}`);
  assert.equal(r.status, 303);
  const to = new URL(r.location ?? "", server.baseUrl);
  assert.equal(to.pathname, "/account/login");
  const next = new URL(to.searchParams.get("next") ?? "", server.baseUrl);
  assert.equal(next.pathname, "/oauth2/auth");
  assert.deepEqual(Object.fromEntries(next.searchParams), params);
  const create = await stranger.get(`/oauth2/auth?${new URLSearchParams({ ...params, prompt: "create" }).toString()}`);
  assert.equal(new URL(create.location ?? "", server.baseUrl).pathname, "/account/register");
  assert.equal(new URL(new URL(create.location ?? "", server.baseUrl).searchParams.get("next") ?? "", server.baseUrl).searchParams.get("prompt"), null, "no sign-up loop");
  const link = await stranger.get("/link?user_code=BCDF-GHJK");
  assert.equal(link.location, `/account/login?next=${encodeURIComponent("/link?user_code=BCDF-GHJK")}`);
  // A consent post from a browser that is not signed in gives no code.
  await stranger.get("/account/login");
  const posted = await stranger.post("/account/consent", { ...params, decision: "allow" });
  assert.equal(new URL(posted.location ?? "", server.baseUrl).pathname, "/account/login");
});

test("form posts without the CSRF token or from another site are refused with 403 and change nothing", async () => {
  const params = authorizationParams(clientId, REDIRECT, newPkce(), randomId());
  for (const opts of [{ csrf: false }, { origin: "https://evil.example" }, { origin: "null" }]) {
    const consent = await person.post("/account/consent", { ...params, decision: "allow" }, opts);
    assert.equal(consent.status, 403, JSON.stringify(opts));
    assert.equal(consent.location, null);
    const username = `csrf${randomId(6).toLowerCase()}`;
    const stranger = new Browserless(server.baseUrl);
    await stranger.get("/account/register");
    const signUp = await stranger.post("/account/register", { username, password: "a long enough password", password_confirm: "a long enough password" }, opts);
    assert.equal(signUp.status, 403);
    const available = await fetch(`${server.baseUrl}/_matrix/client/v3/register/available?username=${username}`);
    assert.equal(available.status, 200, "the account was not created");
    const link = await person.post("/link", { user_code: "BCDF-GHJK", decision: "allow" }, opts);
    assert.equal(link.status, 403);
  }
});

test("every page refuses to be framed", async () => {
  const stranger = new Browserless(server.baseUrl);
  const params = authorizationParams(clientId, REDIRECT, newPkce(), randomId());
  const pages = [
    await stranger.get("/account/login"),
    await stranger.get("/account/register"),
    await person.get(`/oauth2/auth?${new URLSearchParams(params).toString()}`),
    await person.get(`/oauth2/auth?${new URLSearchParams({ ...params, client_id: "nope" }).toString()}`),
    await person.get("/link"),
    await person.post("/link", { user_code: "BCDF-GHJK" }),
    await person.post("/account/consent", params, { csrf: false }),
  ];
  // The consent page shows Element X's https logo, and its CSP names exactly that image.
  assert.match(pages[2].text, /<img class="client-logo" src="https:\/\/element\.io\/mobile-icon\.png"/);
  assert.match(pages[2].headers.get("content-security-policy") ?? "", /img-src 'self' data: https:\/\/element\.io\/mobile-icon\.png;/);
  for (const page of pages) {
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    assert.equal(page.headers.get("x-frame-options"), "DENY");
    assert.match(page.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
  }
});

test("next never leads off this server", async () => {
  const user = await registerUser(server.baseUrl);
  const stranger = new Browserless(server.baseUrl);
  await stranger.get("/account/login");
  for (const next of ["//evil.example", "https://evil.example/", "/\\evil.example"]) {
    const r = await stranger.post("/account/login", { username: user.userId.slice(1).split(":")[0], password: user.password, next });
    assert.equal(r.status, 303);
    assert.equal(r.location, "/account/", next);
  }
  assert.equal((await stranger.get("/account/login?next=//evil.example")).location, "/account/");
});

test("/link: an unknown code is told on the page; a decision on an unknown code decides nothing", async () => {
  await person.get("/link");
  const r = await person.post("/link", { user_code: "BCDF-GHJK" });
  assert.equal(r.status, 400);
  assert.match(r.text, /not valid or has expired/);
  const d = await person.post("/link", { user_code: "not a code", decision: "allow" });
  assert.equal(d.status, 400);
});

test("device grant: polling too fast is slow_down, an unknown device code invalid_grant, a client without the grant unauthorized_client", async () => {
  const scope = `urn:matrix:client:api:* urn:matrix:client:device:${randomId()}`;
  const started = await postForm(server.baseUrl, "/oauth2/device", { client_id: clientId, scope });
  assert.equal(started.status, 200);
  const poll = (deviceCode: string, client = clientId) => postForm(server.baseUrl, "/oauth2/token", { client_id: client, grant_type: DEVICE_GRANT, device_code: deviceCode });
  assert.equal((await poll(String(started.body.device_code))).body.error, "authorization_pending");
  const fast = await poll(String(started.body.device_code));
  assert.equal(fast.status, 400);
  assert.equal(fast.body.error, "slow_down");
  assert.equal((await poll("not-a-device-code")).body.error, "invalid_grant");
  const refused = await postForm(server.baseUrl, "/oauth2/device", { client_id: codeOnlyClientId, scope });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error, "unauthorized_client");
});

test("the token endpoint refuses a body that is not a form, a parameter given twice, no client_id, another client's refresh token", async () => {
  const raw = (body: string | Blob, headers: Record<string, string>) => fetch(`${server.baseUrl}/oauth2/token`, { method: "POST", headers, body });
  const form = new URLSearchParams({ client_id: clientId, grant_type: "refresh_token", refresh_token: "latr_nope_nope" }).toString();
  for (const [body, headers] of [
    [JSON.stringify({ client_id: clientId, grant_type: "refresh_token", refresh_token: "latr_nope_nope" }), { "Content-Type": "application/json" }],
    // A Blob without a type: fetch would label a string text/plain.
    [new Blob([form]), {}],
  ] as const) {
    const r = await raw(body, headers);
    assert.equal(r.status, 400, JSON.stringify(headers));
    assert.equal(((await r.json()) as { error?: string }).error, "invalid_request", JSON.stringify(headers));
  }
  const pkce = newPkce();
  const code = await codeFor(pkce);
  const twice = await raw(`${new URLSearchParams({ client_id: clientId, grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: pkce.verifier }).toString()}&code=${encodeURIComponent(code)}`, { "Content-Type": "application/x-www-form-urlencoded" });
  assert.equal(twice.status, 400);
  assert.equal(((await twice.json()) as { error?: string }).error, "invalid_request");
  const noClient = await postForm(server.baseUrl, "/oauth2/token", { grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: pkce.verifier });
  assert.equal(noClient.status, 400);
  assert.equal(noClient.body.error, "invalid_request");
  // The code was never redeemed by the refusals above: it still works, and its refresh token is this client's only.
  const ok = await exchange(code, pkce.verifier);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const stolen = await token({ grant_type: "refresh_token", refresh_token: String(ok.body.refresh_token), client_id: otherClientId });
  assert.equal(stolen.status, 400);
  assert.equal(stolen.body.error, "invalid_grant");
});

test("the device authorization endpoint refuses an unknown client, a missing or invalid scope; a device code polls only for its own client", async () => {
  const scope = `urn:matrix:client:api:* urn:matrix:client:device:${randomId()}`;
  const unknown = await postForm(server.baseUrl, "/oauth2/device", { client_id: "no-such-client", scope });
  assert.equal(unknown.status, 401);
  assert.equal(unknown.body.error, "invalid_client");
  const noScope = await postForm(server.baseUrl, "/oauth2/device", { client_id: clientId });
  assert.equal(noScope.status, 400);
  assert.equal(noScope.body.error, "invalid_request");
  for (const bad of ["urn:matrix:client:api:*", "openid", `${scope} email`]) {
    const r = await postForm(server.baseUrl, "/oauth2/device", { client_id: clientId, scope: bad });
    assert.equal(r.status, 400, bad);
    assert.equal(r.body.error, "invalid_scope", bad);
  }
  const started = await postForm(server.baseUrl, "/oauth2/device", { client_id: clientId, scope });
  assert.equal(started.status, 200);
  const other = await postForm(server.baseUrl, "/oauth2/token", { client_id: otherClientId, grant_type: DEVICE_GRANT, device_code: String(started.body.device_code) });
  assert.equal(other.status, 400);
  assert.equal(other.body.error, "invalid_grant");
});

test("userinfo without a valid token: 401 with a Bearer challenge", async () => {
  const none = await fetch(`${server.baseUrl}/oauth2/userinfo`);
  assert.equal(none.status, 401);
  assert.equal(none.headers.get("www-authenticate"), "Bearer");
  const bad = await fetch(`${server.baseUrl}/oauth2/userinfo`, { headers: { Authorization: "Bearer lat_bm9ib2R5_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" } });
  assert.equal(bad.status, 401);
  assert.match(bad.headers.get("www-authenticate") ?? "", /invalid_token/);
});

test("a native loopback redirect URI is accepted with any port, and the code is bound to the port used", async () => {
  const loopbackClient = await registerClient(server.baseUrl, { ...ELEMENT_X, client_name: "Loopback", redirect_uris: ["http://127.0.0.1/callback"] });
  const pkce = newPkce();
  const redirectUri = "http://127.0.0.1:43123/callback";
  const params = authorizationParams(loopbackClient, redirectUri, pkce, randomId());
  assert.equal((await person.get(`/oauth2/auth?${new URLSearchParams(params).toString()}`)).status, 200);
  const r = await person.post("/account/consent", { ...params, decision: "allow" });
  assert.ok(r.location?.startsWith(`${redirectUri}?`), r.location ?? "");
  const code = String(callbackParams(r.location ?? "").get("code"));
  const exchange = (uri: string) => postForm(server.baseUrl, "/oauth2/token", { client_id: loopbackClient, grant_type: "authorization_code", code, redirect_uri: uri, code_verifier: pkce.verifier });
  assert.equal((await exchange("http://127.0.0.1:43124/callback")).body.error, "invalid_grant");
  const fresh = await person.post("/account/consent", { ...params, decision: "allow" });
  const ok = await postForm(server.baseUrl, "/oauth2/token", { client_id: loopbackClient, grant_type: "authorization_code", code: String(callbackParams(fresh.location ?? "").get("code")), redirect_uri: redirectUri, code_verifier: pkce.verifier });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
});

test("/link: looking codes up and deciding on them is rate-limited per address (RATE_LIMITS=on)", async () => {
  const limited = await startServer({ vars: { RATE_LIMITS: "on" } });
  try {
    const guesser = new Browserless(limited.baseUrl);
    await guesser.signUp(`guess${randomId(6).toLowerCase()}`);
    await guesser.get("/link");
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await guesser.post("/link", { user_code: "BCDF-GHJK" })).status);
    assert.deepEqual(statuses, [...Array<number>(10).fill(400), 429]);
    // A decision is limited as a lookup is: guessed denials would end others' pending grants.
    for (const decision of ["deny", "allow"]) {
      const r = await guesser.post("/link", { user_code: "BCDF-GHJK", decision });
      assert.equal(r.status, 429, decision);
      assert.match(r.text, /Too many attempts/);
    }
  } finally {
    await limited.stop();
  }
});

test("OAUTH=off: the authorization endpoint, consent and /link are 404 M_UNRECOGNIZED", async () => {
  const off = await startServer({ vars: { OAUTH: "off" } });
  try {
    for (const [method, path] of [["GET", "/oauth2/auth"], ["POST", "/account/consent"], ["GET", "/link"], ["POST", "/link"], ["GET", "/oauth2/userinfo"]]) {
      const r = await fetch(`${off.baseUrl}${path}`, { method });
      assert.equal(r.status, 404, path);
      assert.equal(((await r.json()) as { errcode?: string }).errcode, "M_UNRECOGNIZED");
    }
  } finally {
    await off.stop();
  }
});
