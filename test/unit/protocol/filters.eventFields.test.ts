import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyEventFields } from "../../../protocol/filters/index.js";

const event = {
  event_id: "$e",
  type: "m.room.message",
  sender: "@bob:x",
  room_id: "!r:x",
  origin_server_ts: 1,
  content: {
    msgtype: "m.text",
    body: "hello",
    "m.relates_to": { rel_type: "m.thread", event_id: "$root" },
    "m\\foo": 1,
    list: [{ a: 1 }],
  },
  unsigned: { age: 5 },
};

describe("applyEventFields", () => {
  it("without event_fields returns the event unchanged", () => {
    assert.equal(applyEventFields(event, undefined), event);
  });

  it("keeps the listed top-level fields (the spec's example)", () => {
    assert.deepEqual(applyEventFields(event, ["type", "content", "sender"]), {
      type: event.type,
      content: event.content,
      sender: event.sender,
    });
  });

  it("keeps nested fields, merging shared parents", () => {
    assert.deepEqual(applyEventFields(event, ["content.body", "content.msgtype", "event_id"]), {
      content: { body: "hello", msgtype: "m.text" },
      event_id: "$e",
    });
  });

  it("follows the escaping of dots and backslashes in property names", () => {
    assert.deepEqual(applyEventFields(event, ["content.m\\.relates_to.rel_type"]), {
      content: { "m.relates_to": { rel_type: "m.thread" } },
    });
    assert.deepEqual(applyEventFields(event, ["content.m\\\\foo"]), { content: { "m\\foo": 1 } });
    assert.deepEqual(applyEventFields(event, ["content.m.relates_to"]), {}, "an unescaped dot is a path step");
  });

  it("a whole object and one of its fields together give the whole object, in either order", () => {
    assert.deepEqual(applyEventFields(event, ["content", "content.body"]), { content: event.content });
    assert.deepEqual(applyEventFields(event, ["content.body", "content"]), { content: event.content });
  });

  it("skips missing paths and paths through non-objects", () => {
    assert.deepEqual(applyEventFields(event, ["nope", "content.body.length", "content.list.0", "state_key"]), {});
    assert.deepEqual(applyEventFields(event, []), {}, "a present empty list includes nothing");
  });

  it("copies values, so changing the result leaves the event alone", () => {
    const result = applyEventFields(event, ["content"]) as { content: { list: { a: number }[] } };
    result.content.list[0].a = 99;
    assert.equal(event.content.list[0].a, 1);
  });

  it("does not pollute prototypes", () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "content": {"__proto__": {"x": 1}}}') as object;
    const result = applyEventFields(hostile, ["__proto__.polluted", "content.__proto__.x", "constructor.name"]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
    assert.deepEqual(Object.keys(result), ["__proto__", "content"]);
    assert.deepEqual(JSON.parse(JSON.stringify(result)), JSON.parse('{"__proto__": {"polluted": true}, "content": {"__proto__": {"x": 1}}}'));
  });
});
