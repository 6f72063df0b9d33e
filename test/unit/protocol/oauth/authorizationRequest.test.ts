import { test } from "node:test";
import assert from "node:assert/strict";
import { checkAuthorizationRequest, type AuthorizationCheck } from "../../../../protocol/oauth/authorizationRequest.js";
import type { ClientMetadata } from "../../../../protocol/oauth/clientMetadata.js";

const CLIENT: ClientMetadata = {
  client_uri: "https://app.example.com/",
  redirect_uris: ["https://app.example.com/oauth2-callback", "http://127.0.0.1/cb"],
  response_types: ["code"],
  grant_types: ["authorization_code", "refresh_token"],
  token_endpoint_auth_method: "none",
  application_type: "web",
};
const DEVICE_ONLY: ClientMetadata = { ...CLIENT, grant_types: ["urn:ietf:params:oauth:grant-type:device_code"] };

/** The spec's sample authorization request. */
const SAMPLE = {
  client_id: "s6BhdRkqt3",
  response_type: "code",
  response_mode: "fragment",
  redirect_uri: "https://app.example.com/oauth2-callback",
  scope: "urn:matrix:client:api:* urn:matrix:client:device:AAABBBCCCDDD",
  state: "ewubooN9weezeewah9fol4oothohroh3",
  code_challenge: "72xySjpngTcCxgbPfFmkPHjMvVDl2jW1aWP7-J6rmwU",
  code_challenge_method: "S256",
};

async function check(params: Record<string, string> | URLSearchParams): Promise<AuthorizationCheck> {
  const p = params instanceof URLSearchParams ? params : new URLSearchParams(params);
  return checkAuthorizationRequest(p, async (id) => (id === "s6BhdRkqt3" ? CLIENT : id === "device-only" ? DEVICE_ONLY : null));
}

function redirected(c: AuthorizationCheck): { error: string; state?: string; mode: string } {
  assert.equal(c.kind, "redirect");
  if (c.kind !== "redirect") throw new Error("unreachable");
  return { error: c.params.error, state: c.params.state, mode: c.responseMode };
}

test("the spec's sample request is valid; the carried parameters are the request's", async () => {
  const c = await check(SAMPLE);
  assert.equal(c.kind, "ok");
  if (c.kind !== "ok") return;
  assert.equal(c.request.scope.deviceId, "AAABBBCCCDDD");
  assert.equal(c.request.responseMode, "fragment");
  assert.deepEqual(c.request.carried, SAMPLE);
});

test("unknown client, missing, unregistered or doubled redirect URI: a page, never a redirect", async () => {
  assert.equal((await check({ ...SAMPLE, client_id: "nope" })).kind, "page");
  assert.equal((await check({ ...SAMPLE, client_id: "" })).kind, "page");
  assert.equal((await check({ ...SAMPLE, redirect_uri: "https://evil.example/cb" })).kind, "page");
  assert.equal((await check({ ...SAMPLE, redirect_uri: "https://app.example.com/oauth2-callback/" })).kind, "page");
  const { redirect_uri: _omit, ...noRedirect } = SAMPLE;
  assert.equal((await check(noRedirect)).kind, "page");
  const doubled = new URLSearchParams(SAMPLE);
  doubled.append("redirect_uri", "https://evil.example/cb");
  assert.equal((await check(doubled)).kind, "page");
});

test("a loopback redirect URI matches with any port and is kept as requested", async () => {
  const c = await check({ ...SAMPLE, redirect_uri: "http://127.0.0.1:41234/cb" });
  assert.equal(c.kind, "ok");
  if (c.kind === "ok") assert.equal(c.request.redirectUri, "http://127.0.0.1:41234/cb");
});

test("later errors go back to the client with state, in RFC 6749's order and codes", async () => {
  assert.deepEqual(redirected(await check({ ...SAMPLE, response_type: "token" })), { error: "unsupported_response_type", state: SAMPLE.state, mode: "fragment" });
  assert.equal(redirected(await check({ ...SAMPLE, response_type: "" })).error, "invalid_request");
  assert.equal(redirected(await check({ ...SAMPLE, client_id: "device-only" })).error, "unauthorized_client");
  assert.equal(redirected(await check({ ...SAMPLE, code_challenge: "" })).error, "invalid_request");
  assert.equal(redirected(await check({ ...SAMPLE, code_challenge_method: "plain" })).error, "invalid_request");
  // RFC 7636 §4.3: no method means plain, which is refused the same way.
  const noMethod = new URLSearchParams(SAMPLE);
  noMethod.delete("code_challenge_method");
  assert.equal(redirected(await check(noMethod)).error, "invalid_request");
  assert.equal(redirected(await check({ ...SAMPLE, code_challenge: "short" })).error, "invalid_request");
  assert.equal(redirected(await check({ ...SAMPLE, scope: "urn:matrix:client:api:*" })).error, "invalid_scope");
  assert.equal(redirected(await check({ ...SAMPLE, scope: `${SAMPLE.scope} email` })).error, "invalid_scope");
  assert.equal(redirected(await check({ ...SAMPLE, prompt: "none create" })).error, "invalid_request");
  const twice = new URLSearchParams(SAMPLE);
  twice.append("state", "again");
  assert.equal(redirected(await check(twice)).error, "invalid_request");
});

test("response_mode: query by default (RFC 6749 for code), an unknown mode refused in query mode", async () => {
  const { response_mode: _omit, ...noMode } = SAMPLE;
  assert.equal(redirected(await check({ ...noMode, response_type: "token" })).mode, "query");
  assert.deepEqual(redirected(await check({ ...SAMPLE, response_mode: "form_post" })), { error: "invalid_request", state: SAMPLE.state, mode: "query" });
});

test("prompt: create and none are read, prompt is not carried through the pages", async () => {
  const c = await check({ ...SAMPLE, prompt: "create", nonce: "n-0S6_WzA2Mj" });
  assert.equal(c.kind, "ok");
  if (c.kind !== "ok") return;
  assert.equal(c.request.create, true);
  assert.equal(c.request.none, false);
  assert.equal(c.request.nonce, "n-0S6_WzA2Mj");
  assert.equal(c.request.carried.prompt, undefined);
  assert.equal(c.request.carried.nonce, "n-0S6_WzA2Mj");
  const n = await check({ ...SAMPLE, prompt: "none" });
  assert.equal(n.kind === "ok" && n.request.none, true);
});
