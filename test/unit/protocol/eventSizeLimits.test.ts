import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeBase64 } from "../../../protocol/base64.js";
import { buildEvent, type EventTemplate } from "../../../protocol/buildEvent.js";
import { eventSizeProblem } from "../../../protocol/eventSizeLimits.js";
import { canonicalJson } from "../../../protocol/canonicalJson.js";
import { toWireFormat } from "../../../protocol/wireFormat.js";
import { getRoomVersion } from "../../../protocol/roomVersions.js";
import { signingKeyFromSeed } from "../../../protocol/signing.js";

const V10 = getRoomVersion("10")!;
const KEY = signingKeyFromSeed("ed25519:1", decodeBase64("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1"));

function template(extra: Partial<EventTemplate>): EventTemplate {
  return {
    room_id: "!room:example.org",
    sender: "@alice:example.org",
    type: "m.room.message",
    content: { msgtype: "m.text", body: "hi" },
    prev_events: ["$acR1l0raoZnm60CBwAVgqbZqoO/mYU81xysh1u7XcJk"],
    auth_events: ["$acR1l0raoZnm60CBwAVgqbZqoO/mYU81xysh1u7XcJk"],
    depth: 3,
    origin_server_ts: 1700000000000,
    ...extra,
  };
}

const build = (extra: Partial<EventTemplate>) => buildEvent(template(extra), V10, "example.org", KEY);

test("an ordinary event keeps to the size limits", async () => {
  assert.equal(eventSizeProblem(await build({}), V10), undefined);
});

test("type and state_key: 255 bytes of UTF-8 pass, 256 do not (bytes, not characters)", async () => {
  assert.equal(eventSizeProblem(await build({ type: "t".repeat(255) }), V10), undefined);
  assert.match(eventSizeProblem(await build({ type: "t".repeat(256) }), V10) ?? "", /'type'/);
  // 128 two-byte characters are 256 bytes although only 128 characters.
  assert.match(eventSizeProblem(await build({ type: "é".repeat(128) }), V10) ?? "", /'type'/);
  assert.equal(eventSizeProblem(await build({ type: "m.custom", state_key: "k".repeat(255), content: {} }), V10), undefined);
  assert.match(eventSizeProblem(await build({ type: "m.custom", state_key: "é".repeat(128), content: {} }), V10) ?? "", /'state_key'/);
});

test("the whole event is measured in the federation format: just over 65,536 bytes is refused", async () => {
  const small = await build({ content: { body: "" } });
  const wireBytes = new TextEncoder().encode(canonicalJson(toWireFormat(small, V10))).length;
  // The hash and signature keep their length, so a body of `room` bytes makes exactly 65,536.
  const room = 65536 - wireBytes;
  assert.equal(eventSizeProblem(await build({ content: { body: "x".repeat(room) } }), V10), undefined);
  assert.match(eventSizeProblem(await build({ content: { body: "x".repeat(room + 1) } }), V10) ?? "", /65536 bytes/);
});
