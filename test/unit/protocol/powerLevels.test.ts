/** protocol/powerLevels.ts: parsing with defaults, user/event/notification levels, permission helpers. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  POWER_LEVEL_DEFAULTS,
  canBan,
  canInvite,
  canKick,
  canNotify,
  canRedact,
  canSendEvent,
  canUnban,
  eventPowerLevel,
  notificationPowerLevel,
  parsePowerLevelValue,
  parsePowerLevels,
  powerStateOf,
  roomCreators,
  userPowerLevel,
} from "../../../protocol/powerLevels.js";
import type { PowerState } from "../../../protocol/powerLevels.js";
import type { JsonObject } from "../../../protocol/json.js";
import { ALICE, ALL_VERSIONS, BOB, CAROL, DAVE, TestRoom, version } from "./authRulesHelpers.js";

const v1 = version("1");
const v6 = version("6");
const v9 = version("9");
const v10 = version("10");
const v11 = version("11");
const v12 = version("12");

describe("parsePowerLevelValue", () => {
  test("integers are read in every version", () => {
    for (const v of ALL_VERSIONS) {
      assert.equal(parsePowerLevelValue(50, v), 50);
      assert.equal(parsePowerLevelValue(-10, v), -10);
      assert.equal(parsePowerLevelValue(0, v), 0);
    }
  });
  test("integer strings are read in v1–9 (whitespace, sign, leading zeros) and refused from v10", () => {
    for (const s of ["100", "000100", "+100", " 100 ", " +0100 "]) {
      assert.equal(parsePowerLevelValue(s, v9), 100, s);
      assert.equal(parsePowerLevelValue(s, v10), undefined, s);
    }
    assert.equal(parsePowerLevelValue("-100", v1), -100);
    assert.equal(Object.is(parsePowerLevelValue("-0", v1), 0), true, "no negative zero");
  });
  test("non-integer strings are never levels", () => {
    for (const s of ["", "fifty", "50.5", "5e1", "1 0", "--1", "0x10"]) assert.equal(parsePowerLevelValue(s, v1), undefined, s);
  });
  test("floats are truncated in v1–5 and refused from v6", () => {
    assert.equal(parsePowerLevelValue(50.57, v1), 50);
    assert.equal(parsePowerLevelValue(51146.98, v1), 51146);
    assert.equal(parsePowerLevelValue(-0.5, v1), 0);
    assert.equal(parsePowerLevelValue(50.57, v6), undefined);
  });
  test("NaN, infinities and non-numbers are never levels", () => {
    for (const x of [Number.NaN, Infinity, -Infinity, null, true, [], {}, undefined]) {
      assert.equal(parsePowerLevelValue(x as never, v1), undefined, String(x));
    }
  });
});

describe("parsePowerLevels", () => {
  test("spec defaults when keys are missing", () => {
    const pl = parsePowerLevels({}, v11);
    assert.equal(pl.usersDefault, 0);
    assert.equal(pl.eventsDefault, 0);
    assert.equal(pl.stateDefault, 50);
    assert.equal(pl.ban, 50);
    assert.equal(pl.kick, 50);
    assert.equal(pl.redact, 50);
    assert.equal(pl.invite, 0);
    assert.equal(notificationPowerLevel("room", pl), 50);
    assert.equal(pl.users.size, 0);
    assert.equal(pl.events.size, 0);
  });
  test("no power levels event gives the same defaults (state_default 50)", () => {
    assert.deepEqual(parsePowerLevels(undefined, v11), parsePowerLevels({}, v11));
  });
  test("values are read as the room version allows", () => {
    const content: JsonObject = { ban: "75", users: { [BOB]: "20", [CAROL]: 30.9 }, events: { "m.room.name": "60" }, notifications: { room: "10" } };
    const old = parsePowerLevels(content, v1);
    assert.equal(old.ban, 75);
    assert.equal(old.users.get(BOB), 20);
    assert.equal(old.users.get(CAROL), 30);
    assert.equal(old.events.get("m.room.name"), 60);
    assert.equal(notificationPowerLevel("room", old), 10);
    const strict = parsePowerLevels(content, v10);
    assert.equal(strict.ban, 50, "unreadable values take the default");
    assert.equal(strict.users.has(BOB), false);
    assert.equal(strict.events.has("m.room.name"), false);
  });
  test("malformed maps are ignored", () => {
    const pl = parsePowerLevels({ users: [BOB], events: "x", notifications: 3 }, v11);
    assert.equal(pl.users.size + pl.events.size + pl.notifications.size, 0);
  });
  test("POWER_LEVEL_DEFAULTS match the spec", () => {
    assert.deepEqual(
      { ...POWER_LEVEL_DEFAULTS },
      { usersDefault: 0, eventsDefault: 0, stateDefault: 50, ban: 50, kick: 50, redact: 50, invite: 0, notification: 50 },
    );
  });
});

describe("eventPowerLevel and notificationPowerLevel", () => {
  const pl = parsePowerLevels({ events: { "m.room.name": 70, "m.room.message": 5 }, state_default: 40, events_default: 2, notifications: { room: 20 } }, v11);
  test("events[type] wins", () => {
    assert.equal(eventPowerLevel("m.room.name", true, pl), 70);
    assert.equal(eventPowerLevel("m.room.message", false, pl), 5);
  });
  test("otherwise state_default for state, events_default for the rest", () => {
    assert.equal(eventPowerLevel("m.room.topic", true, pl), 40);
    assert.equal(eventPowerLevel("m.reaction", false, pl), 2);
  });
  test("notifications: listed keys, else 50", () => {
    assert.equal(notificationPowerLevel("room", pl), 20);
    assert.equal(notificationPowerLevel("other", pl), 50);
  });
});

describe("roomCreators", () => {
  test("v1–10: content.creator", () => {
    const room = new TestRoom("10", { bare: true, createContent: { creator: CAROL } });
    assert.deepEqual(roomCreators(room.create, room.version), [CAROL]);
  });
  test("v11: the create sender, additional_creators ignored", () => {
    const room = new TestRoom("11", { bare: true, createContent: { additional_creators: [BOB] } });
    assert.deepEqual(roomCreators(room.create, room.version), [ALICE]);
  });
  test("v12: the create sender plus additional_creators", () => {
    const room = new TestRoom("12", { bare: true, createContent: { additional_creators: [BOB, CAROL] } });
    assert.deepEqual(roomCreators(room.create, room.version), [ALICE, BOB, CAROL]);
  });
  test("no create event, no creators", () => {
    assert.deepEqual(roomCreators(undefined, v12), []);
  });
});

describe("userPowerLevel", () => {
  test("without power levels: the creator has 100 before v12, infinite in v12; others 0", () => {
    for (const v of ALL_VERSIONS) {
      const room = new TestRoom(v.id, { bare: true });
      const state: PowerState = { create: room.create };
      assert.equal(userPowerLevel(ALICE, state, v), v.privilegedCreators ? Infinity : 100, `v${v.id}`);
      assert.equal(userPowerLevel(BOB, state, v), 0, `v${v.id}`);
    }
  });
  test("with power levels: users, else users_default; the creator gets nothing special before v12", () => {
    for (const v of [v1, v9, v11]) {
      const room = new TestRoom(v.id);
      room.force({ type: "m.room.power_levels", sender: ALICE, state_key: "", content: { users: { [BOB]: 30 }, users_default: 5 } });
      const state = powerStateOf(room.state);
      assert.equal(userPowerLevel(BOB, state, v), 30);
      assert.equal(userPowerLevel(CAROL, state, v), 5);
      assert.equal(userPowerLevel(ALICE, state, v), 5, "not listed, so users_default");
    }
  });
  test("v12: creators and additional creators are infinite whatever the power levels say", () => {
    const room = new TestRoom("12", { createContent: { additional_creators: [DAVE] }, powerLevels: { users: { [BOB]: 30 }, users_default: 5 } });
    const state = powerStateOf(room.state);
    assert.equal(userPowerLevel(ALICE, state, v12), Infinity);
    assert.equal(userPowerLevel(DAVE, state, v12), Infinity);
    assert.equal(userPowerLevel(BOB, state, v12), 30);
    assert.equal(userPowerLevel(CAROL, state, v12), 5);
  });
});

describe("permission helpers", () => {
  const room = new TestRoom("11", {
    powerLevels: {
      users: { [ALICE]: 100, [BOB]: 50, [CAROL]: 50 },
      events: { "m.room.redaction": 10, "m.room.name": 60 },
      invite: 20,
      kick: 40,
      ban: 60,
      notifications: { room: 50 },
    },
  });
  const state = powerStateOf(room.state);
  test("canSendEvent", () => {
    assert.equal(canSendEvent(BOB, "m.room.topic", true, state, v11), true);
    assert.equal(canSendEvent(BOB, "m.room.name", true, state, v11), false);
    assert.equal(canSendEvent(DAVE, "m.room.message", false, state, v11), true);
    assert.equal(canSendEvent(DAVE, "m.room.topic", true, state, v11), false);
  });
  test("canInvite", () => {
    assert.equal(canInvite(BOB, state, v11), true);
    assert.equal(canInvite(DAVE, state, v11), false);
  });
  test("canKick: kick level and strictly more power", () => {
    assert.equal(canKick(BOB, DAVE, state, v11), true);
    assert.equal(canKick(BOB, CAROL, state, v11), false, "equal power");
    assert.equal(canKick(BOB, ALICE, state, v11), false, "higher power");
    assert.equal(canKick(DAVE, DAVE, state, v11), false);
  });
  test("canBan: ban level and strictly more power", () => {
    assert.equal(canBan(BOB, DAVE, state, v11), false, "below ban level");
    assert.equal(canBan(ALICE, BOB, state, v11), true);
  });
  test("canUnban: ban and kick level", () => {
    assert.equal(canUnban(ALICE, BOB, state, v11), true);
    assert.equal(canUnban(BOB, DAVE, state, v11), false);
  });
  test("canRedact: own events with the redaction level, others' also need redact", () => {
    assert.equal(canRedact(BOB, BOB, state, v11), true);
    assert.equal(canRedact(BOB, DAVE, state, v11), true, "50 >= redact 50");
    assert.equal(canRedact(DAVE, DAVE, state, v11), false, "below m.room.redaction level 10");
    const lowRedaction = powerStateOf(new TestRoom("11", { powerLevels: { users: { [ALICE]: 100 } } }).state);
    assert.equal(canRedact(DAVE, DAVE, lowRedaction, v11), true);
    assert.equal(canRedact(DAVE, ALICE, lowRedaction, v11), false);
  });
  test("canNotify", () => {
    assert.equal(canNotify(BOB, "room", state, v11), true);
    assert.equal(canNotify(DAVE, "room", state, v11), false);
  });
  test("v12 creators can do anything, including kicking a user at a huge level", () => {
    const r = new TestRoom("12", { powerLevels: { users: { [BOB]: 1_000_000 } } });
    const s = powerStateOf(r.state);
    assert.equal(canKick(ALICE, BOB, s, v12), true);
    assert.equal(canBan(BOB, ALICE, s, v12), false);
    assert.equal(canSendEvent(ALICE, "m.room.tombstone", true, s, v12), true);
  });
});
