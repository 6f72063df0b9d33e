import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeBase64 } from "../../../protocol/base64.js";
import { buildEvent, roomIdFromCreateEvent, type EventTemplate } from "../../../protocol/buildEvent.js";
import { canonicalJson } from "../../../protocol/canonicalJson.js";
import { checkContentHash, computeEventId } from "../../../protocol/eventHashing.js";
import { verifyEventSignature } from "../../../protocol/eventSigning.js";
import { isValidEventId, isValidRoomId } from "../../../protocol/identifiers.js";
import { redact } from "../../../protocol/redact.js";
import { getRoomVersion, ROOM_VERSIONS } from "../../../protocol/roomVersions.js";
import { signingKeyFromSeed } from "../../../protocol/signing.js";
import { EventFormatError, fromWireFormat, toWireFormat } from "../../../protocol/wireFormat.js";

const v = (id: string) => getRoomVersion(id)!;
const KEY = signingKeyFromSeed("ed25519:1", decodeBase64("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1"));
const SERVER = "example.org";

function template(version: string, extra: Partial<EventTemplate> = {}): EventTemplate {
  const ref = v(version).eventIdFormat === "v1" ? "$prev:example.org" : v(version).eventIdFormat === "v3"
    ? "$acR1l0raoZnm60CBwAVgqbZqoO/mYU81xysh1u7XcJk"
    : "$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg";
  return {
    room_id: v(version).roomIdIsCreateEventHash ? "!Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ" : "!room:example.org",
    sender: "@alice:example.org",
    type: "m.room.message",
    content: { msgtype: "m.text", body: "hello 😀" },
    prev_events: [ref],
    auth_events: [ref],
    depth: 3,
    origin_server_ts: 1700000000000,
    ...extra,
  };
}

for (const [id, version] of ROOM_VERSIONS) {
  test(`room version ${id}: built events are valid, verifiable and round-trip`, async () => {
    const pdu = await buildEvent(template(id), version, SERVER, KEY);
    assert.ok(isValidEventId(pdu.event_id, version), pdu.event_id);
    if (version.eventIdFormat === "v1") assert.match(pdu.event_id, /^\$[A-Za-z]{18}:example\.org$/);
    else assert.equal(pdu.event_id, await computeEventId(pdu, version));
    assert.equal(pdu.origin, version.v11EventFormat ? undefined : SERVER);
    const wire = toWireFormat(pdu, version);
    assert.equal(await checkContentHash(wire, version), true);
    assert.equal(await verifyEventSignature(pdu, version, SERVER, "ed25519:1", KEY.publicKey), true);
    assert.equal(await verifyEventSignature(redact(pdu, version), version, SERVER, "ed25519:1", KEY.publicKey), true);
    const back = await fromWireFormat(JSON.parse(JSON.stringify(wire)), version);
    assert.equal(canonicalJson(back), canonicalJson(pdu));
  });
}

test("v1–2 tuples carry the reference hashes given, and keep them", async () => {
  const pdu = await buildEvent(template("1"), v("1"), SERVER, KEY, {
    referenceHashes: (eventId) => (eventId === "$prev:example.org" ? "cHJldmhhc2g" : undefined),
  });
  const wire = toWireFormat(pdu, v("1"));
  assert.deepEqual(wire.prev_events, [["$prev:example.org", { sha256: "cHJldmhhc2g" }]]);
  assert.equal(wire.event_id, pdu.event_id);
  // Without a lookup the hash is "".
  const plain = toWireFormat(await buildEvent(template("2"), v("2"), SERVER, KEY), v("2"));
  assert.deepEqual(plain.auth_events, [["$prev:example.org", { sha256: "" }]]);
});

test("redactions: top-level redacts before v11, content.redacts from v11", async () => {
  const target = "$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg";
  const t = { type: "m.room.redaction", content: { reason: "spam" }, redacts: target };
  const v10 = await buildEvent(template("10", t), v("10"), SERVER, KEY);
  assert.equal(v10.redacts, target);
  assert.deepEqual(v10.content, { reason: "spam" });
  const v11 = await buildEvent(template("11", t), v("11"), SERVER, KEY);
  assert.equal(v11.redacts, undefined);
  assert.deepEqual(v11.content, { reason: "spam", redacts: target });
  assert.equal(v11.origin, undefined);
  // content.redacts survives redaction of the redaction in v11.
  assert.deepEqual(redact(v11, v("11")).content, { redacts: target });
});

test("v12: the create event has no room_id and names the room", async () => {
  const create = await buildEvent(
    {
      sender: "@alice:example.org", type: "m.room.create", state_key: "", content: { room_version: "12" },
      prev_events: [], auth_events: [], depth: 1, origin_server_ts: 1700000000000,
    },
    v("12"), SERVER, KEY,
  );
  assert.equal("room_id" in create, false);
  const roomId = roomIdFromCreateEvent(create);
  assert.equal(roomId, "!" + create.event_id.slice(1));
  assert.ok(isValidRoomId(roomId, v("12")));
  const member = await buildEvent(
    template("12", {
      room_id: roomId, type: "m.room.member", state_key: "@alice:example.org", content: { membership: "join" },
      prev_events: [create.event_id], auth_events: [],
    }),
    v("12"), SERVER, KEY,
  );
  assert.equal(member.room_id, roomId);
  await fromWireFormat(toWireFormat(member, v("12")), v("12"));
});

test("room IDs: a v12 create with room_id, or another event without, is refused", async () => {
  const create = template("12", { type: "m.room.create", state_key: "", content: {} });
  await assert.rejects(buildEvent(create, v("12"), SERVER, KEY), EventFormatError);
  await assert.rejects(buildEvent({ ...template("12"), room_id: undefined }, v("12"), SERVER, KEY), /needs a room_id/);
  // Before v12 the create event has a room_id like any other.
  const v11Create = await buildEvent(template("11", { type: "m.room.create", state_key: "", content: {} }), v("11"), SERVER, KEY);
  assert.equal(v11Create.room_id, "!room:example.org");
  assert.throws(() => roomIdFromCreateEvent(v11Create), /only room version 12/);
  const message = await buildEvent(template("12"), v("12"), SERVER, KEY);
  assert.throws(() => roomIdFromCreateEvent(message), /m.room.create/);
});

test("undefined optional fields are left out; the template is not modified", async () => {
  const t = template("11", { state_key: undefined, redacts: undefined });
  const copy = structuredClone(t);
  const pdu = await buildEvent(t, v("11"), SERVER, KEY);
  assert.equal("state_key" in pdu, false);
  assert.equal("redacts" in pdu, false);
  assert.deepEqual(t, copy);
  assert.equal("unsigned" in pdu, false);
});

test("non-canonical content is refused in v6+ but hashed leniently in v1–5", async () => {
  await assert.rejects(buildEvent(template("6", { content: { n: 1.5 } }), v("6"), SERVER, KEY), /not an integer/);
  const old = await buildEvent(template("5", { content: { n: 1.5 } }), v("5"), SERVER, KEY);
  assert.equal(await checkContentHash(old, v("5")), true);
});
