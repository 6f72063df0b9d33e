/**
 * Client registration metadata (spec: "Client metadata", "Dynamic client registration flow",
 * "Metadata localization"; RFC 7591): the spec's examples, Element X's and matrix-js-sdk's
 * registrations, and what is refused.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { clientIdOf, localizedClientName, validateClientMetadata } from "../../../../protocol/oauth/clientMetadata.js";
import { OAuthError } from "../../../../protocol/oauth/errors.js";
import type { JsonObject } from "../../../../protocol/json.js";
import { ELEMENT_WEB_SDK_CLIENT, ELEMENT_X_CLIENT, SPEC_EXAMPLE_CLIENT } from "../../../fixtures/oauthClients.js";

const oauthError = (code: string) => (e: unknown) => e instanceof OAuthError && e.error === code && e.status === 400;

const SPEC_REQUEST: JsonObject = SPEC_EXAMPLE_CLIENT;
const ELEMENT_X: JsonObject = ELEMENT_X_CLIENT;

test("the spec's example: the token-exchange grant is dropped, the localised values kept", () => {
  const m = validateClientMetadata(SPEC_REQUEST);
  assert.deepEqual(m.grant_types, ["authorization_code", "refresh_token"]);
  assert.equal(m.client_uri, "https://example.com/");
  assert.equal(m.client_name, "My App");
  assert.equal(m["client_name#fr"], "Mon application");
  assert.equal(m["tos_uri#fr"], "https://example.com/fr/tos.html");
  assert.equal(m["policy_uri#fr"], "https://example.com/fr/policy.html");
  assert.deepEqual(m.redirect_uris, ["https://app.example.com/callback"]);
  assert.deepEqual(m.response_types, ["code"]);
  assert.equal(m.token_endpoint_auth_method, "none");
  assert.equal(m.application_type, "web");
  assert.equal(localizedClientName(m, ["de", "fr"]), "Mon application");
  assert.equal(localizedClientName(m, ["de"]), "My App");
});

test("the spec's localisation example's URIs and names are accepted", () => {
  const m = validateClientMetadata({
    client_uri: "https://example.com/",
    grant_types: ["urn:ietf:params:oauth:grant-type:device_code"],
    client_name: "Digital mailbox",
    "client_name#en-US": "Digital mailbox",
    "client_name#en-GB": "Digital postbox",
    "client_name#fr": "Boîte aux lettres numérique",
    tos_uri: "https://example.com/tos.html",
    "tos_uri#fr": "https://example.com/fr/tos.html",
    policy_uri: "https://example.com/policy.html",
    "policy_uri#fr": "https://example.com/fr/policy.html",
  });
  assert.equal(m["client_name#en-GB"], "Digital postbox");
  assert.equal(m["client_name#fr"], "Boîte aux lettres numérique");
});

test("Element X's registration is accepted whole", () => {
  const m = validateClientMetadata(ELEMENT_X);
  assert.deepEqual(m, { ...ELEMENT_X });
});

test("matrix-js-sdk's registration (web, RS256 id_tokens) is accepted", () => {
  const body: JsonObject = ELEMENT_WEB_SDK_CLIENT;
  assert.deepEqual(validateClientMetadata(body), body);
});

test("defaults: web, authorization_code, code, none; unknown fields are accepted and not registered", () => {
  const m = validateClientMetadata({ client_uri: "https://example.com/", redirect_uris: ["https://example.com/cb"], software_id: "x", jwks: { keys: [] }, "client_uri#fr": "https://example.com/fr" });
  assert.deepEqual(m, {
    client_uri: "https://example.com/",
    redirect_uris: ["https://example.com/cb"],
    response_types: ["code"],
    grant_types: ["authorization_code"],
    token_endpoint_auth_method: "none",
    application_type: "web",
  });
});

test("validating registered metadata again changes nothing", () => {
  for (const body of [SPEC_REQUEST, ELEMENT_X]) {
    const m = validateClientMetadata(body);
    assert.deepEqual(validateClientMetadata(m as unknown as JsonObject), m);
  }
});

test("a device-code client needs no redirect URI", () => {
  const m = validateClientMetadata({ client_uri: "https://tv.example.com/", grant_types: ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"], application_type: "native" });
  assert.deepEqual(m.redirect_uris, []);
});

test("invalid_client_metadata: client_uri missing, not https, with a user; bad types; unsupported methods", () => {
  const base = { redirect_uris: ["https://example.com/cb"] };
  for (const body of [
    { ...base },
    { ...base, client_uri: "http://example.com/" },
    { ...base, client_uri: "https://user:pw@example.com/" },
    { ...base, client_uri: "https://@example.com/" },
    { ...base, client_uri: "not a uri" },
    { ...base, client_uri: 42 },
    { ...base, client_uri: "https://example.com/", application_type: "desktop" },
    { ...base, client_uri: "https://example.com/", token_endpoint_auth_method: "client_secret_basic" },
    { ...base, client_uri: "https://example.com/", grant_types: ["implicit"] },
    { ...base, client_uri: "https://example.com/", grant_types: "authorization_code" },
    { ...base, client_uri: "https://example.com/", response_types: ["token"] },
    { ...base, client_uri: "https://example.com/", id_token_signed_response_alg: "none" },
    { ...base, client_uri: "https://example.com/", contacts: "me@example.com" },
    { ...base, client_uri: "https://example.com/", client_name: ["x"] },
    { ...base, client_uri: "https://example.com/", logo_uri: "http://example.com/logo.png" },
    { ...base, client_uri: "https://example.com/", logo_uri: "https://cdn.other.org/logo.png" },
    { ...base, client_uri: "https://example.com/", tos_uri: "https://u:p@example.com/tos" },
    { ...base, client_uri: "https://example.com/", "policy_uri#fr": "https://evil.org/policy" },
    { ...base, client_uri: "https://example.com/", "client_name#fr": 3 },
  ]) {
    assert.throws(() => validateClientMetadata(body as JsonObject), oauthError("invalid_client_metadata"), JSON.stringify(body));
  }
});

test("invalid_redirect_uri: none for authorization_code, not strings, or breaking the rules", () => {
  const base = { client_uri: "https://example.com/" };
  for (const body of [
    { ...base },
    { ...base, redirect_uris: [] },
    { ...base, redirect_uris: "https://example.com/cb" },
    { ...base, redirect_uris: [7] },
    { ...base, redirect_uris: ["https://example.com/cb", "https://app.com/cb"] },
    { ...base, redirect_uris: ["com.example:/cb"] },
    { ...base, application_type: "native", redirect_uris: ["example:/callback"] },
    { ...base, grant_types: ["urn:ietf:params:oauth:grant-type:device_code"], redirect_uris: ["https://app.com/cb"] },
  ]) {
    assert.throws(() => validateClientMetadata(body as JsonObject), oauthError("invalid_redirect_uri"), JSON.stringify(body));
  }
});

test("the client_id is a digest of the registered metadata: equal metadata, equal ID", async () => {
  const a = await clientIdOf(validateClientMetadata(ELEMENT_X));
  // Key order is not significant: the digest is of canonical JSON.
  const reordered = Object.fromEntries(Object.entries(ELEMENT_X).reverse()) as JsonObject;
  assert.equal(await clientIdOf(validateClientMetadata(reordered)), a);
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(await clientIdOf(validateClientMetadata({ ...ELEMENT_X, client_name: "Element X 2" })), a);
});
