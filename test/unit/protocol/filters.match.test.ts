import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  eventMatchesFilter,
  filterEvents,
  filterLimit,
  limitEvents,
  roomMatchesFilter,
  typeMatches,
  type FilterableEvent,
} from "../../../protocol/filters/index.js";

const ev = (type: string, sender = "@bob:x", room_id = "!r:x", content: unknown = {}): FilterableEvent => ({
  type,
  sender,
  room_id,
  content,
});

describe("typeMatches (the * wildcard)", () => {
  it("matches literally without a wildcard, case-sensitively", () => {
    assert.equal(typeMatches("m.room.message", "m.room.message"), true);
    assert.equal(typeMatches("m.room.message", "m.room.messages"), false);
    assert.equal(typeMatches("m.room.message", "M.ROOM.MESSAGE"), false);
  });

  it("* matches any sequence, including an empty one, anywhere in the pattern", () => {
    assert.equal(typeMatches("*", ""), true);
    assert.equal(typeMatches("*", "anything"), true);
    assert.equal(typeMatches("m.room.*", "m.room.member"), true);
    assert.equal(typeMatches("m.room.*", "m.room."), true);
    assert.equal(typeMatches("m.room.*", "m.roomy"), false);
    assert.equal(typeMatches("*.member", "m.room.member"), true);
    assert.equal(typeMatches("m.*.member", "m.room.member"), true);
    assert.equal(typeMatches("m.*.*r", "m.room.member"), true);
    assert.equal(typeMatches("a*a", "a"), false, "prefix and suffix must not overlap");
    assert.equal(typeMatches("a*b*c", "acb"), false);
    assert.equal(typeMatches("a*b*c", "abbc"), true);
    assert.equal(typeMatches("m.room.?", "m.room.x"), false, "? is not a wildcard in filters");
    assert.equal(typeMatches("m.room.?", "m.room.?"), true);
  });
});

describe("eventMatchesFilter", () => {
  it("no filter, or an empty one, lets everything through", () => {
    assert.equal(eventMatchesFilter(ev("m.room.message"), undefined), true);
    assert.equal(eventMatchesFilter(ev("m.room.message"), {}), true);
  });

  it("types / not_types, with not_types winning", () => {
    const filter = { types: ["m.room.*"], not_types: ["m.room.member"] };
    assert.equal(eventMatchesFilter(ev("m.room.message"), filter), true);
    assert.equal(eventMatchesFilter(ev("m.room.member"), filter), false);
    assert.equal(eventMatchesFilter(ev("m.reaction"), filter), false);
    assert.equal(eventMatchesFilter(ev("m.room.message"), { types: [] }), false, "an empty list includes nothing");
    assert.equal(eventMatchesFilter(ev("m.room.message"), { not_types: ["*"] }), false);
  });

  it("senders / not_senders, with not_senders winning", () => {
    const filter = { senders: ["@bob:x", "@spam:x"], not_senders: ["@spam:x"] };
    assert.equal(eventMatchesFilter(ev("t", "@bob:x"), filter), true);
    assert.equal(eventMatchesFilter(ev("t", "@spam:x"), filter), false);
    assert.equal(eventMatchesFilter(ev("t", "@carol:x"), filter), false);
  });

  it("rooms / not_rooms, with not_rooms winning", () => {
    const filter = { rooms: ["!a:x", "!b:x"], not_rooms: ["!b:x"] };
    assert.equal(eventMatchesFilter(ev("t", "@bob:x", "!a:x"), filter), true);
    assert.equal(eventMatchesFilter(ev("t", "@bob:x", "!b:x"), filter), false);
    assert.equal(eventMatchesFilter(ev("t", "@bob:x", "!c:x"), filter), false);
    assert.equal(roomMatchesFilter("!a:x", filter), true);
    assert.equal(roomMatchesFilter("!b:x", filter), false);
    assert.equal(roomMatchesFilter("!c:x", undefined), true);
  });

  it("ignores sender and room criteria for events without them (ephemeral events)", () => {
    const typing: FilterableEvent = { type: "m.typing", content: { user_ids: [] } };
    assert.equal(eventMatchesFilter(typing, { senders: ["@bob:x"], rooms: ["!a:x"], types: ["m.typing"] }), true);
    assert.equal(eventMatchesFilter(typing, { types: ["m.receipt"] }), false);
  });

  it("contains_url true keeps only events with content.url; false keeps only those without", () => {
    const image = ev("m.room.message", "@bob:x", "!r:x", { msgtype: "m.image", url: "mxc://x/y" });
    const text = ev("m.room.message", "@bob:x", "!r:x", { msgtype: "m.text", body: "url" });
    assert.equal(eventMatchesFilter(image, { contains_url: true }), true);
    assert.equal(eventMatchesFilter(text, { contains_url: true }), false);
    assert.equal(eventMatchesFilter(image, { contains_url: false }), false);
    assert.equal(eventMatchesFilter(text, { contains_url: false }), true);
    assert.equal(eventMatchesFilter({ type: "t" }, { contains_url: true }), false, "no content at all");
  });

  it("filterEvents keeps order", () => {
    const events = [ev("a"), ev("m.room.member"), ev("b"), ev("m.room.message")];
    assert.deepEqual(
      filterEvents(events, { types: ["m.room.*"] }).map((e) => e.type),
      ["m.room.member", "m.room.message"],
    );
    assert.notEqual(filterEvents(events, undefined), events, "a new array even without a filter");
  });
});

describe("limits", () => {
  const policy = { defaultLimit: 10, maxLimit: 100 };

  it("uses the filter's limit, the default, and caps at the maximum", () => {
    assert.equal(filterLimit(undefined, policy), 10);
    assert.equal(filterLimit({}, policy), 10);
    assert.equal(filterLimit({ limit: 3 }, policy), 3);
    assert.equal(filterLimit({ limit: 1000 }, policy), 100);
    assert.equal(filterLimit({ limit: 0 }, policy), 10, "invalid limits fall back to the default");
  });

  it("keeps the newest events for a timeline and flags the gap", () => {
    assert.deepEqual(limitEvents([1, 2, 3, 4], 2, "newest"), { events: [3, 4], limited: true });
    assert.deepEqual(limitEvents([1, 2, 3, 4], 2, "oldest"), { events: [1, 2], limited: true });
    assert.deepEqual(limitEvents([1, 2], 2, "newest"), { events: [1, 2], limited: false });
  });
});
