import { test } from "node:test";
import assert from "node:assert/strict";
import type { JsonObject } from "../../../protocol/json.js";
import type { PDU } from "../../../protocol/pdu.js";
import { redact } from "../../../protocol/redact.js";
import { getRoomVersion, ROOM_VERSIONS } from "../../../protocol/roomVersions.js";

const v = (id: string) => getRoomVersion(id)!;

const envelope = {
  event_id: "$e:example.org",
  room_id: "!r:example.org",
  sender: "@a:example.org",
  state_key: "",
  hashes: { sha256: "h" },
  signatures: { "example.org": { "ed25519:1": "s" } },
  depth: 5,
  prev_events: ["$p"],
  auth_events: ["$q"],
  origin: "example.org",
  origin_server_ts: 1,
  membership: "join",
  prev_state: [],
  unsigned: { age: 1 },
  extra_key: "dropped",
  age_ts: 5,
};

function event(type: string, content: JsonObject): JsonObject {
  return { ...envelope, type, content };
}

test("room versions map to the right redaction algorithm", () => {
  const expected: Record<string, string> = {
    "1": "v1", "2": "v1", "3": "v1", "4": "v1", "5": "v1",
    "6": "v6", "7": "v6", "8": "v8", "9": "v9", "10": "v9", "11": "v11", "12": "v11",
  };
  for (const [id, version] of ROOM_VERSIONS) assert.equal(version.redaction, expected[id], `room version ${id}`);
});

test("top-level keys: v1–v10 keep origin, membership, prev_state; v11 drops them; unsigned and unknown keys go", () => {
  for (const [id, version] of ROOM_VERSIONS) {
    const out = redact(event("m.room.message", { body: "x" }), version);
    const keys = Object.keys(out).sort();
    const common = ["auth_events", "content", "depth", "event_id", "hashes", "origin_server_ts", "prev_events",
      "room_id", "sender", "signatures", "state_key", "type"];
    const expected = version.redaction === "v11" ? common : [...common, "membership", "origin", "prev_state"].sort();
    assert.deepEqual(keys, expected.sort(), `room version ${id}`);
    assert.deepEqual(out.content, {});
  }
});

// type → content → expected kept content per algorithm.
const member = {
  membership: "join",
  displayname: "Alice",
  avatar_url: "mxc://x/y",
  join_authorised_via_users_server: "@b:example.org",
  third_party_invite: { display_name: "alice", signed: { mxid: "@a:example.org", token: "t", signatures: {} } },
};
const create = { creator: "@a:example.org", room_version: "9", "m.federate": false, predecessor: { room_id: "!old:x" } };
const joinRules = { join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: "!x:y" }], other: 1 };
const powerLevels = {
  ban: 50, events: { "m.room.name": 50 }, events_default: 0, kick: 50, redact: 50, state_default: 50,
  users: { "@a:example.org": 100 }, users_default: 0, invite: 0, notifications: { room: 50 }, historical: 100,
};
const cases: Array<[string, JsonObject, Record<string, JsonObject>]> = [
  ["m.room.member", member, {
    v1: { membership: "join" },
    v6: { membership: "join" },
    v8: { membership: "join" },
    v9: { membership: "join", join_authorised_via_users_server: "@b:example.org" },
    v11: {
      membership: "join",
      join_authorised_via_users_server: "@b:example.org",
      third_party_invite: { signed: { mxid: "@a:example.org", token: "t", signatures: {} } },
    },
  }],
  ["m.room.create", create, {
    v1: { creator: "@a:example.org" }, v6: { creator: "@a:example.org" }, v8: { creator: "@a:example.org" },
    v9: { creator: "@a:example.org" }, v11: create,
  }],
  ["m.room.join_rules", joinRules, {
    v1: { join_rule: "restricted" }, v6: { join_rule: "restricted" },
    v8: { join_rule: "restricted", allow: joinRules.allow }, v9: { join_rule: "restricted", allow: joinRules.allow },
    v11: { join_rule: "restricted", allow: joinRules.allow },
  }],
  ["m.room.power_levels", powerLevels, (() => {
    const { invite: _i, notifications: _n, historical: _h, ...old } = powerLevels;
    const { notifications: _n2, historical: _h2, ...v11 } = powerLevels;
    return { v1: old, v6: old, v8: old, v9: old, v11 };
  })()],
  ["m.room.aliases", { aliases: ["#a:example.org"], other: 1 }, {
    v1: { aliases: ["#a:example.org"] }, v6: {}, v8: {}, v9: {}, v11: {},
  }],
  ["m.room.history_visibility", { history_visibility: "shared", other: 1 }, {
    v1: { history_visibility: "shared" }, v6: { history_visibility: "shared" }, v8: { history_visibility: "shared" },
    v9: { history_visibility: "shared" }, v11: { history_visibility: "shared" },
  }],
  ["m.room.redaction", { redacts: "$x", reason: "spam" }, { v1: {}, v6: {}, v8: {}, v9: {}, v11: { redacts: "$x" } }],
  ["m.room.message", { msgtype: "m.text", body: "hi" }, { v1: {}, v6: {}, v8: {}, v9: {}, v11: {} }],
  ["m.room.topic", { topic: "secret" }, { v1: {}, v6: {}, v8: {}, v9: {}, v11: {} }],
];

for (const [type, content, expectations] of cases) {
  test(`content of ${type} in every room version`, () => {
    for (const [id, version] of ROOM_VERSIONS) {
      assert.deepEqual(redact(event(type, content), version).content, expectations[version.redaction], `room version ${id}`);
    }
  });
}

test("v11 member: third_party_invite without `signed` is dropped entirely", () => {
  const out = redact(event("m.room.member", { membership: "invite", third_party_invite: { display_name: "x" } }), v("11"));
  assert.deepEqual(out.content, { membership: "invite" });
  const notObject = redact(event("m.room.member", { membership: "invite", third_party_invite: "x" }), v("11"));
  assert.deepEqual(notObject.content, { membership: "invite" });
});

test("top-level redacts is not protected in any version (v11 keeps content.redacts)", () => {
  const e = { ...event("m.room.redaction", { redacts: "$x" }), redacts: "$x" };
  assert.equal(redact(e, v("10")).redacts, undefined);
  assert.equal(redact(e, v("11")).redacts, undefined);
  assert.deepEqual(redact(e, v("11")).content, { redacts: "$x" });
});

test("malformed content becomes {}; the input is not modified; redaction is idempotent", () => {
  assert.deepEqual(redact({ ...envelope, type: "m.room.member", content: "x" } as unknown as JsonObject, v("9")).content, {});
  assert.deepEqual(redact({ type: "m.room.member" }, v("9")), { type: "m.room.member", content: {} });
  const input = event("m.room.member", member);
  const copy = structuredClone(input);
  const once = redact(input, v("11"));
  assert.deepEqual(input, copy);
  for (const [, version] of ROOM_VERSIONS) {
    const r = redact(input, version);
    assert.deepEqual(redact(r, version), r);
  }
  assert.notEqual(once.content, input.content);
});

test("__proto__ in v11 create content stays an ordinary key", () => {
  const content = JSON.parse('{"__proto__": {"polluted": true}, "room_version": "11"}') as JsonObject;
  const out = redact(event("m.room.create", content), v("11"));
  assert.deepEqual(Object.keys(out.content as JsonObject), ["__proto__", "room_version"]);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test("a PDU stays a PDU", () => {
  const pdu: PDU = {
    event_id: "$x", room_id: "!r:x", sender: "@a:x", type: "m.room.message", content: { body: "hi" },
    origin_server_ts: 1, depth: 1, prev_events: [], auth_events: [], hashes: { sha256: "h" }, signatures: {},
    unsigned: { age: 1 },
  };
  const out: PDU = redact(pdu, v("12"));
  assert.deepEqual(out, {
    event_id: "$x", room_id: "!r:x", sender: "@a:x", type: "m.room.message", content: {},
    origin_server_ts: 1, depth: 1, prev_events: [], auth_events: [], hashes: { sha256: "h" }, signatures: {},
  });
});
