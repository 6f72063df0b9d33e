/** OAuth errors as the Worker answers them (recovery across an RPC: test/unit/platform/rpcErrors.test.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { OAuthError } from "../../../protocol/oauth/errors.js";
import { oauthErrorResponse } from "../../../worker/oauth/errors.js";

test("an OAuthError is answered as {error, error_description} with its status and CORS", async () => {
  const r = oauthErrorResponse(new OAuthError(400, "invalid_redirect_uri", "no"));
  assert.equal(r.status, 400);
  assert.equal(r.headers.get("Access-Control-Allow-Origin"), "*");
  assert.equal(r.headers.get("Cache-Control"), "no-store");
  assert.deepEqual(await r.json(), { error: "invalid_redirect_uri", error_description: "no" });
});
