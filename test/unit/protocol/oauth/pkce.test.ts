import { test } from "node:test";
import assert from "node:assert/strict";
import { isValidCodeChallenge, isValidCodeVerifier, s256Challenge, verifierMatches } from "../../../../protocol/oauth/pkce.js";

// RFC 7636 Appendix B.
const VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

test("S256 of RFC 7636's example verifier is its example challenge", async () => {
  assert.equal(await s256Challenge(VERIFIER), CHALLENGE);
  assert.ok(isValidCodeChallenge(CHALLENGE));
  assert.equal(await verifierMatches(VERIFIER, CHALLENGE), true);
});

test("a wrong verifier does not match", async () => {
  assert.equal(await verifierMatches(VERIFIER.slice(0, -1) + "Y", CHALLENGE), false);
});

test("verifiers outside 43..128 characters of the unreserved set are refused", async () => {
  assert.equal(isValidCodeVerifier("a".repeat(42)), false);
  assert.equal(isValidCodeVerifier("a".repeat(43)), true);
  assert.equal(isValidCodeVerifier("a".repeat(128)), true);
  assert.equal(isValidCodeVerifier("a".repeat(129)), false);
  assert.equal(isValidCodeVerifier("a".repeat(42) + "+"), false);
  // A too-short verifier never matches, even when it hashes to the challenge it came with.
  const short = "abc";
  assert.equal(await verifierMatches(short, await s256Challenge(short)), false);
});
