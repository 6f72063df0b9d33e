/**
 * OAuth 2.0 discovery and dynamic client registration over raw HTTP (spec: client-server "OAuth
 * 2.0 API": "Server metadata discovery", "Client registration"; RFC 7591), and matrix-js-sdk's
 * own discovery and registration helpers (what Element Web runs) against the server.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { validateAuthMetadataAndKeys } from "matrix-js-sdk/lib/oidc/discovery.js";
import { registerOidcClient } from "matrix-js-sdk/lib/oidc/register.js";
import { startServer, call, type RunningServer } from "./harness.js";
import { ELEMENT_X_CLIENT as ELEMENT_X, ELEMENT_WEB_SDK_CLIENT, SPEC_EXAMPLE_CLIENT } from "../fixtures/oauthClients.js";

let server: RunningServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

const METADATA_PATHS = ["/_matrix/client/v1/auth_metadata", "/_matrix/client/unstable/org.matrix.msc2965/auth_metadata", "/.well-known/openid-configuration"];

async function registerClient(body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  return call(server.baseUrl, "POST", "/oauth2/registration", { body });
}

test("metadata: the same document on all three paths, issuer from the request's origin, endpoints under it, CORS", async () => {
  const issuer = `${server.baseUrl}/`;
  const docs = [];
  for (const path of METADATA_PATHS) {
    const r = await fetch(`${server.baseUrl}${path}`);
    assert.equal(r.status, 200, path);
    assert.equal(r.headers.get("access-control-allow-origin"), "*", path);
    assert.match(r.headers.get("cache-control") ?? "", /max-age=/);
    docs.push(await r.json());
  }
  assert.deepEqual(docs[1], docs[0]);
  assert.deepEqual(docs[2], docs[0]);
  const m = docs[0] as Record<string, unknown>;
  assert.equal(m.issuer, issuer);
  assert.equal(m.authorization_endpoint, `${issuer}oauth2/auth`);
  assert.equal(m.token_endpoint, `${issuer}oauth2/token`);
  assert.equal(m.registration_endpoint, `${issuer}oauth2/registration`);
  assert.equal(m.revocation_endpoint, `${issuer}oauth2/revoke`);
  assert.equal(m.device_authorization_endpoint, `${issuer}oauth2/device`);
  assert.equal(m.jwks_uri, `${issuer}oauth2/keys.json`);
  assert.equal(m.account_management_uri, `${issuer}account/`);
  assert.deepEqual(m.response_types_supported, ["code"]);
  assert.deepEqual(m.response_modes_supported, ["query", "fragment"]);
  assert.deepEqual(m.grant_types_supported, ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"]);
  assert.deepEqual(m.code_challenge_methods_supported, ["S256"]);
  assert.deepEqual(m.prompt_values_supported, ["create"]);
  assert.equal((m.account_management_actions_supported as string[]).length, 6);

  // A browser's CORS preflight for a cross-origin registration.
  const pre = await fetch(`${server.baseUrl}/oauth2/registration`, { method: "OPTIONS", headers: { Origin: "https://app.element.io", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get("access-control-allow-origin"), "*");
  assert.match(pre.headers.get("access-control-allow-headers") ?? "", /Content-Type/i);
});

test("metadata: the issuer is PUBLIC_BASEURL with a trailing slash", async () => {
  const other = await startServer({ vars: { PUBLIC_BASEURL: "https://matrix.example.test" } });
  try {
    const r = await call(other.baseUrl, "GET", "/_matrix/client/v1/auth_metadata");
    assert.equal(r.status, 200);
    assert.equal(r.body.issuer, "https://matrix.example.test/");
    assert.equal(r.body.registration_endpoint, "https://matrix.example.test/oauth2/registration");
    // MSC2965's older discovery: the issuer alone, then the issuer's openid-configuration.
    const old = await call(other.baseUrl, "GET", "/_matrix/client/unstable/org.matrix.msc2965/auth_issuer");
    assert.deepEqual(old.body, { issuer: "https://matrix.example.test/" });
  } finally {
    await other.stop();
  }
});

test("Element X's registration: 201, a client_id, every field echoed; the same registration gets the same client_id", async () => {
  const r = await registerClient(ELEMENT_X);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const clientId = r.body.client_id;
  assert.equal(typeof clientId, "string");
  assert.deepEqual(r.body, { client_id: clientId, ...ELEMENT_X });
  assert.equal("client_secret" in r.body, false);

  const again = await registerClient(ELEMENT_X);
  assert.equal(again.status, 201);
  assert.equal(again.body.client_id, clientId);

  const other = await registerClient({ ...ELEMENT_X, client_name: "Element X Nightly" });
  assert.equal(other.status, 201);
  assert.notEqual(other.body.client_id, clientId);
});

test("the spec's registration example: the unknown grant type is dropped, localised values kept, unknown fields accepted", async () => {
  const r = await registerClient({
    ...SPEC_EXAMPLE_CLIENT,
    software_id: "something-unknown",
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.deepEqual(r.body.grant_types, ["authorization_code", "refresh_token"]);
  assert.equal(r.body["client_name#fr"], "Mon application");
  assert.equal(r.body["tos_uri#fr"], "https://example.com/fr/tos.html");
  assert.equal("software_id" in r.body, false);
});

test("each class of invalid redirect URI is refused with invalid_redirect_uri", async () => {
  const web = { client_uri: "https://example.com/", application_type: "web" };
  const native = { client_uri: "https://example.com/", application_type: "native" };
  const cases: Array<[Record<string, unknown>, string]> = [
    [web, "https://example.com/callback#fragment"],
    [web, "http://example.com/callback"],
    [web, "http://localhost/"],
    [web, "https://app.com/callback"],
    [web, "https://user:pw@example.com/callback"],
    [native, "example:/callback"],
    [native, "com.example.app://callback"],
    [native, "https://localhost/callback"],
    [native, "http://localhost:1234/callback"],
  ];
  for (const [base, uri] of cases) {
    const r = await registerClient({ ...base, redirect_uris: [uri] });
    assert.equal(r.status, 400, `${uri}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error, "invalid_redirect_uri", uri);
    assert.equal(typeof r.body.error_description, "string");
  }
  const none = await registerClient({ client_uri: "https://example.com/", grant_types: ["authorization_code"] });
  assert.equal(none.status, 400);
  assert.equal(none.body.error, "invalid_redirect_uri");
  // And the spec's valid native ones pass.
  const ok = await registerClient({ ...native, redirect_uris: ["com.example.app:/callback", "com.example:/", "com.example:callback", "http://localhost/callback", "http://127.0.0.1/callback", "http://[::1]/callback"] });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
});

test("bad metadata is invalid_client_metadata: no client_uri, http client_uri, secrets, foreign logo", async () => {
  const redirect = { redirect_uris: ["https://example.com/cb"] };
  for (const body of [
    { ...redirect },
    { ...redirect, client_uri: "http://example.com/" },
    { ...redirect, client_uri: "https://example.com/", token_endpoint_auth_method: "client_secret_basic" },
    { ...redirect, client_uri: "https://example.com/", logo_uri: "https://elsewhere.org/logo.png" },
    { ...redirect, client_uri: "https://example.com/", application_type: "tv" },
  ]) {
    const r = await registerClient(body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.error, "invalid_client_metadata", JSON.stringify(body));
    assert.equal(r.body.errcode, undefined, "an OAuth error, not a Matrix one");
  }
});

test("malformed and oversize bodies: invalid_client_metadata, 400 and 413", async () => {
  for (const rawBody of ["{not json", "[1,2]", "\"a string\"", "", "{\"client_uri\":\"https://example.com/\",\"client_name\":\"\\ud800\"}"]) {
    const r = await call(server.baseUrl, "POST", "/oauth2/registration", { rawBody });
    assert.equal(r.status, 400, rawBody);
    assert.equal(r.body.error, "invalid_client_metadata", rawBody);
  }
  const bad = await call(server.baseUrl, "POST", "/oauth2/registration", { rawBody: new Uint8Array([0x7b, 0xff, 0x7d]) });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error, "invalid_client_metadata");

  const big = await call(server.baseUrl, "POST", "/oauth2/registration", { body: { ...ELEMENT_X, client_name: "x".repeat(1_100_000) } });
  assert.equal(big.status, 413);
  assert.equal(big.body.error, "invalid_client_metadata");
});

test("error answers carry CORS headers too", async () => {
  const r = await fetch(`${server.baseUrl}/oauth2/registration`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
  assert.equal(r.status, 400);
  assert.equal(r.headers.get("access-control-allow-origin"), "*");
});

test("jwks_uri: one RSA signing key with kid, alg RS256, use sig, and no private members; the same key each time", async () => {
  const r = await call(server.baseUrl, "GET", "/oauth2/keys.json");
  assert.equal(r.status, 200);
  const keys = r.body.keys as Array<Record<string, unknown>>;
  assert.equal(keys.length, 1);
  const k = keys[0];
  assert.equal(k.kty, "RSA");
  assert.equal(k.alg, "RS256");
  assert.equal(k.use, "sig");
  assert.match(String(k.kid), /^[A-Za-z0-9_-]{43}$/);
  assert.match(String(k.n), /^[A-Za-z0-9_-]{342}$/, "a 2048-bit modulus");
  assert.equal(k.e, "AQAB");
  for (const priv of ["d", "p", "q", "dp", "dq", "qi"]) assert.equal(priv in k, false, priv);
  const again = await call(server.baseUrl, "GET", "/oauth2/keys.json");
  assert.deepEqual(again.body, r.body);
});

test("matrix-js-sdk: validateAuthMetadataAndKeys accepts the metadata and reads the keys; registerOidcClient registers", async () => {
  const metadata = await call(server.baseUrl, "GET", "/_matrix/client/v1/auth_metadata");
  const config = await validateAuthMetadataAndKeys(metadata.body);
  assert.equal(config.issuer, `${server.baseUrl}/`);
  assert.equal(config.signingKeys?.length, 1);
  const clientId = await registerOidcClient(config, {
    clientName: "Element",
    clientUri: "https://app.element.io/",
    redirectUris: ["https://app.element.io/"],
    applicationType: "web",
    contacts: undefined,
    logoUri: "https://app.element.io/vector-icons/1024.png",
    tosUri: "https://element.io/terms",
    policyUri: "https://element.io/privacy",
  });
  assert.equal(typeof clientId, "string");
  assert.ok(clientId.length > 0);
  // The registration is kept as sent, the RS256 id_token request included.
  const again = await registerClient(ELEMENT_WEB_SDK_CLIENT);

  assert.equal(again.body.client_id, clientId, "the same body registerOidcClient sent (it drops URIs outside client_uri's host)");
});

test("OAUTH=off: every OAuth endpoint answers 404 M_UNRECOGNIZED", async () => {
  const off = await startServer({ vars: { OAUTH: "off" } });
  try {
    for (const path of [...METADATA_PATHS, "/oauth2/keys.json", "/_matrix/client/unstable/org.matrix.msc2965/auth_issuer", "/account/login"]) {
      const r = await call(off.baseUrl, "GET", path);
      assert.equal(r.status, 404, path);
      assert.equal(r.body.errcode, "M_UNRECOGNIZED", path);
    }
    const r = await call(off.baseUrl, "POST", "/oauth2/registration", { body: ELEMENT_X });
    assert.equal(r.status, 404);
    assert.equal(r.body.errcode, "M_UNRECOGNIZED");
  } finally {
    await off.stop();
  }
});

test("registration is rate-limited per address: a burst passes, a flood gets 429 M_LIMIT_EXCEEDED", async () => {
  const limited = await startServer({ vars: { RATE_LIMITS: "on" } });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await call(limited.baseUrl, "POST", "/oauth2/registration", { body: ELEMENT_X })).status);
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(201));
    const last = await call(limited.baseUrl, "POST", "/oauth2/registration", { body: ELEMENT_X });
    assert.equal(last.status, 429);
    assert.equal(last.body.errcode, "M_LIMIT_EXCEEDED");
  } finally {
    await limited.stop();
  }
});
