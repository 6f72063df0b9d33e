import { test } from "node:test";
import assert from "node:assert/strict";
import { OAuthError, invalidClient, invalidGrant, isOAuthErrorCode, toOAuthError } from "../../../../protocol/oauth/errors.js";

/** What a caller of a Durable Object's RPC method receives: only the message survives. */
const acrossRpc = (e: Error) => new Error(e.message);

test("an OAuthError crosses the RPC boundary with its status, code and description", () => {
  const back = toOAuthError(acrossRpc(invalidClient('No client "abc" {registered}\nhere')));
  assert.ok(back instanceof OAuthError);
  assert.equal(back.status, 401);
  assert.equal(back.error, "invalid_client");
  assert.equal(back.description, 'No client "abc" {registered}\nhere');
  assert.deepEqual(back.toJSON(), { error: "invalid_client", error_description: 'No client "abc" {registered}\nhere' });
});

test("the runtime's 'OAuthError: ' name prefix is tolerated; the error itself comes back as is", () => {
  const e = invalidGrant("spent");
  assert.equal(toOAuthError(e), e);
  const back = toOAuthError(new Error(`OAuthError: ${e.message}`));
  assert.deepEqual([back?.status, back?.error, back?.description], [400, "invalid_grant", "spent"]);
});

test("other errors are not OAuth errors", () => {
  assert.equal(toOAuthError(new Error("boom")), undefined);
  assert.equal(toOAuthError(new Error("invalid_grant: spent")), undefined);
  assert.equal(toOAuthError(new Error('OAuthError {"status":400,"error":"invalid_grunt","error_description":"x"}')), undefined);
  assert.equal(toOAuthError(new Error('OAuthError {"status":"400","error":"invalid_grant","error_description":"x"}')), undefined);
  assert.equal(toOAuthError(new Error('x OAuthError {"status":400,"error":"invalid_grant","error_description":"x"}')), undefined);
  assert.equal(toOAuthError(new Error('MatrixError {"status":403,"errcode":"M_FORBIDDEN","error":"x"}')), undefined);
  assert.equal(toOAuthError("invalid_grant"), undefined);
  assert.equal(isOAuthErrorCode("invalid_grant"), true);
  assert.equal(isOAuthErrorCode("M_FORBIDDEN"), false);
});
