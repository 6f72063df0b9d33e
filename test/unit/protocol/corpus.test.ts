/**
 * Cross-check against an independent implementation: test/fixtures/protocol/corpus.json was
 * written by generate.py with Python's canonicaljson and signedjson. Compared byte for byte.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { decodeBase64, encodeBase64 } from "../../../protocol/base64.js";
import { canonicalJson } from "../../../protocol/canonicalJson.js";
import { computeContentHash } from "../../../protocol/eventHashing.js";
import { getRoomVersion } from "../../../protocol/roomVersions.js";
import { sha256 } from "../../../protocol/sha256.js";
import { signingKeyFromSeed, signJson, verifyJsonSignature } from "../../../protocol/signing.js";

interface Corpus {
  seed: string;
  signing_name: string;
  key_id: string;
  public_key: string;
  objects: Array<{ name: string; input: string; canonical: string; sha256: string; signature?: string; signed?: string }>;
  events: Array<{ name: string; input: string; content_hash: string; canonical: string }>;
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
  test(`corpus event: ${item.name}`, async () => {
    const event = JSON.parse(item.input) as Record<string, unknown>;
    assert.equal(canonicalJson(event), item.canonical);
    // The content hash is the same for every room version here (no lax-only values).
    const version = item.name.startsWith("v1 ") ? getRoomVersion("1")! : getRoomVersion("11")!;
    assert.equal(encodeBase64(await computeContentHash(event, version)), item.content_hash);
  });
}
