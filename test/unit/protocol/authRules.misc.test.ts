/**
 * The remaining rules: m.room.aliases (v1–5), membership for everything else, m.room.third_party_invite,
 * required power level, user-owned state keys, redactions (v1–2 rule 11; v3+ handling), the auth
 * events selection and list checks, and the spec's rule numbers per version.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  authEventTypes,
  authorizeEvent,
  checkAuthEventsList,
  redactionTakesEffect,
  redactsOf,
  ruleNumber,
  selectAuthEvents,
} from "../../../protocol/authRules/index.js";
import type { RuleId } from "../../../protocol/authRules/index.js";
import type { PDU } from "../../../protocol/pdu.js";
import { stateKey } from "../../../protocol/pdu.js";
import { powerStateOf } from "../../../protocol/powerLevels.js";
import type { RoomVersion } from "../../../protocol/roomVersions.js";
import type { EventSpec, RoomOptions } from "./authRulesHelpers.js";
import { ALICE, ALL_VERSIONS, BOB, CAROL, TestRoom, expectResult, identityServerKey, pl, version } from "./authRulesHelpers.js";

interface Case {
  name: string;
  applies?: (v: RoomVersion) => boolean;
  room?: RoomOptions;
  setup?: (room: TestRoom) => void;
  event: (room: TestRoom) => EventSpec;
  expect: (v: RoomVersion) => "allow" | RuleId;
}
const always =
  (r: "allow" | RuleId) =>
  (): "allow" | RuleId =>
    r;
const msg = (sender: string, body = "hi"): EventSpec => ({ type: "m.room.message", sender, content: { msgtype: "m.text", body } });

const cases: Case[] = [
  // ---- m.room.aliases ----------------------------------------------------------------------
  {
    name: "aliases: v1–5 let any user of the server set its aliases, member or not; v6+ need membership",
    event: () => ({ type: "m.room.aliases", sender: BOB, state_key: "b.test", content: { aliases: ["#x:b.test"] } }),
    expect: (v) => (v.specialCaseAliasesAuth ? "allow" : "sender_not_joined"),
  },
  {
    name: "aliases: v1–5 refuse aliases of another server; v6+ judge them as ordinary state",
    setup: (r) => r.join(BOB),
    event: () => ({ type: "m.room.aliases", sender: BOB, state_key: "a.test", content: { aliases: [] } }),
    expect: (v) => (v.specialCaseAliasesAuth ? "aliases.domain_mismatch" : "required_power_level"),
  },
  {
    name: "aliases: v1–5 refuse aliases without state_key",
    applies: (v) => v.specialCaseAliasesAuth,
    event: () => ({ type: "m.room.aliases", sender: BOB, content: { aliases: [] } }),
    expect: always("aliases.no_state_key"),
  },
  {
    name: "aliases: v6+ let a member with state power set them",
    applies: (v) => !v.specialCaseAliasesAuth,
    event: () => ({ type: "m.room.aliases", sender: ALICE, state_key: "a.test", content: { aliases: [] } }),
    expect: always("allow"),
  },

  // ---- membership for everything else ------------------------------------------------------
  {
    name: "a joined member may send a message",
    setup: (r) => r.join(BOB),
    event: () => msg(BOB),
    expect: always("allow"),
  },
  {
    name: "a non-member cannot send a message",
    event: () => msg(BOB),
    expect: always("sender_not_joined"),
  },
  {
    name: "an invited user cannot send a message",
    setup: (r) => r.invite(ALICE, BOB),
    event: () => msg(BOB),
    expect: always("sender_not_joined"),
  },
  {
    name: "a user who left cannot send a message",
    setup: (r) => {
      r.join(BOB);
      r.send({ type: "m.room.member", sender: BOB, state_key: BOB, content: { membership: "leave" } });
    },
    event: () => msg(BOB),
    expect: always("sender_not_joined"),
  },
  {
    name: "a banned user cannot send a message",
    setup: (r) => {
      r.join(BOB);
      r.ban(ALICE, BOB);
    },
    event: () => msg(BOB),
    expect: always("sender_not_joined"),
  },

  // ---- m.room.third_party_invite -----------------------------------------------------------
  {
    name: "third_party_invite: a member at the invite level may issue one",
    setup: (r) => r.join(BOB),
    event: () => ({ type: "m.room.third_party_invite", sender: BOB, state_key: "t", content: { public_key: identityServerKey(1).publicKey } }),
    expect: always("allow"),
  },
  {
    name: "third_party_invite: a member below the invite level may not",
    setup: (r) => {
      r.join(BOB);
      r.setPowerLevels(pl(r, {}, { invite: 50 }));
    },
    event: () => ({ type: "m.room.third_party_invite", sender: BOB, state_key: "t", content: {} }),
    expect: always("third_party_invite.insufficient_power"),
  },
  {
    name: "third_party_invite: a non-member may not",
    event: () => ({ type: "m.room.third_party_invite", sender: BOB, state_key: "t", content: {} }),
    expect: always("sender_not_joined"),
  },
  {
    name: "third_party_invite: not subject to state_default (only the invite level counts)",
    setup: (r) => {
      r.join(BOB);
      r.setPowerLevels(pl(r, {}, { state_default: 100 }));
    },
    event: () => ({ type: "m.room.third_party_invite", sender: BOB, state_key: "t", content: {} }),
    expect: always("allow"),
  },

  // ---- required power level ----------------------------------------------------------------
  {
    name: "state below state_default is refused",
    setup: (r) => {
      r.join(BOB);
      r.setPowerLevels(pl(r, { [BOB]: 49 }));
    },
    event: () => ({ type: "m.room.name", sender: BOB, state_key: "", content: { name: "x" } }),
    expect: always("required_power_level"),
  },
  {
    name: "state at exactly state_default is allowed",
    setup: (r) => {
      r.join(BOB);
      r.setPowerLevels(pl(r, { [BOB]: 50 }));
    },
    event: () => ({ type: "m.room.name", sender: BOB, state_key: "", content: { name: "x" } }),
    expect: always("allow"),
  },
  {
    name: "events[type] overrides state_default",
    setup: (r) => {
      r.join(BOB);
      r.setPowerLevels(pl(r, {}, { events: { "m.room.topic": 0 } }));
    },
    event: () => ({ type: "m.room.topic", sender: BOB, state_key: "", content: { topic: "x" } }),
    expect: always("allow"),
  },
  {
    name: "events[type] overrides events_default for messages",
    setup: (r) => {
      r.join(BOB);
      r.setPowerLevels(pl(r, {}, { events: { "m.room.message": 10 } }));
    },
    event: () => msg(BOB),
    expect: always("required_power_level"),
  },
  {
    name: "events_default applies to messages",
    setup: (r) => {
      r.join(BOB);
      r.setPowerLevels(pl(r, {}, { events_default: 1 }));
    },
    event: () => msg(BOB),
    expect: always("required_power_level"),
  },
  {
    name: "users_default applies to unlisted users",
    setup: (r) => {
      r.join(BOB);
      r.setPowerLevels(pl(r, {}, { users_default: 50 }));
    },
    event: () => ({ type: "m.room.name", sender: BOB, state_key: "", content: { name: "x" } }),
    expect: always("allow"),
  },
  {
    name: "stringy events levels count in v1–9",
    applies: (v) => !v.integerPowerLevels,
    setup: (r) => {
      r.join(BOB);
      r.setPowerLevels(pl(r, { [BOB]: "20" as unknown as number }, { events: { "m.room.message": "30" } }));
    },
    event: () => msg(BOB),
    expect: always("required_power_level"),
  },
  {
    name: "without power levels: state_default is 50, so a member at 0 cannot set state",
    room: { bare: true },
    setup: (r) => {
      r.join(ALICE);
      r.setJoinRule("public");
      r.join(BOB);
    },
    event: () => ({ type: "m.room.name", sender: BOB, state_key: "", content: { name: "x" } }),
    expect: always("required_power_level"),
  },
  {
    name: "without power levels: a member at 0 may send messages",
    room: { bare: true },
    setup: (r) => {
      r.join(ALICE);
      r.setJoinRule("public");
      r.join(BOB);
    },
    event: () => msg(BOB),
    expect: always("allow"),
  },
  {
    name: "without power levels: the creator may set state",
    room: { bare: true },
    setup: (r) => r.join(ALICE),
    event: () => ({ type: "m.room.name", sender: ALICE, state_key: "", content: { name: "x" } }),
    expect: always("allow"),
  },
  {
    name: "without power levels: v12 additional creators may set state too",
    applies: (v) => v.privilegedCreators,
    room: { bare: true, createContent: { additional_creators: [BOB] } },
    setup: (r) => {
      r.join(ALICE);
      r.setJoinRule("public");
      r.join(BOB);
    },
    event: () => ({ type: "m.room.name", sender: BOB, state_key: "", content: { name: "x" } }),
    expect: always("allow"),
  },
  {
    name: "v12: an additional creator cannot ban the other creator (infinite is not below infinite)",
    applies: (v) => v.privilegedCreators,
    room: { createContent: { additional_creators: [BOB] } },
    setup: (r) => r.join(BOB),
    event: () => ({ type: "m.room.member", sender: BOB, state_key: ALICE, content: { membership: "ban" } }),
    expect: always("member.ban.insufficient_power"),
  },
  {
    name: "v12: a creator kicks anyone listed at any level",
    applies: (v) => v.privilegedCreators,
    setup: (r) => {
      r.join(BOB);
      r.setPowerLevels(pl(r, { [BOB]: 9_000_000 }));
    },
    event: () => ({ type: "m.room.member", sender: ALICE, state_key: BOB, content: { membership: "leave" } }),
    expect: always("allow"),
  },

  // ---- user-owned state keys ---------------------------------------------------------------
  {
    name: "a state key naming another user is refused",
    event: () => ({ type: "com.example.status", sender: ALICE, state_key: BOB, content: {} }),
    expect: always("state_key.user_id_mismatch"),
  },
  {
    name: "a state key naming the sender is fine",
    setup: (r) => {
      r.join(BOB);
      r.setPowerLevels(pl(r, {}, { events: { "com.example.status": 0 } }));
    },
    event: () => ({ type: "com.example.status", sender: BOB, state_key: BOB, content: {} }),
    expect: always("allow"),
  },

  // ---- redactions --------------------------------------------------------------------------
  {
    name: "redaction by a user below the redact level of another server's event: refused in v1–2, allowed from v3",
    setup: (r) => r.join(BOB),
    event: (r) => ({ type: "m.room.redaction", sender: BOB, redacts: r.version.eventIdFormat === "v1" ? "$orig:a.test" : "$orig", content: {} }),
    expect: (v) => (v.eventIdFormat === "v1" ? "redaction.insufficient_power" : "allow"),
  },
  {
    name: "redaction of an event from the redacting event's own server is allowed",
    setup: (r) => r.join(BOB),
    event: () => ({ type: "m.room.redaction", sender: BOB, redacts: "$orig:b.test", content: {} }),
    expect: always("allow"),
  },
  {
    name: "redaction by a user at the redact level is allowed",
    setup: (r) => r.join(BOB),
    event: () => ({ type: "m.room.redaction", sender: ALICE, redacts: "$orig:b.test", content: {} }),
    expect: always("allow"),
  },
  {
    name: "redaction needs the m.room.redaction event level",
    setup: (r) => {
      r.join(BOB);
      r.setPowerLevels(pl(r, {}, { events: { "m.room.redaction": 50 } }));
    },
    event: () => ({ type: "m.room.redaction", sender: BOB, redacts: "$orig:b.test", content: {} }),
    expect: always("required_power_level"),
  },
];

for (const v of ALL_VERSIONS) {
  describe(`room v${v.id}: other events`, () => {
    for (const c of cases) {
      if (c.applies && !c.applies(v)) continue;
      test(c.name, () => {
        const room = new TestRoom(v.id, c.room);
        c.setup?.(room);
        expectResult(room.check(c.event(room)), c.expect(v), v);
      });
    }
  });
}

// ---- handling redactions ------------------------------------------------------------------------

describe("handling redactions", () => {
  for (const v of ALL_VERSIONS) {
    test(`v${v.id}: redacts is read from content from v11, top level before`, () => {
      const room = new TestRoom(v.id);
      const r = room.pdu({ type: "m.room.redaction", sender: ALICE, content: { redacts: "$inContent" }, redacts: "$topLevel" });
      assert.equal(redactsOf(r, v), v.v11EventFormat ? "$inContent" : "$topLevel");
    });

    test(`v${v.id}: a redaction takes effect with redact power, or from the original's server`, () => {
      const room = new TestRoom(v.id);
      room.join(BOB);
      room.join(CAROL);
      const original = room.pdu({ ...msg(CAROL), event_id: v.eventIdFormat === "v1" ? "$orig:c.test" : "$orig" });
      const redaction = (sender: string, eventId?: string): PDU =>
        room.pdu({
          type: "m.room.redaction",
          sender,
          event_id: eventId,
          ...(v.v11EventFormat ? { content: { redacts: original.event_id } } : { content: {}, redacts: original.event_id }),
        });
      const power = powerStateOf(room.state);
      assert.equal(redactionTakesEffect(redaction(ALICE), original, power, v), true, "moderator");
      assert.equal(redactionTakesEffect(redaction(BOB, v.eventIdFormat === "v1" ? "$r:b.test" : undefined), original, power, v), false, "other user");
      assert.equal(redactionTakesEffect(redaction(CAROL, v.eventIdFormat === "v1" ? "$r:c.test" : undefined), original, power, v), true, "own server");
      const elsewhere = room.pdu({ ...msg(CAROL), room_id: "!other:a.test", event_id: original.event_id });
      assert.equal(redactionTakesEffect(redaction(ALICE), elsewhere, power, v), false, "other room");
    });
  }
});

// ---- auth events selection -----------------------------------------------------------------------

describe("auth events selection", () => {
  const sorted = (pairs: Array<[string, string]>): string[] => pairs.map(([t, k]) => `${t}|${k}`).sort();
  for (const v of ALL_VERSIONS) {
    const create = v.roomIdIsCreateEventHash ? [] : ["m.room.create|"];
    test(`v${v.id}: create event has no auth events`, () => {
      assert.deepEqual(authEventTypes({ type: "m.room.create", sender: ALICE, state_key: "", content: {} }, v), []);
    });
    test(`v${v.id}: a message cites create (before v12), power levels and the sender's membership`, () => {
      assert.deepEqual(
        sorted(authEventTypes({ type: "m.room.message", sender: BOB, content: {} }, v)),
        [...create, `m.room.member|${BOB}`, "m.room.power_levels|"].sort(),
      );
    });
    test(`v${v.id}: an invite cites the target and join rules`, () => {
      assert.deepEqual(
        sorted(authEventTypes({ type: "m.room.member", sender: ALICE, state_key: BOB, content: { membership: "invite" } }, v)),
        [...create, `m.room.member|${ALICE}`, `m.room.member|${BOB}`, "m.room.join_rules|", "m.room.power_levels|"].sort(),
      );
    });
    test(`v${v.id}: a third-party invite cites the m.room.third_party_invite of its token`, () => {
      const pairs = authEventTypes(
        {
          type: "m.room.member",
          sender: ALICE,
          state_key: BOB,
          content: { membership: "invite", third_party_invite: { signed: { mxid: BOB, token: "tok" } } },
        },
        v,
      );
      assert.ok(sorted(pairs).includes("m.room.third_party_invite|tok"));
    });
    test(`v${v.id}: a self-join cites the member event once, and join rules`, () => {
      assert.deepEqual(
        sorted(authEventTypes({ type: "m.room.member", sender: BOB, state_key: BOB, content: { membership: "join" } }, v)),
        [...create, `m.room.member|${BOB}`, "m.room.join_rules|", "m.room.power_levels|"].sort(),
      );
    });
    test(`v${v.id}: a leave does not cite join rules; a knock does`, () => {
      assert.ok(!sorted(authEventTypes({ type: "m.room.member", sender: BOB, state_key: BOB, content: { membership: "leave" } }, v)).includes("m.room.join_rules|"));
      assert.ok(sorted(authEventTypes({ type: "m.room.member", sender: BOB, state_key: BOB, content: { membership: "knock" } }, v)).includes("m.room.join_rules|"));
    });
    test(`v${v.id}: a restricted join cites the authorising user's membership from v8`, () => {
      const pairs = sorted(
        authEventTypes(
          { type: "m.room.member", sender: BOB, state_key: BOB, content: { membership: "join", join_authorised_via_users_server: ALICE } },
          v,
        ),
      );
      assert.equal(pairs.includes(`m.room.member|${ALICE}`), v.restrictedJoin);
    });
  }
});

describe("selecting the auth events of a new event from the room state", () => {
  for (const v of ALL_VERSIONS) {
    test(`v${v.id}: a self-join gets each cited event once, and nothing the room lacks`, () => {
      const room = new TestRoom(v.id);
      const join = { type: "m.room.member", sender: BOB, state_key: BOB, content: { membership: "join" } };
      const chosen = selectAuthEvents(join, room.state, v).map((e) => `${e.type}|${e.state_key}`);
      // BOB has no membership yet: it is not invented; create only before v12 (the room ID stands for it).
      assert.deepEqual(chosen.sort(), [...(v.roomIdIsCreateEventHash ? [] : ["m.room.create|"]), "m.room.join_rules|", "m.room.power_levels|"].sort());
      assert.equal(new Set(chosen).size, chosen.length);
    });
  }
});

// ---- the auth events list --------------------------------------------------------------------------

describe("checkAuthEventsList", () => {
  for (const v of ALL_VERSIONS) {
    /** A room where BOB joined, and a message from BOB with proper auth events. */
    const setup = (): { room: TestRoom; event: PDU; auth: PDU[] } => {
      const room = new TestRoom(v.id);
      room.join(BOB);
      const auth = authEventTypes({ type: "m.room.message", sender: BOB, content: {} }, v)
        .map(([t, k]) => room.state.get(stateKey(t, k)))
        .filter((e): e is PDU => e !== undefined);
      const event = room.pdu(msg(BOB));
      event.auth_events = auth.map((e) => e.event_id);
      return { room, event, auth };
    };

    test(`v${v.id}: the selected auth events pass`, () => {
      const { event, auth } = setup();
      expectResult(checkAuthEventsList(event, auth, v), "allow");
    });
    test(`v${v.id}: two events for one (type, state_key) are refused`, () => {
      const { room, event, auth } = setup();
      const second = room.pdu({ type: "m.room.power_levels", sender: ALICE, state_key: "", content: {} });
      event.auth_events.push(second.event_id);
      expectResult(checkAuthEventsList(event, [...auth, second], v), "auth_events.duplicate", v);
    });
    test(`v${v.id}: the same event cited twice is refused`, () => {
      const { event, auth } = setup();
      event.auth_events.push(event.auth_events[0]);
      expectResult(checkAuthEventsList(event, auth, v), "auth_events.duplicate", v);
    });
    test(`v${v.id}: an auth event the selection does not allow is refused`, () => {
      const { room, event, auth } = setup();
      const jr = room.state.get(stateKey("m.room.join_rules", "")) as PDU;
      event.auth_events.push(jr.event_id);
      expectResult(checkAuthEventsList(event, [...auth, jr], v), "auth_events.unexpected", v);
    });
    test(`v${v.id}: an event that is not among auth_events is refused`, () => {
      const { event, auth } = setup();
      event.auth_events = event.auth_events.slice(1);
      expectResult(checkAuthEventsList(event, auth, v), "auth_events.not_referenced", v);
    });
    test(`v${v.id}: the create event is required before v12 and forbidden in v12`, () => {
      const { room, event, auth } = setup();
      if (v.roomIdIsCreateEventHash) {
        event.auth_events.push(room.create.event_id);
        expectResult(checkAuthEventsList(event, [...auth, room.create], v), "auth_events.unexpected", v);
      } else {
        const withoutCreate = auth.filter((e) => e.type !== "m.room.create");
        event.auth_events = withoutCreate.map((e) => e.event_id);
        expectResult(checkAuthEventsList(event, withoutCreate, v), "auth_events.missing_create", v);
      }
    });
    test(`v${v.id}: an auth event from another room is refused`, () => {
      const { room, event, auth } = setup();
      const other = new TestRoom(v.id);
      const foreign = other.state.get(stateKey("m.room.power_levels", "")) as PDU;
      const replaced = auth.map((e) => (e.type === "m.room.power_levels" ? foreign : e));
      event.auth_events = replaced.map((e) => e.event_id);
      assert.ok(room);
      expectResult(checkAuthEventsList(event, replaced, v), "auth_events.room_id_mismatch", v);
    });
    test(`v${v.id}: the create event itself needs no auth events`, () => {
      const { room } = setup();
      expectResult(checkAuthEventsList(room.create, [], v), "allow");
    });
    test(`v${v.id}: the receive-path state from auth events authorises the event`, () => {
      const { room, event, auth } = setup();
      const state = new Map(auth.map((e) => [stateKey(e.type, e.state_key ?? ""), e] as const));
      if (v.roomIdIsCreateEventHash) state.set(stateKey("m.room.create", ""), room.create);
      expectResult(authorizeEvent(event, state, v), "allow");
    });
  }
});

// ---- rule numbers, checked against the text of rooms/vN.md -----------------------------------------

describe("rule numbers follow each version's numbering", () => {
  const expected: Array<[RuleId, Record<string, string>]> = [
    ["create.missing_creator", { "1": "1.4", "10": "1.4" }],
    ["create.invalid_additional_creators", { "12": "1.4" }],
    ["room_id.not_create_event", { "12": "2" }],
    ["auth_events.duplicate", { "1": "2.1", "11": "2.1", "12": "3.1" }],
    ["auth_events.room_id_mismatch", { "1": "2.5", "12": "3.5" }],
    ["federate.foreign_server", { "1": "3", "6": "3", "12": "4" }],
    ["aliases.domain_mismatch", { "1": "4.2", "5": "4.2" }],
    ["member.malformed", { "1": "5.1", "6": "4.1", "12": "5.1" }],
    ["member.authoriser_signature_missing", { "8": "4.2.1", "12": "5.2.1" }],
    ["member.join.sender_mismatch", { "1": "5.2.2", "3": "5.2.2", "6": "4.2.2", "7": "4.2.2", "8": "4.3.2", "11": "4.3.2", "12": "5.3.2" }],
    ["member.join.forbidden", { "1": "5.2.6", "7": "4.2.6", "8": "4.3.7", "12": "5.3.7" }],
    ["member.join.authoriser_invalid", { "8": "4.3.5.2", "10": "4.3.5.2", "12": "5.3.5.2" }],
    ["member.invite.tpi.bad_signature", { "1": "5.3.1.8", "6": "4.3.1.8", "8": "4.4.1.8", "12": "5.4.1.8" }],
    ["member.invite.insufficient_power", { "1": "5.3.5", "8": "4.4.5", "12": "5.4.5" }],
    ["member.leave.target_banned", { "1": "5.4.3", "7": "4.4.3", "8": "4.5.3", "12": "5.5.3" }],
    ["member.ban.insufficient_power", { "1": "5.5.3", "6": "4.5.3", "8": "4.6.3", "12": "5.6.3" }],
    ["member.knock.join_rule", { "7": "4.6.1", "8": "4.7.1", "12": "5.7.1" }],
    ["member.unknown_membership", { "1": "5.6", "6": "4.6", "7": "4.7", "8": "4.8", "12": "5.8" }],
    ["sender_not_joined", { "1": "6", "5": "6", "6": "5", "11": "5", "12": "6" }],
    ["third_party_invite.insufficient_power", { "1": "7.1", "6": "6.1", "12": "7.1" }],
    ["required_power_level", { "1": "8", "6": "7", "12": "8" }],
    ["state_key.user_id_mismatch", { "1": "9", "6": "8", "12": "9" }],
    ["power_levels.users_invalid", { "1": "10.1", "6": "9.1", "9": "9.1", "10": "9.3", "12": "10.3" }],
    ["power_levels.non_integer", { "10": "9.1", "12": "10.1" }],
    ["power_levels.events_invalid", { "10": "9.2", "12": "10.2" }],
    ["power_levels.creator_in_users", { "12": "10.4" }],
    ["power_levels.level_current_too_high", { "1": "10.3.1", "6": "9.3.1", "10": "9.5.1", "12": "10.6.1" }],
    ["power_levels.level_new_too_high", { "1": "10.3.2", "10": "9.5.2", "12": "10.6.2" }],
    ["power_levels.events_current_too_high", { "1": "10.4.1", "6": "9.4.1", "10": "9.6.1", "12": "10.7.1" }],
    ["power_levels.events_new_too_high", { "1": "10.5.1", "10": "9.7.1", "12": "10.8.1" }],
    ["power_levels.users_current_too_high", { "1": "10.6.1", "10": "9.8.1", "12": "10.9.1" }],
    ["power_levels.users_new_too_high", { "1": "10.7.1", "6": "9.7.1", "10": "9.9.1", "12": "10.10.1" }],
    ["redaction.insufficient_power", { "1": "11.3", "2": "11.3" }],
  ];
  for (const [id, byVersion] of expected) {
    test(id, () => {
      for (const [vid, number] of Object.entries(byVersion)) assert.equal(ruleNumber(id, version(vid)), number, `v${vid}`);
    });
  }
});
