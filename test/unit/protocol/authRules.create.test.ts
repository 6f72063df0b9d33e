/** Rule 1 (m.room.create), v12 rule 2 (room ID = create event), the create event in the auth state, m.federate. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { authorizeEvent } from "../../../protocol/authRules/index.js";
import type { RuleId } from "../../../protocol/authRules/index.js";
import { stateKey } from "../../../protocol/pdu.js";
import type { JsonObject } from "../../../protocol/json.js";
import type { RoomVersion } from "../../../protocol/roomVersions.js";
import { ALICE, ALL_VERSIONS, BOB, TestRoom, expectResult } from "./authRulesHelpers.js";

interface CreateCase {
  name: string;
  applies?: (v: RoomVersion) => boolean;
  content?: (v: RoomVersion) => JsonObject;
  sender?: string;
  prevEvents?: string[];
  /** room_id: "own" = the room's, "foreign" = on another server, "none" = absent. */
  roomId?: "own" | "foreign" | "none";
  expect: (v: RoomVersion) => "allow" | RuleId;
}

const v12 = (v: RoomVersion): boolean => v.roomIdIsCreateEventHash;
const withCreator = (v: RoomVersion, extra: JsonObject = {}): JsonObject =>
  v.v11EventFormat ? { room_version: v.id, ...extra } : { room_version: v.id, creator: ALICE, ...extra };

const createCases: CreateCase[] = [
  { name: "a well-formed create event is allowed", expect: () => "allow" },
  { name: "1.1 create with prev_events is refused", prevEvents: ["$earlier"], expect: () => "create.has_prev_events" },
  {
    name: "1.2 create whose room ID is on another server than the sender is refused",
    applies: (v) => !v12(v),
    roomId: "foreign",
    expect: () => "create.room_id_domain_mismatch",
  },
  {
    name: "1.2 create without a room ID is refused before v12",
    applies: (v) => !v12(v),
    roomId: "none",
    expect: () => "create.room_id_domain_mismatch",
  },
  {
    name: "1.2 (v12) create with a room_id is refused",
    applies: v12,
    roomId: "own",
    expect: () => "create.has_room_id",
  },
  {
    name: "1.3 unknown room_version is refused",
    content: (v) => withCreator(v, { room_version: "99" }),
    expect: () => "create.unknown_room_version",
  },
  {
    name: "1.3 non-string room_version is refused",
    content: (v) => withCreator(v, { room_version: 1 }),
    expect: () => "create.unknown_room_version",
  },
  {
    name: "1.3 a missing room_version is fine",
    content: (v): JsonObject => (v.v11EventFormat ? {} : { creator: ALICE }),
    expect: () => "allow",
  },
  {
    name: "1.4 create without creator: refused in v1–10, fine from v11",
    content: (v) => ({ room_version: v.id }),
    expect: (v) => (v.v11EventFormat ? "allow" : "create.missing_creator"),
  },
  {
    name: "v12 additional_creators with valid user IDs (incl. historical localparts) is allowed",
    content: (v) => withCreator(v, { additional_creators: [BOB, "@Old Style:example.org"] }),
    expect: () => "allow",
  },
  {
    name: "1.4 additional_creators that is not an array: refused in v12, ignored before",
    content: (v) => withCreator(v, { additional_creators: BOB }),
    expect: (v) => (v12(v) ? "create.invalid_additional_creators" : "allow"),
  },
  {
    name: "1.4 additional_creators with a non-user-ID: refused in v12, ignored before",
    content: (v) => withCreator(v, { additional_creators: [BOB, "bob"] }),
    expect: (v) => (v12(v) ? "create.invalid_additional_creators" : "allow"),
  },
  {
    name: "1.4 additional_creators with a non-string: refused in v12",
    content: (v) => withCreator(v, { additional_creators: [42] }),
    expect: (v) => (v12(v) ? "create.invalid_additional_creators" : "allow"),
  },
  {
    name: "1.4 additional_creators with a bad server name: refused in v12",
    content: (v) => withCreator(v, { additional_creators: ["@bob:bad server"] }),
    expect: (v) => (v12(v) ? "create.invalid_additional_creators" : "allow"),
  },
];

for (const v of ALL_VERSIONS) {
  describe(`room v${v.id}: m.room.create`, () => {
    for (const c of createCases) {
      if (c.applies && !c.applies(v)) continue;
      test(c.name, () => {
        const room = new TestRoom(v.id, { bare: true });
        const sender = c.sender ?? ALICE;
        const roomId =
          c.roomId === "foreign" ? "!elsewhere:b.test" : c.roomId === "none" ? null : c.roomId === "own" ? "!own:a.test" : v12(v) ? null : room.roomId;
        const event = room.pdu(
          { type: "m.room.create", sender, state_key: "", content: c.content ? c.content(v) : withCreator(v), room_id: roomId },
          undefined,
          c.prevEvents ?? [],
        );
        expectResult(authorizeEvent(event, new Map(), v), c.expect(v), v);
      });
    }
  });

  describe(`room v${v.id}: the create event behind every other event`, () => {
    test("an event with no m.room.create in the auth state is refused", () => {
      const room = new TestRoom(v.id);
      const state = new Map(room.state);
      state.delete(stateKey("m.room.create", ""));
      const event = room.pdu({ type: "m.room.message", sender: ALICE, content: { body: "hi" } });
      expectResult(authorizeEvent(event, state, v), v12(v) ? "room_id.not_create_event" : "auth_events.missing_create", v);
    });

    test("an event of another room than the create event is refused", () => {
      const room = new TestRoom(v.id);
      const other = new TestRoom(v.id);
      const event = other.pdu({ type: "m.room.message", sender: ALICE, content: { body: "hi" } });
      expectResult(
        authorizeEvent(event, room.state, v),
        v12(v) ? "room_id.not_create_event" : "auth_events.room_id_mismatch",
        v,
      );
    });

    if (v12(v)) {
      test("v12 rule 2: the room ID must be the create event ID with ! for $", () => {
        const room = new TestRoom(v.id);
        assert.equal(room.roomId, `!${room.create.event_id.slice(1)}`);
        expectResult(room.check({ type: "m.room.message", sender: ALICE, content: { body: "ok" } }), "allow");
        expectResult(
          room.check({ type: "m.room.message", sender: ALICE, content: {}, room_id: `$${room.roomId.slice(1)}` }),
          "room_id.not_create_event",
          v,
        );
      });
    }
  });

  describe(`room v${v.id}: m.federate`, () => {
    test("m.federate false refuses events from other servers", () => {
      const room = new TestRoom(v.id, { createContent: { "m.federate": false } });
      expectResult(
        room.check({ type: "m.room.member", sender: BOB, state_key: BOB, content: { membership: "join" } }),
        "federate.foreign_server",
        v,
      );
    });
    test("m.federate false still admits users of the creator's server", () => {
      const room = new TestRoom(v.id, { createContent: { "m.federate": false } });
      const local = "@zoe:a.test";
      expectResult(room.check({ type: "m.room.member", sender: local, state_key: local, content: { membership: "join" } }), "allow");
    });
    test("m.federate true (or absent) admits other servers", () => {
      const room = new TestRoom(v.id, { createContent: { "m.federate": true } });
      expectResult(room.check({ type: "m.room.member", sender: BOB, state_key: BOB, content: { membership: "join" } }), "allow");
    });
  });
}
