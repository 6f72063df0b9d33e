/** id_tokens: RFC 7638's thumbprint example, and an RS256 JWT that verifies with its public key. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPublicKey, verify } from "node:crypto";
import { generateRs256Jwk, idTokenClaims, importRs256SigningKey, jwkThumbprint, publicJwkOf, signJwtRs256, verifyJwtRs256, ID_TOKEN_LIFETIME_S } from "../../../../protocol/oauth/idToken.js";

// RFC 7638 §3.1.
const RFC7638_KEY = {
  kty: "RSA" as const,
  n:
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
  e: "AQAB",
};

test("RFC 7638's example key has the RFC's thumbprint", async () => {
  assert.equal(await jwkThumbprint(RFC7638_KEY), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
});

test("claims: iss, sub, aud, exp, iat, auth_time and nonce, in seconds", () => {
  const c = idTokenClaims({ issuer: "https://hs.example/", userId: "@a:hs.example", clientId: "cid", nowMs: 1_700_000_000_999, authTimeMs: 1_699_999_990_000, nonce: "n0" });
  assert.deepEqual(c, { iss: "https://hs.example/", sub: "@a:hs.example", aud: "cid", iat: 1_700_000_000, exp: 1_700_000_000 + ID_TOKEN_LIFETIME_S, auth_time: 1_699_999_990, nonce: "n0" });
  assert.equal("nonce" in idTokenClaims({ issuer: "i", userId: "u", clientId: "c", nowMs: 0 }), false);
});

test("a signed id_token is a compact RS256 JWS with the key's thumbprint as kid, verifiable by anyone", async () => {
  const jwk = await generateRs256Jwk();
  assert.ok(jwk.d && jwk.p && jwk.q);
  const pub = await publicJwkOf(jwk);
  assert.deepEqual(Object.keys(pub).sort(), ["alg", "e", "kid", "kty", "n", "use"]);
  assert.equal(pub.kid, await jwkThumbprint(jwk));
  const claims = idTokenClaims({ issuer: "https://hs.example/", userId: "@a:hs.example", clientId: "cid", nowMs: Date.now(), nonce: "xyz" });
  const jwt = await signJwtRs256(claims, await importRs256SigningKey(jwk));
  const parts = jwt.split(".");
  assert.equal(parts.length, 3);
  const header = JSON.parse(Buffer.from(parts[0], "base64url").toString());
  assert.deepEqual(header, { alg: "RS256", typ: "JWT", kid: pub.kid });
  assert.deepEqual(JSON.parse(Buffer.from(parts[1], "base64url").toString()), claims);
  assert.doesNotMatch(jwt, /[=+/]/, "base64url without padding");

  // Node's own RSA verification agrees (an independent implementation of the same standard).
  const key = createPublicKey({ key: { kty: "RSA", n: pub.n, e: pub.e }, format: "jwk" });
  assert.equal(verify("RSA-SHA256", Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2], "base64url")), true);

  assert.deepEqual((await verifyJwtRs256(jwt, pub))?.claims, claims);
  const tampered = `${parts[0]}.${Buffer.from(JSON.stringify({ ...claims, sub: "@b:hs.example" })).toString("base64url")}.${parts[2]}`;
  assert.equal(await verifyJwtRs256(tampered, pub), null);
  const other = await publicJwkOf(await generateRs256Jwk());
  assert.equal(await verifyJwtRs256(jwt, other), null);
  assert.equal(await verifyJwtRs256("a.b", pub), null);
});

test("a key imported under a stored kid signs with that kid, and publishes under it", async () => {
  const jwk = await generateRs256Jwk();
  const jwt = await signJwtRs256({ sub: "@a:x" }, await importRs256SigningKey(jwk, "stored-kid"));
  assert.equal(JSON.parse(Buffer.from(jwt.split(".")[0], "base64url").toString()).kid, "stored-kid");
  assert.equal((await publicJwkOf(jwk, "stored-kid")).kid, "stored-kid");
  assert.deepEqual((await verifyJwtRs256(jwt, await publicJwkOf(jwk)))?.claims, { sub: "@a:x" });
});
