/** protocol/roomUpgrade.ts: what a room upgrade copies and how it changes power levels (spec: Room Upgrades). */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  stateToTransfer,
  upgradedCreateContent,
  upgradedPowerLevels,
  restrictedOldRoomPowerLevels,
  splitCanonicalAlias,
  fixupPowerLevels,
  directWithReplacement,
} from "../../../protocol/roomUpgrade.js";
import { getRoomVersion, type RoomVersion } from "../../../protocol/roomVersions.js";
import type { StateContent } from "../../../protocol/roomUpgrade.js";

const v = (id: string): RoomVersion => {
  const r = getRoomVersion(id);
  assert.ok(r);
  return r;
};

test("the spec's recommended state is transferred; members, tombstones and custom state are not", () => {
  const state: StateContent[] = [
    { type: "m.room.name", state_key: "", content: { name: "n" } },
    { type: "m.room.topic", state_key: "", content: { topic: "t" } },
    { type: "m.room.join_rules", state_key: "", content: { join_rule: "invite" } },
    { type: "m.room.history_visibility", state_key: "", content: { history_visibility: "shared" } },
    { type: "m.room.guest_access", state_key: "", content: { guest_access: "forbidden" } },
    { type: "m.room.avatar", state_key: "", content: { url: "mxc://x/y" } },
    { type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } },
    { type: "m.room.server_acl", state_key: "", content: { allow: ["*"] } },
    { type: "m.room.member", state_key: "@a:x", content: { membership: "join" } },
    { type: "m.room.power_levels", state_key: "", content: {} },
    { type: "m.room.create", state_key: "", content: {} },
    { type: "org.example.custom", state_key: "", content: { a: 1 } },
    { type: "m.room.name", state_key: "odd", content: { name: "not the room name" } },
    { type: "m.space.child", state_key: "!c:x", content: { via: ["x"] } },
  ];
  const got = stateToTransfer(state, undefined).map((s) => s.type);
  assert.deepEqual(got, [
    "m.room.name",
    "m.room.topic",
    "m.room.join_rules",
    "m.room.history_visibility",
    "m.room.guest_access",
    "m.room.avatar",
    "m.room.encryption",
    "m.room.server_acl",
  ]);
});

test("a space keeps its live children, not removed ones", () => {
  const state: StateContent[] = [
    { type: "m.space.child", state_key: "!live:x", content: { via: ["x"] } },
    { type: "m.space.child", state_key: "!gone:x", content: {} },
  ];
  assert.deepEqual(stateToTransfer(state, "m.space").map((s) => s.state_key), ["!live:x"]);
});

test("the create event names its predecessor and keeps type and m.federate", () => {
  const c = upgradedCreateContent({ type: "m.space", "m.federate": false, creator: "@old:x" }, "!old:x", "$last", v("10"), "@up:x", ["@b:x"]);
  assert.deepEqual(c, { room_version: "10", predecessor: { room_id: "!old:x", event_id: "$last" }, creator: "@up:x", type: "m.space", "m.federate": false });
});

test("v11+ create content has no creator; v12 takes the requested additional creators, not the upgrader twice", () => {
  assert.deepEqual(upgradedCreateContent({}, "!old:x", "$e", v("11"), "@up:x", ["@b:x"]), { room_version: "11", predecessor: { room_id: "!old:x", event_id: "$e" } });
  assert.deepEqual(upgradedCreateContent({}, "!old:x", undefined, v("12"), "@up:x", ["@b:x", "@up:x", "@b:x"]), {
    room_version: "12",
    predecessor: { room_id: "!old:x" },
    additional_creators: ["@b:x"],
  });
});

test("pre-v12: the upgrader is raised to the highest state level while the room is set up, then the old levels return", () => {
  const old = { users: { "@up:x": 50, "@a:x": 100 }, state_default: 50, events: { "m.room.tombstone": 50, "m.room.power_levels": 100 }, ban: 50 };
  const pl = upgradedPowerLevels(old, v("10"), v("10"), "@up:x", ["@up:x"]);
  assert.deepEqual(pl.final.users, { "@up:x": 50, "@a:x": 100 });
  assert.deepEqual(pl.initial.users, { "@up:x": 100, "@a:x": 100 });
});

test("pre-v12: an upgrader already powerful enough gets the old levels unchanged", () => {
  const old = { users: { "@up:x": 100 }, events: { "m.room.power_levels": 100 } };
  const pl = upgradedPowerLevels(old, v("9"), v("10"), "@up:x", ["@up:x"]);
  assert.deepEqual(pl.initial, pl.final);
  assert.deepEqual(pl.final, old);
});

test("to v12: creators are taken out of users (they have infinite power)", () => {
  const old = { users: { "@up:x": 100, "@b:x": 100, "@c:x": 50 }, events: {} };
  const pl = upgradedPowerLevels(old, v("10"), v("12"), "@up:x", ["@up:x", "@b:x"]);
  assert.deepEqual(pl.final.users, { "@c:x": 50 });
  assert.deepEqual(pl.initial, pl.final);
});

test("from v12 to an older version: the upgrader keeps creator-like power (100)", () => {
  const old = { users: { "@c:x": 50 }, events: { "m.room.tombstone": 150 } };
  const pl = upgradedPowerLevels(old, v("12"), v("11"), "@up:x", ["@up:x"]);
  assert.deepEqual(pl.final.users, { "@c:x": 50, "@up:x": 150 });
});

test("string power levels of old versions become integers", () => {
  assert.deepEqual(fixupPowerLevels({ users: { "@a:x": "100", "@b:x": true }, ban: "50", kick: 3.7, custom: "kept" }, v("1")), {
    users: { "@a:x": 100 },
    ban: 50,
    kick: 3,
    custom: "kept",
  });
});

test("the old room: events_default and invite go up to max(50, users_default + 1)", () => {
  assert.deepEqual(restrictedOldRoomPowerLevels({ users_default: 0, events_default: 0, invite: 0, ban: 50 }, v("10")), { users_default: 0, events_default: 50, invite: 50, ban: 50 });
  assert.deepEqual(restrictedOldRoomPowerLevels({ users_default: 70 }, v("10")), { users_default: 70, events_default: 71, invite: 71 });
  assert.equal(restrictedOldRoomPowerLevels({ events_default: 60, invite: 50 }, v("10")), undefined);
  assert.deepEqual(restrictedOldRoomPowerLevels(undefined, v("10")), { events_default: 50, invite: 50 });
});

test("the canonical alias: local aliases move to the new room, remote ones stay", () => {
  const isLocal = (a: string) => a.endsWith(":here");
  assert.deepEqual(splitCanonicalAlias({ alias: "#a:here", alt_aliases: ["#b:here", "#c:there"] }, isLocal), {
    old: { alt_aliases: ["#c:there"] },
    new: { alias: "#a:here", alt_aliases: ["#b:here"] },
  });
  assert.deepEqual(splitCanonicalAlias({ alias: "#a:there", alt_aliases: ["#b:here"] }, isLocal), { old: { alias: "#a:there" }, new: { alt_aliases: ["#b:here"] } });
});

test("m.direct lists the replacement room wherever the old room was", () => {
  assert.deepEqual(directWithReplacement({ "@b:x": ["!old:x", "!other:x"], "@c:x": ["!other:x"] }, "!old:x", "!new:x"), {
    "@b:x": ["!old:x", "!other:x", "!new:x"],
    "@c:x": ["!other:x"],
  });
  assert.equal(directWithReplacement({ "@b:x": ["!other:x"] }, "!old:x", "!new:x"), undefined);
  assert.equal(directWithReplacement({ "@b:x": ["!old:x", "!new:x"] }, "!old:x", "!new:x"), undefined);
});
