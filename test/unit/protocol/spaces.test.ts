/** protocol/spaceChildren.ts (the spec's child ordering) and protocol/hierarchyAccess.ts. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spaceChildrenOf, isLiveSpaceChild } from "../../../protocol/spaceChildren.js";
import { hierarchyAccess } from "../../../protocol/hierarchyAccess.js";
import type { JsonObject } from "../../../protocol/json.js";

const child = (roomId: string, ts: number, content: JsonObject): JsonObject => ({ type: "m.space.child", state_key: roomId, sender: "@a:x", origin_server_ts: ts, content });

test("children are ordered as the spec's example: order keys by code point, then timestamps", () => {
  const events = [
    child("!b:example.org", 1640341000000, { order: " ", via: ["example.org"] }),
    child("!a:example.org", 1640141000000, { order: "aaaa", via: ["example.org"] }),
    child("!c:example.org", 1640841000000, { order: "first", via: ["example.org"] }),
    child("!e:example.org", 1640641000000, { via: ["example.org"] }),
    child("!d:example.org", 1640741000000, { via: ["example.org"] }),
  ];
  assert.deepEqual(
    spaceChildrenOf(events, false).map((c) => c.roomId),
    ["!b:example.org", "!a:example.org", "!c:example.org", "!e:example.org", "!d:example.org"],
  );
});

test("equal order or timestamp falls back to room ID; invalid order keys count as none", () => {
  const events = [
    child("!z:x", 5, { order: "same", via: ["x"] }),
    child("!y:x", 9, { order: "same", via: ["x"] }),
    child("!q:x", 1, { order: "x".repeat(51), via: ["x"] }),
    child("!p:x", 1, { order: "tab\there", via: ["x"] }),
  ];
  assert.deepEqual(spaceChildrenOf(events, false).map((c) => c.roomId), ["!z:x", "!y:x", "!p:x", "!q:x"]);
});

test("children without a via are removed ones; suggested_only keeps suggested: true", () => {
  assert.equal(isLiveSpaceChild(child("!a:x", 1, {})), false);
  assert.equal(isLiveSpaceChild(child("!a:x", 1, { via: [] })), false);
  assert.equal(isLiveSpaceChild(child("not-a-room", 1, { via: ["x"] })), false);
  const events = [child("!a:x", 1, { via: ["x"], suggested: true }), child("!b:x", 2, { via: ["x"], suggested: "yes" }), child("!c:x", 3, {})];
  assert.deepEqual(spaceChildrenOf(events, false).map((c) => c.roomId), ["!a:x", "!b:x"]);
  assert.deepEqual(spaceChildrenOf(events, true).map((c) => c.roomId), ["!a:x"]);
});

test("hierarchy visibility follows membership, join rule, history visibility and room version", () => {
  const room = (join_rule: string, world_readable = false, room_version?: string) => ({ join_rule, world_readable, room_version });
  assert.equal(hierarchyAccess(room("invite"), "join"), "yes");
  assert.equal(hierarchyAccess(room("invite"), "invite"), "yes");
  assert.equal(hierarchyAccess(room("invite"), "leave"), "no");
  assert.equal(hierarchyAccess(room("invite", true), "leave"), "yes");
  assert.equal(hierarchyAccess(room("public"), "leave"), "yes");
  assert.equal(hierarchyAccess(room("public"), "ban"), "no");
  assert.equal(hierarchyAccess(room("knock", false, "7"), "leave"), "yes");
  assert.equal(hierarchyAccess(room("knock", false, "6"), "leave"), "no");
  assert.equal(hierarchyAccess(room("knock_restricted", false, "10"), "leave"), "yes");
  assert.equal(hierarchyAccess(room("restricted", false, "9"), "leave"), "if-in-allowed-room");
  assert.equal(hierarchyAccess(room("restricted", false, "7"), "leave"), "no");
  assert.equal(hierarchyAccess(room("restricted"), "leave"), "if-in-allowed-room");
  assert.equal(hierarchyAccess(room("private"), "leave"), "no");
});
