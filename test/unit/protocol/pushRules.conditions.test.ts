import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  conditionMatches,
  globMatchesWhole,
  globMatchesWords,
  lookupDotSeparatedPath,
  parseDotSeparatedPath,
  type PushCondition,
  type PushContext,
  type PushEvent,
} from "../../../protocol/pushRules/index.js";

const ctx: PushContext = {
  userId: "@alice:example.org",
  userDisplayName: "Alice Smith",
  roomMemberCount: 7,
  senderPowerLevel: 0,
  notificationPowerLevels: {},
};

function topic(value: unknown): PushEvent {
  return {
    type: "m.room.topic",
    sender: "@example:example.org",
    state_key: "",
    room_id: "!636q39766251:example.com",
    content: { topic: value },
  };
}

function body(text: string): PushEvent {
  return { type: "m.room.message", sender: "@example:example.org", content: { body: text } };
}

const matches = (c: PushCondition, e: PushEvent, context: PushContext = ctx) => conditionMatches(c, e, context);

describe("event_match (push.md examples)", () => {
  const lunch: PushCondition = { kind: "event_match", key: "content.topic", pattern: "lunc?*" };

  it("matches the whole value case-insensitively", () => {
    assert.equal(matches(lunch, topic("Lunch plans")), true);
    assert.equal(matches(lunch, topic("LUNCH")), true, "* may match zero characters");
  });

  it("does not match partial values, short values or non-strings", () => {
    assert.equal(matches(lunch, topic(" lunch")), false, "leading space");
    assert.equal(matches(lunch, topic("lunc")), false, "? must match a character");
    assert.equal(matches(lunch, topic(null)), false);
    assert.equal(matches(lunch, topic(42)), false);
  });

  it("an absent property never matches, even with pattern *", () => {
    assert.equal(matches({ kind: "event_match", key: "content.nothing", pattern: "*" }, topic("x")), false);
    assert.equal(matches({ kind: "event_match", key: "content.topic", pattern: "*" }, topic("")), true);
  });

  it("content.body matches any word-bounded substring", () => {
    const c: PushCondition = { kind: "event_match", key: "content.body", pattern: "ex*ple" };
    assert.equal(matches(c, body("An example event.")), true);
    assert.equal(matches(c, body("exple")), true, "matches at the start and end of the body");
    assert.equal(matches(c, body("An exciting triple-whammy")), true, "spans words; - separates words");
    assert.equal(matches(c, body("An examples event")), false, "must end at a word boundary");
    assert.equal(matches(c, body("texample")), false, "must start at a word boundary");
    assert.equal(matches(c, body("_example")), false, "_ is a word character");
    assert.equal(matches(c, body("éexample")), true, "only [A-Za-z0-9_] are word characters");
  });

  it("other keys are not word-matched", () => {
    const c: PushCondition = { kind: "event_match", key: "content.topic", pattern: "lunch" };
    assert.equal(matches(c, topic("lunch plans")), false);
  });

  it("needs a state_key condition to match only state events", () => {
    const c: PushCondition = { kind: "event_match", key: "state_key", pattern: "" };
    assert.equal(matches(c, topic("x")), true);
    assert.equal(matches(c, body("x")), false);
  });

  it("rejects conditions without key or pattern", () => {
    assert.equal(matches({ kind: "event_match", key: "content.topic" }, topic("x")), false);
    assert.equal(matches({ kind: "event_match", pattern: "*" }, topic("x")), false);
  });
});

describe("glob matching edge cases", () => {
  it("handles literals, ? and *", () => {
    assert.equal(globMatchesWhole("", ""), true);
    assert.equal(globMatchesWhole("", "a"), false);
    assert.equal(globMatchesWhole("*", ""), true);
    assert.equal(globMatchesWhole("a?c", "abc"), true);
    assert.equal(globMatchesWhole("a?c", "ac"), false);
    assert.equal(globMatchesWhole("a*c", "ac"), true);
    assert.equal(globMatchesWhole("a*c", "abbbc"), true);
    assert.equal(globMatchesWhole("a*c", "abbbcd"), false);
    assert.equal(globMatchesWhole("*.example.org", "@bob:sub.example.org"), true);
    assert.equal(globMatchesWhole("a**b", "ab"), true);
  });

  it("treats regex metacharacters literally", () => {
    assert.equal(globMatchesWhole("a.b", "axb"), false);
    assert.equal(globMatchesWhole("a.b", "a.b"), true);
    assert.equal(globMatchesWhole("[abc]", "a"), false);
    assert.equal(globMatchesWhole("[abc]", "[ABC]"), true);
    assert.equal(globMatchesWhole("(x)+$^", "(X)+$^"), true);
    assert.equal(globMatchesWhole("a\\*", "a\\anything"), true, "backslash does not escape *");
  });

  it("? matches one character, including astral code points and newlines", () => {
    assert.equal(globMatchesWhole("?", "🎉"), true);
    assert.equal(globMatchesWhole("??", "🎉"), false);
    assert.equal(globMatchesWhole("a?b", "a\nb"), true);
    assert.equal(globMatchesWhole("a*b", "a\n\nb"), true);
  });

  it("is case-insensitive beyond ASCII", () => {
    assert.equal(globMatchesWhole("école", "ÉCOLE"), true);
    assert.equal(globMatchesWhole("ΣΟΦΙΑ", "σοφια"), true);
    assert.equal(globMatchesWords("cake", "I LOVE CAKE!"), true);
  });

  it("word matching: boundaries and overlapping candidates", () => {
    assert.equal(globMatchesWords("cake*lie", "the cake is a lie"), true);
    assert.equal(globMatchesWords("cake*lie", "the cake is a lie-detector"), true);
    assert.equal(globMatchesWords("cake*lie", "the cake is a liar"), false);
    assert.equal(globMatchesWords("cake*lie", "cakes are lies, cake lie"), true);
    assert.equal(globMatchesWords("a", "banana"), false);
    assert.equal(globMatchesWords("a", "b a n"), true);
    assert.equal(globMatchesWords("", ""), true);
    assert.equal(globMatchesWords("", "anything"), false, "the empty substring must also end at a boundary");
    assert.equal(globMatchesWords("", "a, b"), true, "between two non-word characters");
  });

  it("stays fast on patterns that make backtracking regexes explode", () => {
    const long = "a".repeat(50_000);
    const start = performance.now();
    assert.equal(globMatchesWhole("*a*a*a*a*a*a*a*a*b", long), false);
    assert.equal(globMatchesWords("*a*a*a*a*a*a*a*a*b", long), false);
    assert.ok(performance.now() - start < 2000, "linear in the body length");
  });
});

describe("dot-separated property paths", () => {
  it("splits on unescaped dots and unescapes \\. and \\\\", () => {
    assert.deepEqual(parseDotSeparatedPath("content.body"), ["content", "body"]);
    assert.deepEqual(parseDotSeparatedPath("content.m\\.relates_to.rel_type"), ["content", "m.relates_to", "rel_type"]);
    assert.deepEqual(parseDotSeparatedPath("content.m\\\\foo"), ["content", "m\\foo"]);
    assert.deepEqual(parseDotSeparatedPath("content.a\\x"), ["content", "a\\x"], "other escapes are literal");
    assert.deepEqual(parseDotSeparatedPath("a\\"), ["a\\"]);
    assert.deepEqual(parseDotSeparatedPath("a..b"), ["a", "", "b"]);
  });

  it("looks values up through objects only", () => {
    const event = { content: { "m.relates_to": { rel_type: "m.replace" }, list: [{ a: 1 }], "m\\foo": 3 } };
    assert.equal(lookupDotSeparatedPath(event, "content.m\\.relates_to.rel_type"), "m.replace");
    assert.equal(lookupDotSeparatedPath(event, "content.m.relates_to.rel_type"), undefined);
    assert.equal(lookupDotSeparatedPath(event, "content.m\\\\foo"), 3);
    assert.equal(lookupDotSeparatedPath(event, "content.list.0.a"), undefined);
    assert.equal(lookupDotSeparatedPath(event, "content.constructor"), undefined, "own properties only");
  });
});

describe("event_property_is / event_property_contains (push.md examples)", () => {
  const create: PushEvent = {
    type: "m.room.create",
    sender: "@example:example.org",
    state_key: "",
    content: { creator: "@example:example.org", "m.federate": true, room_version: "1" },
  };
  const federate = (value: unknown) =>
    ({ ...create, content: { ...create.content, "m.federate": value } }) as PushEvent;
  const isTrue: PushCondition = { kind: "event_property_is", key: "content.m\\.federate", value: true };

  it("matches exact values without casting", () => {
    assert.equal(matches(isTrue, create), true);
    assert.equal(matches(isTrue, federate("true")), false);
    assert.equal(matches(isTrue, federate(1)), false);
    assert.equal(matches({ kind: "event_property_is", key: "content.m\\.federate", value: null }, federate(null)), true);
    assert.equal(matches({ kind: "event_property_is", key: "content.n", value: 1 }, { ...create, content: { n: 1.0 } }), true);
    assert.equal(matches({ kind: "event_property_is", key: "content.n", value: 1 }, { ...create, content: { n: 1.5 } }), false);
    assert.equal(matches({ kind: "event_property_is", key: "content.absent", value: null }, create), false);
  });

  const aliases: PushEvent = {
    type: "m.room.canonical_alias",
    sender: "@example:example.org",
    state_key: "",
    content: { alias: "#somewhere:localhost", alt_aliases: ["#somewhere:example.org", "#myroom:example.com"] },
  };

  it("matches an array holding the exact value", () => {
    const c: PushCondition = { kind: "event_property_contains", key: "content.alt_aliases", value: "#myroom:example.com" };
    assert.equal(matches(c, aliases), true);
    assert.equal(matches({ ...c, value: ":example.com" }, aliases), false, "partial values do not match");
    assert.equal(matches({ ...c, key: "content.alias", value: "#somewhere:localhost" }, aliases), false, "not an array");
    assert.equal(
      matches({ kind: "event_property_contains", key: "content.l", value: 1 }, { ...aliases, content: { l: [[1], { a: 1 }, 1] } }),
      true,
      "compound elements are skipped",
    );
  });
});

describe("contains_display_name, room_member_count, sender_notification_permission, unknown kinds", () => {
  it("contains_display_name matches the display name as a word, case-insensitively", () => {
    const c: PushCondition = { kind: "contains_display_name" };
    assert.equal(matches(c, body("hey alice smith, lunch?")), true);
    assert.equal(matches(c, body("hey Alice Smithers")), false);
    assert.equal(matches(c, body("ping Alice  Smith")), false);
    assert.equal(matches(c, body("hey alice smith"), { ...ctx, userDisplayName: "" }), false);
    assert.equal(matches(c, body("a*b"), { ...ctx, userDisplayName: "a*b" }), true, "the name is literal");
    assert.equal(matches(c, body("axxb"), { ...ctx, userDisplayName: "a*b" }), false);
  });

  it("room_member_count supports ==, <, >, <=, >= and no prefix", () => {
    const count = (is: string, n: number) =>
      matches({ kind: "room_member_count", is }, body("x"), { ...ctx, roomMemberCount: n });
    assert.equal(count("2", 2), true);
    assert.equal(count("2", 3), false);
    assert.equal(count("==2", 2), true);
    assert.equal(count("<10", 9), true);
    assert.equal(count("<10", 10), false);
    assert.equal(count("<=10", 10), true);
    assert.equal(count(">2", 3), true);
    assert.equal(count(">2", 2), false);
    assert.equal(count(">=2", 2), true);
    assert.equal(count("=2", 2), false, "unknown prefix never matches");
    assert.equal(count("two", 2), false);
  });

  it("sender_notification_permission compares against notifications[key], defaulting to 50", () => {
    const c: PushCondition = { kind: "sender_notification_permission", key: "room" };
    assert.equal(matches(c, body("x"), { ...ctx, senderPowerLevel: 50 }), true);
    assert.equal(matches(c, body("x"), { ...ctx, senderPowerLevel: 49 }), false);
    assert.equal(matches(c, body("x"), { ...ctx, senderPowerLevel: 10, notificationPowerLevels: { room: 10 } }), true);
    assert.equal(matches({ kind: "sender_notification_permission" }, body("x"), { ...ctx, senderPowerLevel: 100 }), false);
  });

  it("unrecognised conditions never match", () => {
    assert.equal(matches({ kind: "org.example.always" }, body("x")), false);
  });
});
