/** Signing a federation request and verifying it the way the receiving server does. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { signRequest, verifyRequestSignature, requestJson } from "../../../federation-client/requestSigning.js";
import { parseXMatrix } from "../../../federation-client/xMatrix.js";
import { generateSigningKey, signJson, signingKeyFromSeed } from "../../../protocol/signing.js";
import { encodeBase64, decodeBase64 } from "../../../protocol/base64.js";

const key = generateSigningKey("test1");
const base = { method: "PUT", uri: "/_matrix/federation/v1/send/txn1?x=1", origin: "a.example", destination: "b.example", content: { pdus: [], edus: [{ edu_type: "m.typing", content: {} }] } };

describe("request signing", () => {
  test("a body with a float, signed as Synapse encodes it, verifies; the float still counts", async () => {
    const withFloat = { ...base, content: { pdus: [{ content: { amount: 1.5, tiny: 0.00005 } }] } };
    const auth = parseXMatrix(await signRequest(withFloat, key, { strict: false }));
    assert.equal(await verifyRequestSignature(withFloat, auth, key.publicKey), true);
    const changed = { ...base, content: { pdus: [{ content: { amount: 1.25, tiny: 0.00005 } }] } };
    assert.equal(await verifyRequestSignature(changed, auth, key.publicKey), false);
  });

  test("sign then verify", async () => {
    const auth = parseXMatrix(await signRequest(base, key));
    assert.equal(auth.origin, "a.example");
    assert.equal(auth.destination, "b.example");
    assert.equal(auth.key, "ed25519:test1");
    assert.equal(await verifyRequestSignature(base, auth, key.publicKey), true);
  });

  test("any change to method, uri, origin, destination or content breaks the signature", async () => {
    const auth = parseXMatrix(await signRequest(base, key));
    for (const changed of [
      { ...base, method: "POST" },
      { ...base, uri: "/_matrix/federation/v1/send/txn2?x=1" },
      { ...base, uri: "/_matrix/federation/v1/send/txn1" },
      { ...base, destination: "c.example" },
      { ...base, content: { pdus: [], edus: [] } },
      { ...base, content: undefined },
    ]) {
      assert.equal(await verifyRequestSignature(changed, auth, key.publicKey), false, JSON.stringify(changed));
    }
    assert.equal(await verifyRequestSignature(base, { ...auth, origin: "c.example" }, key.publicKey), true, "the origin of the request object is what is signed");
    assert.equal(await verifyRequestSignature({ ...base, origin: "c.example" }, auth, key.publicKey), false);
    assert.equal(await verifyRequestSignature(base, auth, generateSigningKey().publicKey), false);
    // Flip one bit of the signature itself (editing base64 text may only touch padding bits).
    const tampered = decodeBase64(auth.sig);
    tampered[0] ^= 1;
    assert.equal(await verifyRequestSignature(base, { ...auth, sig: encodeBase64(tampered) }, key.publicKey), false);
    assert.equal(await verifyRequestSignature(base, { ...auth, sig: "!!!" }, key.publicKey), false);
  });

  test("a GET without a body signs no content member", async () => {
    const get = { method: "GET", uri: "/_matrix/federation/v1/query/profile?user_id=%40a%3Aa.example", origin: "a.example", destination: "b.example" };
    assert.equal("content" in requestJson(get), false);
    const auth = parseXMatrix(await signRequest(get, key));
    assert.equal(await verifyRequestSignature(get, auth, key.publicKey), true);
  });

  test("matches signing the spec's request object with signJson (what other servers do)", async () => {
    const seed = decodeBase64("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1");
    const k = signingKeyFromSeed("ed25519:1", seed);
    const signed = await signJson({ method: base.method, uri: base.uri, origin: base.origin, destination: base.destination, content: base.content }, "a.example", k);
    const auth = parseXMatrix(await signRequest(base, k));
    assert.equal(auth.sig, signed.signatures["a.example"]["ed25519:1"]);
  });
});
