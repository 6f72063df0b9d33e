/** OAuth errors as the Worker answers them, including one thrown inside a Durable Object. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { OAuthError } from "../../../protocol/oauth/errors.js";
import { oauthErrorResponse, toOAuthError } from "../../../worker/oauth/errors.js";
import { MatrixError } from "../../../platform/errors.js";

test("an OAuthError is answered as {error, error_description} with its status and CORS", async () => {
  const r = oauthErrorResponse(new OAuthError(400, "invalid_redirect_uri", "no"));
  assert.equal(r.status, 400);
  assert.equal(r.headers.get("Access-Control-Allow-Origin"), "*");
  assert.deepEqual(await r.json(), { error: "invalid_redirect_uri", error_description: "no" });
});

test("one thrown across a Durable Object's RPC (a plain Error, as workerd delivers it) is recovered", () => {
  // workerd's form, seen with Miniflare: name "Error", message "OAuthError: <code>: <description>".
  const e = toOAuthError(new Error("OAuthError: invalid_grant: code expired: really"));
  assert.ok(e);
  assert.equal(e.error, "invalid_grant");
  assert.equal(e.description, "code expired: really");
  assert.equal(e.status, 400);
  assert.equal(toOAuthError(new Error("OAuthError: invalid_client: who?"))?.status, 401);
  const local = new OAuthError(403, "access_denied", "x");
  assert.equal(toOAuthError(local), local);
});

test("other errors are not taken for OAuth ones", () => {
  assert.equal(toOAuthError(new Error("invalid_grant: looks like one")), undefined);
  assert.equal(toOAuthError(new Error("OAuthError: not_a_code: x")), undefined);
  assert.equal(toOAuthError(new MatrixError(400, "M_BAD_JSON", "x")), undefined);
  assert.equal(toOAuthError("invalid_grant: x"), undefined);
});
