import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeBase64, encodeBase64, encodeBase64Url } from "../../../protocol/base64.js";
import {
  checkContentHash,
  computeContentHash,
  computeEventId,
  computeReferenceHash,
  contentHashInput,
  eventIdFromReferenceHash,
  eventIdOfUnknownVersion,
} from "../../../protocol/eventHashing.js";
import { hashAndSignEvent, signEvent, signatureKeyIds, verifyEventSignature } from "../../../protocol/eventSigning.js";
import type { JsonObject } from "../../../protocol/json.js";
import { redact } from "../../../protocol/redact.js";
import { getRoomVersion } from "../../../protocol/roomVersions.js";
import { signingKeyFromSeed } from "../../../protocol/signing.js";

const v = (id: string) => getRoomVersion(id)!;
const KEY = signingKeyFromSeed("ed25519:1", decodeBase64("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1"));

// appendices.md, "Event Signing": the events are v1-style (event_id, origin).
test("spec event signing vector: minimally-sized event", async () => {
  const input: JsonObject = {
    room_id: "!x:domain",
    sender: "@a:domain",
    origin: "domain",
    origin_server_ts: 1000000,
    signatures: {},
    hashes: {},
    type: "X",
    content: {},
    prev_events: [],
    auth_events: [],
    depth: 3,
    unsigned: { age_ts: 1000000 },
  };
  const signed = await hashAndSignEvent(input, v("1"), "domain", KEY);
  assert.deepEqual(signed, {
    auth_events: [],
    content: {},
    depth: 3,
    hashes: { sha256: "5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos" },
    origin: "domain",
    origin_server_ts: 1000000,
    prev_events: [],
    room_id: "!x:domain",
    sender: "@a:domain",
    signatures: {
      domain: {
        "ed25519:1": "KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg",
      },
    },
    type: "X",
    unsigned: { age_ts: 1000000 },
  });
  assert.equal(await checkContentHash(signed, v("1")), true);
  assert.equal(await verifyEventSignature(signed, v("1"), "domain", "ed25519:1", KEY.publicKey), true);
});

test("spec event signing vector: event with redactable content", async () => {
  const input: JsonObject = {
    content: { body: "Here is the message content" },
    event_id: "$0:domain",
    origin: "domain",
    origin_server_ts: 1000000,
    type: "m.room.message",
    room_id: "!r:domain",
    sender: "@u:domain",
    signatures: {},
    unsigned: { age_ts: 1000000 },
  };
  const signed = await hashAndSignEvent(input, v("1"), "domain", KEY);
  assert.deepEqual(signed, {
    content: { body: "Here is the message content" },
    event_id: "$0:domain",
    hashes: { sha256: "onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g" },
    origin: "domain",
    origin_server_ts: 1000000,
    type: "m.room.message",
    room_id: "!r:domain",
    sender: "@u:domain",
    signatures: {
      domain: {
        "ed25519:1": "Wm+VzmOUOz08Ds+0NTWb1d4CZrVsJSikkeRxh6aCcUwu6pNC78FunoD7KNWzqFn241eYHYMGCA5McEiVPdhzBA",
      },
    },
    unsigned: { age_ts: 1000000 },
  });
  // The signature covers the redacted form, so it survives redaction; the content hash does not.
  const redacted = redact(signed, v("1"));
  assert.equal(await verifyEventSignature(redacted, v("1"), "domain", "ed25519:1", KEY.publicKey), true);
  assert.equal(await checkContentHash(redacted, v("1")), false);
  // Changing the content breaks the content hash but not the signature.
  const tampered = { ...signed, content: { body: "changed" } };
  assert.equal(await checkContentHash(tampered, v("1")), false);
  assert.equal(await verifyEventSignature(tampered, v("1"), "domain", "ed25519:1", KEY.publicKey), true);
  // Changing a protected key breaks the signature.
  const moved = { ...signed, sender: "@mallory:domain" };
  assert.equal(await verifyEventSignature(moved, v("1"), "domain", "ed25519:1", KEY.publicKey), false);
});

const v4Event: JsonObject = {
  room_id: "!r:example.org",
  sender: "@a:example.org",
  type: "m.room.message",
  content: { body: "hello" },
  origin_server_ts: 1700000000000,
  depth: 10,
  prev_events: ["$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg"],
  auth_events: [],
  hashes: { sha256: "x" },
  signatures: { "example.org": { "ed25519:1": "sig" } },
  unsigned: { age: 5 },
};

test("content hash input strips unsigned, signatures and hashes only", () => {
  assert.deepEqual(Object.keys(contentHashInput(v4Event, v("4"))).sort(), [
    "auth_events", "content", "depth", "origin_server_ts", "prev_events", "room_id", "sender", "type",
  ]);
});

test("reference hash ignores signatures, unsigned and redactable content; event ID encodings", async () => {
  const hash = await computeReferenceHash(v4Event, v("4"));
  const changed = { ...v4Event, content: { body: "other" }, signatures: {}, unsigned: {}, extra: 1 };
  assert.deepEqual(await computeReferenceHash(changed, v("4")), hash);
  assert.notDeepEqual(await computeReferenceHash({ ...v4Event, depth: 11 }, v("4")), hash);
  assert.equal(eventIdFromReferenceHash(hash, v("3")), "$" + encodeBase64(hash));
  assert.equal(eventIdFromReferenceHash(hash, v("4")), "$" + encodeBase64Url(hash));
  assert.equal(await computeEventId(v4Event, v("4")), "$" + encodeBase64Url(hash));
  // A PDU's own event_id is not part of the v3+ hash.
  assert.equal(await computeEventId({ ...v4Event, event_id: "$whatever" }, v("4")), "$" + encodeBase64Url(hash));
  assert.throws(() => eventIdFromReferenceHash(hash, v("2")), /chosen by the sending server/);
  assert.equal(await computeEventId({ ...v4Event, event_id: "$x:y" }, v("2")), "$x:y");
});

test("v1–2 hashing refuses a PDU with flattened ID lists", async () => {
  const pduLike = { ...v4Event, event_id: "$e:example.org", prev_events: ["$p:example.org"] };
  await assert.rejects(computeContentHash(pduLike, v("1")), /toWireFormat/);
});

test("checkContentHash is false for missing or malformed hashes", async () => {
  const hashed = { ...v4Event, hashes: { sha256: encodeBase64(await computeContentHash(v4Event, v("4"))) } };
  assert.equal(await checkContentHash(hashed, v("4")), true);
  assert.equal(await checkContentHash({ ...v4Event, hashes: {} }, v("4")), false);
  assert.equal(await checkContentHash({ ...v4Event, hashes: { sha256: "!!" } }, v("4")), false);
  const { hashes: _h, ...noHashes } = v4Event;
  assert.equal(await checkContentHash(noHashes, v("4")), false);
  // A float is not canonical JSON in v6+, so such an event cannot have a valid hash there.
  assert.equal(await checkContentHash({ ...hashed, content: { n: 1.5 } }, v("6")), false);
});

test("v1–5 hash floats and big integers leniently; v6+ refuse them", async () => {
  const floaty = { ...v4Event, content: { users: { "@bob:x": 50.57 } } };
  assert.equal((await computeContentHash(floaty, v("5"))).length, 32);
  await assert.rejects(computeContentHash(floaty, v("6")), /not an integer/);
});

test("co-signing keeps the origin's signature; signatureKeyIds lists both", async () => {
  const signed = await hashAndSignEvent(v4Event, v("10"), "example.org", KEY);
  const other = signingKeyFromSeed("ed25519:resident", new Uint8Array(32).fill(9));
  const cosigned = await signEvent(signed, v("10"), "resident.org", other);
  assert.deepEqual(signatureKeyIds(cosigned), [
    { signingName: "example.org", keyId: "ed25519:1" },
    { signingName: "resident.org", keyId: "ed25519:resident" },
  ]);
  assert.equal(await verifyEventSignature(cosigned, v("10"), "example.org", "ed25519:1", KEY.publicKey), true);
  assert.equal(await verifyEventSignature(cosigned, v("10"), "resident.org", "ed25519:resident", other.publicKey), true);
  // The event ID does not depend on signatures.
  assert.equal(await computeEventId(cosigned, v("10")), await computeEventId(signed, v("10")));
});

test("an event of an unknown room version is named as its shape implies: its own event_id, or its v4+ reference hash", async () => {
  const message = (roomId: string): JsonObject => ({
    room_id: roomId,
    sender: "@a:domain",
    origin_server_ts: 1000000,
    type: "m.room.message",
    content: { msgtype: "m.text", body: "hi" },
    prev_events: ["$prev"],
    auth_events: ["$auth"],
    depth: 3,
  });
  // v1–10 events carry `origin`, which v11's redaction strips: the hash differs, the key tells.
  const v10 = await hashAndSignEvent({ ...message("!r:domain"), origin: "domain" }, v("10"), "domain", KEY);
  assert.notEqual(await computeEventId(v10, v("10")), await computeEventId(v10, v("11")));
  assert.equal(await eventIdOfUnknownVersion(v10), await computeEventId(v10, v("10")));
  const v11 = await hashAndSignEvent(message("!r:domain"), v("11"), "domain", KEY);
  assert.equal(await eventIdOfUnknownVersion(v11), await computeEventId(v11, v("11")));
  // A room ID without a server name is v12's.
  const v12 = await hashAndSignEvent(message("!abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"), v("12"), "domain", KEY);
  assert.equal(await eventIdOfUnknownVersion(v12), await computeEventId(v12, v("12")));
  assert.equal(await eventIdOfUnknownVersion({ ...message("!r:domain"), event_id: "$chosen:domain" }), "$chosen:domain");
  assert.equal(await eventIdOfUnknownVersion({ ...message("!r:domain"), depth: 1.5 }), undefined, "not canonical JSON: no ID");
});
