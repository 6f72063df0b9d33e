import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeBase64, encodeBase64 } from "../../../protocol/base64.js";
import {
  ed25519Sign,
  ed25519Verify,
  generateSigningKey,
  parseKeyId,
  SigningKeyError,
  signingKeyFromSeed,
  signJson,
  verifyJsonSignature,
} from "../../../protocol/signing.js";

// appendices.md, "Cryptographic Test Vectors".
const SEED = decodeBase64("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1");
const KEY = signingKeyFromSeed("ed25519:1", SEED);

test("JSON signing test vector: empty object", async () => {
  const signed = await signJson({}, "domain", KEY);
  assert.deepEqual(signed, {
    signatures: {
      domain: {
        "ed25519:1": "K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ",
      },
    },
  });
});

test("JSON signing test vector: object with data", async () => {
  const signed = await signJson({ one: 1, two: "Two" }, "domain", KEY);
  assert.deepEqual(signed, {
    one: 1,
    signatures: {
      domain: {
        "ed25519:1": "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw",
      },
    },
    two: "Two",
  });
  assert.equal(await verifyJsonSignature(signed, "domain", "ed25519:1", KEY.publicKey), true);
});

test("signatures and unsigned are not covered; existing signatures are kept", async () => {
  const input = {
    one: 1,
    two: "Two",
    unsigned: { age_ts: 922834800000 },
    signatures: { "other.org": { "ed25519:x": "abc" } },
  };
  const signed = await signJson(input, "domain", KEY);
  assert.equal(
    signed.signatures.domain["ed25519:1"],
    "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw",
  );
  assert.deepEqual(signed.signatures["other.org"], { "ed25519:x": "abc" });
  assert.deepEqual(signed.unsigned, { age_ts: 922834800000 });
  // The input is untouched.
  assert.deepEqual(input.signatures, { "other.org": { "ed25519:x": "abc" } });
  // A second key of the same entity merges in.
  const other = signingKeyFromSeed("ed25519:2", new Uint8Array(32).fill(7));
  const twice = await signJson(signed, "domain", other);
  assert.deepEqual(Object.keys(twice.signatures.domain).sort(), ["ed25519:1", "ed25519:2"]);
  assert.equal(await verifyJsonSignature(twice, "domain", "ed25519:1", KEY.publicKey), true);
  assert.equal(await verifyJsonSignature(twice, "domain", "ed25519:2", other.publicKey), true);
});

test("verification fails on tampering, wrong keys, and malformed signatures", async () => {
  const signed = await signJson({ a: 1, unsigned: { x: 1 } }, "domain", KEY);
  assert.equal(await verifyJsonSignature(signed, "domain", "ed25519:1", KEY.publicKey), true);
  // unsigned may change freely
  assert.equal(await verifyJsonSignature({ ...signed, unsigned: { y: 2 } }, "domain", "ed25519:1", KEY.publicKey), true);
  assert.equal(await verifyJsonSignature({ ...signed, a: 2 }, "domain", "ed25519:1", KEY.publicKey), false);
  assert.equal(await verifyJsonSignature(signed, "elsewhere", "ed25519:1", KEY.publicKey), false);
  assert.equal(await verifyJsonSignature(signed, "domain", "ed25519:2", KEY.publicKey), false);
  assert.equal(await verifyJsonSignature(signed, "domain", "curve25519:1", KEY.publicKey), false);
  const other = generateSigningKey();
  assert.equal(await verifyJsonSignature(signed, "domain", "ed25519:1", other.publicKey), false);
  const garbled = { ...signed, signatures: { domain: { "ed25519:1": "not base64!" } } };
  assert.equal(await verifyJsonSignature(garbled, "domain", "ed25519:1", KEY.publicKey), false);
  const short = { ...signed, signatures: { domain: { "ed25519:1": "AAAA" } } };
  assert.equal(await verifyJsonSignature(short, "domain", "ed25519:1", KEY.publicKey), false);
  assert.equal(await verifyJsonSignature({ a: 1.5, signatures: signed.signatures }, "domain", "ed25519:1", KEY.publicKey), false);
  assert.equal(await verifyJsonSignature(signed, "domain", "ed25519:1", new Uint8Array(31)), false);
});

test("keys: seed derivation, generation, key IDs", () => {
  assert.equal(encodeBase64(KEY.publicKey), "XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI");
  const generated = generateSigningKey();
  assert.match(generated.keyId, /^ed25519:a_[A-Za-z0-9]{6}$/);
  assert.equal(generated.seed.length, 32);
  assert.equal(generated.publicKey.length, 32);
  assert.equal(generateSigningKey("v2").keyId, "ed25519:v2");
  assert.throws(() => generateSigningKey("bad-version"), SigningKeyError);
  assert.throws(() => signingKeyFromSeed("ed25519:1", new Uint8Array(16)), SigningKeyError);
  assert.throws(() => signingKeyFromSeed("rsa:1", SEED), SigningKeyError);
  assert.deepEqual(parseKeyId("ed25519:abc_1"), { algorithm: "ed25519", version: "abc_1" });
  assert.throws(() => parseKeyId("ed25519"), SigningKeyError);
});

test("raw ed25519 agrees with tweetnacl", async () => {
  const nacl = (await import("tweetnacl")).default;
  const message = new TextEncoder().encode("hello");
  const webSignature = await ed25519Sign(SEED, message);
  const naclSignature = nacl.sign.detached(message, nacl.sign.keyPair.fromSeed(SEED).secretKey);
  assert.deepEqual(webSignature, naclSignature);
  assert.equal(await ed25519Verify(KEY.publicKey, webSignature, message), true);
  assert.equal(nacl.sign.detached.verify(message, webSignature, KEY.publicKey), true);
});
