/** The server metadata (oauth_server_metadata.yaml): every required field, and what clients look for. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { authMetadata } from "../../../../protocol/oauth/authMetadata.js";

const ISSUER = "https://matrix.example.org/";

test("the spec's required fields are there, with the values the spec requires", () => {
  const m = authMetadata(ISSUER);
  assert.equal(m.issuer, ISSUER);
  assert.equal(m.authorization_endpoint, "https://matrix.example.org/oauth2/auth");
  assert.equal(m.token_endpoint, "https://matrix.example.org/oauth2/token");
  assert.equal(m.revocation_endpoint, "https://matrix.example.org/oauth2/revoke");
  assert.equal(m.registration_endpoint, "https://matrix.example.org/oauth2/registration");
  assert.ok(m.response_types_supported.includes("code"));
  assert.ok(m.grant_types_supported.includes("authorization_code"));
  assert.ok(m.grant_types_supported.includes("refresh_token"));
  assert.ok(m.response_modes_supported.includes("query"));
  assert.ok(m.response_modes_supported.includes("fragment"));
  assert.ok(m.code_challenge_methods_supported.includes("S256"));
});

test("device grant, account management, id_token and prompt=create fields", () => {
  const m = authMetadata(ISSUER);
  assert.deepEqual(m.grant_types_supported, ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"]);
  assert.equal(m.device_authorization_endpoint, "https://matrix.example.org/oauth2/device");
  assert.equal(m.jwks_uri, "https://matrix.example.org/oauth2/keys.json");
  assert.equal(m.userinfo_endpoint, "https://matrix.example.org/oauth2/userinfo");
  assert.equal(m.account_management_uri, "https://matrix.example.org/account/");
  assert.deepEqual(m.account_management_actions_supported, [
    "org.matrix.profile",
    "org.matrix.devices_list",
    "org.matrix.device_view",
    "org.matrix.device_delete",
    "org.matrix.account_deactivate",
    "org.matrix.cross_signing_reset",
  ]);
  assert.deepEqual(m.prompt_values_supported, ["create"]);
  assert.deepEqual(m.code_challenge_methods_supported, ["S256"]);
  assert.deepEqual(m.token_endpoint_auth_methods_supported, ["none"]);
  assert.deepEqual(m.response_types_supported, ["code"]);
  assert.deepEqual(m.subject_types_supported, ["public"]);
  assert.deepEqual(m.id_token_signing_alg_values_supported, ["RS256"]);
  assert.ok(m.scopes_supported.includes("openid"));
  assert.ok(m.scopes_supported.includes("urn:matrix:client:api:*"));
  assert.ok(m.scopes_supported.includes("urn:matrix:org.matrix.msc2967.client:api:*"));
});

test("matrix-js-sdk's validateAuthMetadata accepts it", async () => {
  const { validateAuthMetadata } = await import("matrix-js-sdk/lib/oidc/validate.js");
  const m = authMetadata(ISSUER);
  assert.deepEqual(validateAuthMetadata(m), m);
});
