import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeBase64 } from "../../../protocol/base64.js";
import { canonicalJson } from "../../../protocol/canonicalJson.js";
import { checkContentHash, computeEventId } from "../../../protocol/eventHashing.js";
import { hashAndSignEvent, verifyEventSignature } from "../../../protocol/eventSigning.js";
import type { JsonObject } from "../../../protocol/json.js";
import type { PDU } from "../../../protocol/pdu.js";
import { redact } from "../../../protocol/redact.js";
import { getRoomVersion } from "../../../protocol/roomVersions.js";
import { signingKeyFromSeed } from "../../../protocol/signing.js";
import {
  EventFormatError,
  fromWireFormat,
  toWireFormat,
  WIRE_REFERENCE_HASHES_KEY,
} from "../../../protocol/wireFormat.js";

const v = (id: string) => getRoomVersion(id)!;
const KEY = signingKeyFromSeed("ed25519:1", decodeBase64("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1"));
const HASH_ID = "$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg";
const HASH_ID_V3 = "$acR1l0raoZnm60CBwAVgqbZqoO/mYU81xysh1u7XcJk";

function base(extra: JsonObject): JsonObject {
  return {
    room_id: "!room:example.org",
    sender: "@alice:example.org",
    type: "m.room.message",
    content: { body: "hello", msgtype: "m.text" },
    origin_server_ts: 1700000000000,
    depth: 12,
    unsigned: { age: 4612 },
    ...extra,
  };
}

function without(event: JsonObject, key: string): JsonObject {
  const { [key]: _dropped, ...rest } = event;
  return rest;
}

async function signed(event: JsonObject, version: string): Promise<JsonObject> {
  return hashAndSignEvent(event, v(version), "example.org", KEY);
}

test("v1 round trip keeps the tuple hashes exactly as sent", async () => {
  const wire = await signed(
    base({
      event_id: "$a4ecee13e2accdadf56c1025:example.com",
      origin: "example.org",
      prev_events: [["$af232176:example.org", { sha256: "abase64encodedsha256hashshouldbe43byteslong" }]],
      auth_events: [
        ["$create:example.org", { sha256: "" }],
        ["$power:example.org", { sha256: "eA", extra: "kept" }],
        ["$power:example.org", { sha256: "ZHVwbGljYXRl" }],
      ],
    }),
    "1",
  );
  const pdu = await fromWireFormat(wire, v("1"));
  assert.equal(pdu.event_id, "$a4ecee13e2accdadf56c1025:example.com");
  assert.deepEqual(pdu.prev_events, ["$af232176:example.org"]);
  assert.deepEqual(pdu.auth_events, ["$create:example.org", "$power:example.org", "$power:example.org"]);
  assert.deepEqual(toWireFormat(pdu, v("1")), wire);
  // Hashes and signatures checked through the PDU give the same answers as on the wire.
  assert.equal(await checkContentHash(toWireFormat(pdu, v("1")), v("1")), true);
  assert.equal(await verifyEventSignature(pdu, v("1"), "example.org", "ed25519:1", KEY.publicKey), true);
  // A redacted PDU keeps its wire tuples too, so its signature still verifies.
  const redacted = redact(pdu, v("1"));
  assert.equal(await verifyEventSignature(redacted, v("1"), "example.org", "ed25519:1", KEY.publicKey), true);
  // The stored hashes never leak onto the wire.
  assert.equal(WIRE_REFERENCE_HASHES_KEY in toWireFormat(redacted, v("1")), false);
});

test("v1 toWireFormat fills unknown hashes from a lookup, else empty", () => {
  const pdu: PDU = {
    event_id: "$e:example.org", room_id: "!r:example.org", sender: "@a:example.org", type: "m.room.message",
    content: {}, origin_server_ts: 1, depth: 2, prev_events: ["$p:example.org"], auth_events: ["$q:example.org"],
    hashes: { sha256: "" }, signatures: {},
  };
  const wire = toWireFormat(pdu, v("2"), (id) => (id === "$p:example.org" ? "cHJldg" : undefined));
  assert.deepEqual(wire.prev_events, [["$p:example.org", { sha256: "cHJldg" }]]);
  assert.deepEqual(wire.auth_events, [["$q:example.org", { sha256: "" }]]);
  assert.equal(wire.event_id, "$e:example.org");
});

for (const [version, prev] of [["3", HASH_ID_V3], ["4", HASH_ID], ["11", HASH_ID]] as const) {
  test(`v${version} round trip: event_id computed, not sent`, async () => {
    const wire = await signed(base({ prev_events: [prev], auth_events: [prev] }), version);
    const pdu = await fromWireFormat(wire, v(version));
    assert.equal(pdu.event_id, await computeEventId(wire, v(version)));
    assert.match(pdu.event_id, version === "3" ? /^\$[A-Za-z0-9+/]{43}$/ : /^\$[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(toWireFormat(pdu, v(version)), wire);
    assert.equal("event_id" in toWireFormat(pdu, v(version)), false);
    assert.equal(await checkContentHash(pdu, v(version)), true);
  });
}

test("v12 round trip: a create event without room_id, then an event in the derived room", async () => {
  const createWire = await signed(
    {
      sender: "@alice:example.org", type: "m.room.create", state_key: "", content: { room_version: "12" },
      origin_server_ts: 1, depth: 1, prev_events: [], auth_events: [],
    },
    "12",
  );
  const create = await fromWireFormat(createWire, v("12"));
  assert.equal(create.room_id, undefined);
  assert.deepEqual(toWireFormat(create, v("12")), createWire);
  const roomId = "!" + create.event_id.slice(1);
  const message = await signed(base({ room_id: roomId, prev_events: [create.event_id], auth_events: [] }), "12");
  const pdu = await fromWireFormat(message, v("12"));
  assert.equal(pdu.room_id, roomId);
  assert.deepEqual(toWireFormat(pdu, v("12")), message);
  // In v12 a domain-style room ID is malformed; before v12 a hash-style one is.
  await assert.rejects(fromWireFormat({ ...message, room_id: "!room:example.org" }, v("12")), /room_id/);
  await assert.rejects(fromWireFormat({ ...message, room_id: roomId }, v("11")), /room_id/);
  // Only the create event may lack room_id.
  await assert.rejects(fromWireFormat(without(message, "room_id"), v("12")), /`room_id` must be a string and is missing/);
  await assert.rejects(fromWireFormat({ ...createWire, type: "m.room.member" }, v("12")), /`room_id` must be a string/);
});

test("a stray event_id on a v3+ wire event is ignored", async () => {
  const wire = await signed(base({ prev_events: [HASH_ID], auth_events: [] }), "10");
  const pdu = await fromWireFormat({ ...wire, event_id: "$bogus" }, v("10"));
  assert.equal(pdu.event_id, await computeEventId(wire, v("10")));
});

test("fromWireFormat rejects malformed events with a clear error", async () => {
  const good4 = base({ prev_events: [HASH_ID], auth_events: [], hashes: { sha256: "x" }, signatures: {} });
  const good1 = base({
    event_id: "$e:example.org", prev_events: [["$p:example.org", { sha256: "" }]], auth_events: [],
    hashes: { sha256: "x" }, signatures: {},
  });
  await fromWireFormat(good4, v("4"));
  await fromWireFormat(good1, v("1"));
  const bad: Array<[string, unknown, string, RegExp]> = [
    ["not an object", [1], "4", /must be a JSON object/],
    ["missing sender", without(good4, "sender"), "4", /`sender` must be a string and is missing/],
    ["bad sender", { ...good4, sender: "alice" }, "4", /`sender` .* is not a valid user ID/],
    ["numeric type", { ...good4, type: 5 }, "4", /`type` must be a string/],
    ["long type", { ...good4, type: "t".repeat(256) }, "4", /`type` is longer than 255 bytes/],
    ["long state_key", { ...good4, state_key: "s".repeat(256) }, "4", /`state_key` is longer/],
    ["string depth", { ...good4, depth: "12" }, "4", /`depth` must be an integer/],
    ["float ts", { ...good4, origin_server_ts: 1.5 }, "4", /`origin_server_ts` must be an integer/],
    ["content array", { ...good4, content: [] }, "4", /`content` must be an object/],
    ["no hashes", without(good4, "hashes"), "4", /`hashes` must be an object/],
    ["hashes without sha256", { ...good4, hashes: {} }, "4", /hashes.sha256/],
    ["signatures not nested", { ...good4, signatures: { "example.org": "sig" } }, "4", /signatures.example.org/],
    ["unsigned not object", { ...good4, unsigned: 5 }, "4", /`unsigned` must be an object/],
    ["tuples in v4", { ...good4, prev_events: [[HASH_ID, { sha256: "" }]] }, "4", /prev_events\[0\]` must be an event ID string/],
    ["v1 id in v4", { ...good4, auth_events: ["$e:example.org"] }, "4", /auth_events\[0\]/],
    ["strings in v1", { ...good1, prev_events: ["$p:example.org"] }, "1", /\[event_id, \{sha256\}\] pair/],
    ["v1 without event_id", without(good1, "event_id"), "1", /`event_id` must be a string/],
    ["v1 bad event_id", { ...good1, event_id: "nope" }, "1", /`event_id`/],
    ["float in v6 content", { ...good4, content: { n: 0.5 } }, "6", /canonical JSON for room version 6/],
    ["big int in v6", { ...good4, content: { n: 2 ** 60 } }, "6", /outside the canonical JSON range/],
    ["too many prev_events", { ...good4, prev_events: Array(21).fill(HASH_ID) }, "4", /more than 20/],
    ["too many auth_events", { ...good4, auth_events: Array(11).fill(HASH_ID) }, "4", /more than 10/],
    ["too big", { ...good4, content: { body: "x".repeat(65536) } }, "4", /larger than 65536 bytes/],
    ["bad redacts", { ...good4, redacts: 5 }, "4", /`redacts` must be a string/],
    ["reserved key", { ...good1, [WIRE_REFERENCE_HASHES_KEY]: {} }, "1", /reserved/],
  ];
  for (const [name, json, version, message] of bad) {
    await assert.rejects(fromWireFormat(json, v(version)), (e: unknown) => {
      assert.ok(e instanceof EventFormatError, `${name}: ${String(e)}`);
      assert.match(e.message, message, name);
      return true;
    });
  }
});

test("v1–5 accept floats and historical senders; v11 treats top-level redacts as an unknown key", async () => {
  const floaty = base({
    event_id: "$e:example.org", prev_events: [], auth_events: [], hashes: { sha256: "x" }, signatures: {},
    sender: "@Old User:example.org", content: { users: { "@bob:localhost": 50.57 } },
  });
  const pdu = await fromWireFormat(floaty, v("1"));
  assert.equal(pdu.sender, "@Old User:example.org");
  const v11 = base({ prev_events: [], auth_events: [], hashes: { sha256: "x" }, signatures: {}, redacts: 5 });
  assert.equal((await fromWireFormat(v11, v("11"))).redacts, 5);
  // Unknown keys are kept verbatim (the content hash covers them).
  const extra = base({ prev_events: [], auth_events: [], hashes: { sha256: "x" }, signatures: {}, "org.custom": [1] });
  assert.deepEqual((await fromWireFormat(extra, v("9")))["org.custom"], [1]);
});

test("fromWireFormat does not modify its input", async () => {
  const wire = await signed(
    base({ event_id: "$e:example.org", prev_events: [["$p:example.org", { sha256: "" }]], auth_events: [] }),
    "2",
  );
  const before = canonicalJson(wire);
  await fromWireFormat(wire, v("2"));
  assert.equal(canonicalJson(wire), before);
});
