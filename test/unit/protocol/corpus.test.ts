/**
 * Cross-check against an independent implementation: test/fixtures/protocol/corpus.json was
 * written by generate.py with Python's canonicaljson and signedjson. Compared byte for byte.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { decodeBase64, encodeBase64 } from "../../../protocol/base64.js";
import { canonicalJson } from "../../../protocol/canonicalJson.js";
import { computeContentHash, computeEventId, computeReferenceHash } from "../../../protocol/eventHashing.js";
import { hashAndSignEvent, verifyEventSignature } from "../../../protocol/eventSigning.js";
import type { JsonObject } from "../../../protocol/json.js";
import { redact } from "../../../protocol/redact.js";
import { getRoomVersion } from "../../../protocol/roomVersions.js";
import { sha256 } from "../../../protocol/sha256.js";
import { getSignature, signingKeyFromSeed, signJson, verifyJsonSignature } from "../../../protocol/signing.js";

interface Corpus {
  seed: string;
  signing_name: string;
  key_id: string;
  public_key: string;
  objects: Array<{ name: string; input: string; canonical: string; sha256: string; signature?: string; signed?: string }>;
  events: Array<{
    name: string;
    room_version: string;
    input: string;
    canonical: string;
    content_hash: string;
    redacted: string;
    reference_hash: string;
    signature: string;
    event_id?: string;
  }>;
}

const corpus = JSON.parse(
  readFileSync(new URL("../../fixtures/protocol/corpus.json", import.meta.url), "utf8"),
) as Corpus;
const key = signingKeyFromSeed(corpus.key_id, decodeBase64(corpus.seed));

test("corpus: public key matches", () => {
  assert.equal(encodeBase64(key.publicKey), corpus.public_key);
  assert.ok(corpus.objects.length >= 40 && corpus.events.length >= 10);
});

for (const item of corpus.objects) {
  test(`corpus object: ${item.name}`, async () => {
    const value = JSON.parse(item.input) as unknown;
    assert.equal(canonicalJson(value), item.canonical);
    assert.equal(encodeBase64(await sha256(canonicalJson(value))), item.sha256);
    if (item.signature !== undefined && item.signed !== undefined) {
      const signed = await signJson(value as object, corpus.signing_name, key);
      assert.equal(signed.signatures[corpus.signing_name][corpus.key_id], item.signature);
      const theirs = JSON.parse(item.signed) as object;
      assert.equal(canonicalJson(signed), canonicalJson(theirs));
      assert.equal(await verifyJsonSignature(theirs, corpus.signing_name, corpus.key_id, key.publicKey), true);
    }
  });
}

for (const item of corpus.events) {
  test(`corpus event (room version ${item.room_version}): ${item.name}`, async () => {
    const version = getRoomVersion(item.room_version)!;
    const event = JSON.parse(item.input) as JsonObject;
    assert.equal(canonicalJson(event), item.canonical);
    assert.equal(encodeBase64(await computeContentHash(event, version)), item.content_hash);

    const hashed: JsonObject = { ...event, hashes: { sha256: item.content_hash } };
    assert.equal(canonicalJson(redact(hashed, version)), item.redacted);
    assert.equal(encodeBase64(await computeReferenceHash(hashed, version)), item.reference_hash);
    if (item.event_id !== undefined) assert.equal(await computeEventId(hashed, version), item.event_id);

    const signed = await hashAndSignEvent(event, version, corpus.signing_name, key);
    assert.equal((signed.hashes as JsonObject).sha256, item.content_hash);
    assert.equal(getSignature(signed, corpus.signing_name, corpus.key_id), item.signature);
    assert.equal(await verifyEventSignature(signed, version, corpus.signing_name, corpus.key_id, key.publicKey), true);
  });
}
