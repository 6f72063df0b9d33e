/** The m.room.power_levels rule of every room version, and v12 creators. */
import { describe, test } from "node:test";
import type { RuleId } from "../../../protocol/authRules/index.js";
import type { JsonObject } from "../../../protocol/json.js";
import type { RoomVersion } from "../../../protocol/roomVersions.js";
import type { RoomOptions } from "./authRulesHelpers.js";
import { ALICE, ALL_VERSIONS, BOB, CAROL, DAVE, TestRoom, expectResult, pl } from "./authRulesHelpers.js";

interface Case {
  name: string;
  applies?: (v: RoomVersion) => boolean;
  room?: RoomOptions;
  setup?: (room: TestRoom) => void;
  sender?: string;
  content: (room: TestRoom) => JsonObject;
  expect: (v: RoomVersion) => "allow" | RuleId;
}

const always =
  (r: "allow" | RuleId) =>
  (): "allow" | RuleId =>
    r;
const v12 = (v: RoomVersion): boolean => v.privilegedCreators;

/** BOB is a moderator at 50 who may send power levels; CAROL is another 50; DAVE a user at 0. */
function moderated(r: TestRoom, rest: JsonObject = {}, users: Record<string, number> = {}): void {
  r.join(BOB);
  r.join(CAROL);
  r.join(DAVE);
  r.setPowerLevels(pl(r, { [BOB]: 50, [CAROL]: 50, ...users }, { events: { "m.room.power_levels": 50 }, ...rest }));
}
const modPl = (r: TestRoom, rest: JsonObject = {}, users: Record<string, number> = {}): JsonObject =>
  pl(r, { [BOB]: 50, [CAROL]: 50, ...users }, { events: { "m.room.power_levels": 50 }, ...rest });

const cases: Case[] = [
  // ---- validation -------------------------------------------------------------------------
  {
    name: "users that is not an object is refused",
    content: () => ({ users: [ALICE] }),
    expect: always("power_levels.users_invalid"),
  },
  {
    name: "users keyed by something that is not a user ID is refused",
    content: (r) => ({ ...pl(r, {}), users: { ...(pl(r, {}).users as JsonObject), bob: 10 } }),
    expect: always("power_levels.users_invalid"),
  },
  {
    name: "users value that is not a number is refused",
    content: (r) => ({ users: { ...(pl(r, {}).users as JsonObject), [BOB]: "lots" } }),
    expect: always("power_levels.users_invalid"),
  },
  {
    name: "users value as an integer string: accepted in v1–9, refused from v10",
    content: (r) => ({ users: { ...(pl(r, {}).users as JsonObject), [BOB]: " +010 " } }),
    expect: (v) => (v.integerPowerLevels ? "power_levels.users_invalid" : "allow"),
  },
  {
    name: "users value as a float: accepted (truncated) in v1–5, refused from v6",
    content: (r) => ({ users: { ...(pl(r, {}).users as JsonObject), [BOB]: 50.57 } }),
    expect: (v) => (v.strictCanonicalJson ? "power_levels.users_invalid" : "allow"),
  },
  {
    name: "a missing users object is fine (the sender may drop their own entry)",
    content: () => ({ ban: 50 }),
    expect: always("allow"),
  },
  {
    name: "ban as a string: accepted in v9, refused in v10+ (.1)",
    content: (r) => pl(r, {}, { ban: "50" }),
    expect: (v) => (v.integerPowerLevels ? "power_levels.non_integer" : "allow"),
  },
  {
    name: "state_default null is refused in v10+ (.1)",
    applies: (v) => v.integerPowerLevels,
    content: (r) => pl(r, {}, { state_default: null }),
    expect: always("power_levels.non_integer"),
  },
  {
    name: "events value as a string: accepted in v1–9, refused in v10+ (.2)",
    content: (r) => pl(r, {}, { events: { "m.room.name": "50" } }),
    expect: (v) => (v.integerPowerLevels ? "power_levels.events_invalid" : "allow"),
  },
  {
    name: "notifications value as a string: accepted in v1–9, refused in v10+ (.2)",
    content: (r) => pl(r, {}, { notifications: { room: "50" } }),
    expect: (v) => (v.integerPowerLevels ? "power_levels.events_invalid" : "allow"),
  },
  {
    name: "events that is not an object: refused in v10+ (.2), malformed before",
    content: (r) => pl(r, {}, { events: 50 }),
    expect: (v) => (v.integerPowerLevels ? "power_levels.events_invalid" : "power_levels.malformed"),
  },
  {
    name: "a non-numeric ban: refused in v10+ (.1), malformed before",
    content: (r) => pl(r, {}, { ban: "fifty" }),
    expect: (v) => (v.integerPowerLevels ? "power_levels.non_integer" : "power_levels.malformed"),
  },
  {
    name: "changing a level from \"50\" to 50 is no change (v1–9)",
    applies: (v) => !v.integerPowerLevels,
    setup: (r) => moderated(r, { kick: "75" }),
    sender: BOB,
    content: (r) => modPl(r, { kick: 75 }),
    expect: always("allow"),
  },

  // ---- v12 creators ------------------------------------------------------------------------
  {
    name: "v12: the creator listed in users is refused",
    applies: v12,
    content: () => ({ users: { [ALICE]: 100 } }),
    expect: always("power_levels.creator_in_users"),
  },
  {
    name: "v12: an additional creator listed in users is refused",
    applies: v12,
    room: { createContent: { additional_creators: [CAROL] } },
    content: () => ({ users: { [CAROL]: 100 } }),
    expect: always("power_levels.creator_in_users"),
  },
  {
    name: "v12: a moderator cannot demote the creator by listing them",
    applies: v12,
    setup: (r) => moderated(r),
    sender: BOB,
    content: (r) => ({ ...modPl(r), users: { ...(modPl(r).users as JsonObject), [ALICE]: 0 } }),
    expect: always("power_levels.creator_in_users"),
  },
  {
    name: "the creator sets any level, however high (100 before v12, infinite in v12)",
    setup: (r) => moderated(r),
    content: (r) => modPl(r, { ban: 100, state_default: 100 }, { [DAVE]: 100 }),
    expect: always("allow"),
  },
  {
    name: "v12: the creator's infinite power allows levels above 100",
    applies: v12,
    setup: (r) => moderated(r),
    content: (r) => modPl(r, { ban: 1_000_000 }, { [DAVE]: 1_000_000 }),
    expect: always("allow"),
  },
  {
    name: "before v12: the creator (100) cannot set levels above 100",
    applies: (v) => !v12(v),
    setup: (r) => moderated(r),
    content: (r) => modPl(r, {}, { [DAVE]: 101 }),
    expect: always("power_levels.users_new_too_high"),
  },

  // ---- first power levels -------------------------------------------------------------------
  {
    name: "the first power levels event may set anything (no previous)",
    room: { bare: true },
    setup: (r) => r.join(ALICE),
    content: (r) => pl(r, { [BOB]: 1_000 }, { ban: 1_000 }),
    expect: always("allow"),
  },

  // ---- top-level levels ---------------------------------------------------------------------
  {
    name: "a moderator lowers ban from 50 to 40",
    setup: (r) => moderated(r),
    sender: BOB,
    content: (r) => modPl(r, { ban: 40 }),
    expect: always("allow"),
  },
  {
    name: "a moderator cannot change a level above their own",
    setup: (r) => moderated(r, { kick: 75 }),
    sender: BOB,
    content: (r) => modPl(r, { kick: 50 }),
    expect: always("power_levels.level_current_too_high"),
  },
  {
    name: "a moderator cannot remove a level above their own",
    setup: (r) => moderated(r, { redact: 75 }),
    sender: BOB,
    content: (r) => modPl(r),
    expect: always("power_levels.level_current_too_high"),
  },
  {
    name: "a moderator cannot raise a level above their own",
    setup: (r) => moderated(r),
    sender: BOB,
    content: (r) => modPl(r, { ban: 60 }),
    expect: always("power_levels.level_new_too_high"),
  },
  {
    name: "a moderator cannot add a level above their own",
    setup: (r) => moderated(r),
    sender: BOB,
    content: (r) => modPl(r, { invite: 60 }),
    expect: always("power_levels.level_new_too_high"),
  },
  {
    name: "a moderator adds a level within their own",
    setup: (r) => moderated(r),
    sender: BOB,
    content: (r) => modPl(r, { invite: 10 }),
    expect: always("allow"),
  },
  {
    name: "an unchanged level above the moderator's own is fine",
    setup: (r) => moderated(r, { kick: 75 }),
    sender: BOB,
    content: (r) => modPl(r, { kick: 75, ban: 40 }),
    expect: always("allow"),
  },

  // ---- events and notifications --------------------------------------------------------------
  {
    name: "a moderator cannot change an event level above their own",
    setup: (r) => moderated(r, { events: { "m.room.power_levels": 50, "m.room.name": 75 } }),
    sender: BOB,
    content: (r) => modPl(r, { events: { "m.room.power_levels": 50, "m.room.name": 50 } }),
    expect: always("power_levels.events_current_too_high"),
  },
  {
    name: "a moderator cannot remove an event level above their own",
    setup: (r) => moderated(r, { events: { "m.room.power_levels": 50, "m.room.name": 75 } }),
    sender: BOB,
    content: (r) => modPl(r),
    expect: always("power_levels.events_current_too_high"),
  },
  {
    name: "a moderator cannot add an event level above their own",
    setup: (r) => moderated(r),
    sender: BOB,
    content: (r) => modPl(r, { events: { "m.room.power_levels": 50, "m.room.topic": 60 } }),
    expect: always("power_levels.events_new_too_high"),
  },
  {
    name: "a moderator adds an event level within their own",
    setup: (r) => moderated(r),
    sender: BOB,
    content: (r) => modPl(r, { events: { "m.room.power_levels": 50, "m.room.topic": 50 } }),
    expect: always("allow"),
  },
  {
    name: "notifications above the sender: protected from v6, free before",
    setup: (r) => moderated(r, { notifications: { room: 75 } }),
    sender: BOB,
    content: (r) => modPl(r, { notifications: { room: 0 } }),
    expect: (v) => (v.limitNotificationsPowerLevels ? "power_levels.events_current_too_high" : "allow"),
  },
  {
    name: "raising notifications above the sender: refused from v6, free before",
    setup: (r) => moderated(r),
    sender: BOB,
    content: (r) => modPl(r, { notifications: { room: 60 } }),
    expect: (v) => (v.limitNotificationsPowerLevels ? "power_levels.events_new_too_high" : "allow"),
  },

  // ---- users --------------------------------------------------------------------------------
  {
    name: "self-demotion is allowed",
    setup: (r) => moderated(r),
    sender: BOB,
    content: (r) => modPl(r, {}, { [BOB]: 10 }),
    expect: always("allow"),
  },
  {
    name: "removing one's own entry is allowed",
    setup: (r) => moderated(r),
    sender: BOB,
    content: (r) => {
      const c = modPl(r);
      delete (c.users as JsonObject)[BOB];
      return c;
    },
    expect: always("allow"),
  },
  {
    name: "raising someone to one's own level is allowed",
    setup: (r) => moderated(r),
    sender: BOB,
    content: (r) => modPl(r, {}, { [DAVE]: 50 }),
    expect: always("allow"),
  },
  {
    name: "raising someone above one's own level is refused",
    setup: (r) => moderated(r),
    sender: BOB,
    content: (r) => modPl(r, {}, { [DAVE]: 51 }),
    expect: always("power_levels.users_new_too_high"),
  },
  {
    name: "raising oneself is refused",
    setup: (r) => moderated(r),
    sender: BOB,
    content: (r) => modPl(r, {}, { [BOB]: 60 }),
    expect: always("power_levels.users_new_too_high"),
  },
  {
    name: "demoting a peer at the same level is refused",
    setup: (r) => moderated(r),
    sender: BOB,
    content: (r) => modPl(r, {}, { [CAROL]: 0 }),
    expect: always("power_levels.users_current_too_high"),
  },
  {
    name: "removing a peer's entry is refused",
    setup: (r) => moderated(r),
    sender: BOB,
    content: (r) => {
      const c = modPl(r);
      delete (c.users as JsonObject)[CAROL];
      return c;
    },
    expect: always("power_levels.users_current_too_high"),
  },
  {
    name: "demoting a higher user is refused",
    applies: (v) => !v12(v),
    setup: (r) => moderated(r),
    sender: BOB,
    content: (r) => modPl(r, {}, { [ALICE]: 0 }),
    expect: always("power_levels.users_current_too_high"),
  },
  {
    name: "demoting a lower user is allowed",
    setup: (r) => moderated(r, {}, { [DAVE]: 20 }),
    sender: BOB,
    content: (r) => modPl(r, {}, { [DAVE]: 0 }),
    expect: always("allow"),
  },
  {
    name: "a user at 0 cannot send power levels at all (required level 50)",
    setup: (r) => moderated(r),
    sender: DAVE,
    content: (r) => modPl(r),
    expect: always("required_power_level"),
  },
];

for (const v of ALL_VERSIONS) {
  describe(`room v${v.id}: m.room.power_levels`, () => {
    for (const c of cases) {
      if (c.applies && !c.applies(v)) continue;
      test(c.name, () => {
        const room = new TestRoom(v.id, c.room);
        c.setup?.(room);
        const result = room.check({
          type: "m.room.power_levels",
          sender: c.sender ?? ALICE,
          state_key: "",
          content: c.content(room),
        });
        expectResult(result, c.expect(v), v);
      });
    }
  });
}
