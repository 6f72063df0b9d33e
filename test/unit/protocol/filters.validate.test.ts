import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FilterError, parseFilterJson, validateFilter } from "../../../protocol/filters/index.js";

function rejects(json: unknown, errcode: string, mentions?: string): void {
  assert.throws(
    () => validateFilter(json),
    (e: unknown) => {
      assert.ok(e instanceof FilterError, `expected FilterError, got ${String(e)}`);
      assert.equal(e.status, 400);
      assert.equal(e.errcode, errcode);
      if (mentions) assert.ok(e.message.includes(mentions), `message "${e.message}" should mention ${mentions}`);
      return true;
    },
  );
}

/** The request example of POST /user/{userId}/filter in filter.yaml. */
const specExample = {
  room: {
    state: { types: ["m.room.*"], not_rooms: ["!726s6s6q:example.com"] },
    timeline: {
      limit: 10,
      types: ["m.room.message"],
      not_rooms: ["!726s6s6q:example.com"],
      not_senders: ["@spam:example.com"],
    },
    ephemeral: {
      types: ["m.receipt", "m.typing"],
      not_rooms: ["!726s6s6q:example.com"],
      not_senders: ["@spam:example.com"],
    },
  },
  presence: { types: ["m.presence"], not_senders: ["@alice:example.com"] },
  event_format: "client",
  event_fields: ["type", "content", "sender"],
};

describe("validateFilter", () => {
  it("accepts the spec's example unchanged", () => {
    assert.deepEqual(validateFilter(specExample), specExample);
  });

  it("accepts an empty filter and every defined field", () => {
    assert.deepEqual(validateFilter({}), {});
    const full = {
      event_fields: ["content.body", "content.m\\.relates_to"],
      event_format: "federation",
      presence: { limit: 5, types: ["*"], not_types: [], senders: ["@a:x"], not_senders: ["@b:x"] },
      account_data: { types: ["m.direct"] },
      room: {
        rooms: ["!a:x"],
        not_rooms: ["!b:x"],
        include_leave: true,
        ephemeral: { types: ["m.typing"] },
        state: { lazy_load_members: true, include_redundant_members: false },
        timeline: { limit: 50, contains_url: true, unread_thread_notifications: true, rooms: ["!a:x"] },
        account_data: { not_types: ["m.fully_read"] },
      },
    };
    assert.deepEqual(validateFilter(full), full);
  });

  it("drops unknown keys and treats null as absent", () => {
    assert.deepEqual(
      validateFilter({ "org.example.future": 1, room: { timeline: { limit: 3, extra: true }, state: null }, presence: null }),
      { room: { timeline: { limit: 3 } } },
    );
  });

  it("rejects non-objects", () => {
    rejects(null, "M_BAD_JSON");
    rejects([], "M_BAD_JSON");
    rejects("{}", "M_BAD_JSON");
    rejects({ room: [] }, "M_BAD_JSON", "room");
    rejects({ room: { timeline: "all" } }, "M_BAD_JSON", "room.timeline");
    rejects({ presence: 1 }, "M_BAD_JSON", "presence");
  });

  it("rejects wrong types with M_BAD_JSON naming the field", () => {
    rejects({ event_fields: "content" }, "M_BAD_JSON", "event_fields");
    rejects({ event_fields: ["content", 1] }, "M_BAD_JSON", "event_fields");
    rejects({ event_format: 1 }, "M_BAD_JSON", "event_format");
    rejects({ room: { timeline: { limit: "10" } } }, "M_BAD_JSON", "room.timeline.limit");
    rejects({ room: { timeline: { limit: 2.5 } } }, "M_BAD_JSON", "room.timeline.limit");
    rejects({ room: { state: { types: "m.room.member" } } }, "M_BAD_JSON", "room.state.types");
    rejects({ room: { state: { lazy_load_members: "true" } } }, "M_BAD_JSON", "room.state.lazy_load_members");
    rejects({ room: { include_leave: 1 } }, "M_BAD_JSON", "room.include_leave");
    rejects({ room: { timeline: { contains_url: 0 } } }, "M_BAD_JSON", "contains_url");
    rejects({ presence: { not_senders: [null] } }, "M_BAD_JSON", "presence.not_senders");
  });

  it("rejects out-of-range values with M_INVALID_PARAM", () => {
    rejects({ event_format: "xml" }, "M_INVALID_PARAM", "event_format");
    rejects({ room: { timeline: { limit: 0 } } }, "M_INVALID_PARAM", "room.timeline.limit");
    rejects({ room: { timeline: { limit: -5 } } }, "M_INVALID_PARAM", "room.timeline.limit");
    rejects({ room: { rooms: ["#alias:x"] } }, "M_INVALID_PARAM", "room.rooms");
    rejects({ room: { timeline: { senders: ["bob"] } } }, "M_INVALID_PARAM", "room.timeline.senders");
  });

  it("parses inline filters, with M_NOT_JSON for text that is not JSON", () => {
    assert.deepEqual(parseFilterJson('{"room":{"timeline":{"limit":1}}}'), { room: { timeline: { limit: 1 } } });
    assert.throws(() => parseFilterJson("{room"), (e: unknown) => e instanceof FilterError && e.errcode === "M_NOT_JSON");
    assert.throws(() => parseFilterJson("[1]"), (e: unknown) => e instanceof FilterError && e.errcode === "M_BAD_JSON");
  });
});
