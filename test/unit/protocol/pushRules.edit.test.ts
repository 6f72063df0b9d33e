import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  defaultPushRules,
  deleteRule,
  evaluatePushRules,
  findRule,
  getRule,
  mergeWithDefaults,
  parsePushRuleKind,
  PushRuleError,
  setActions,
  setEnabled,
  toStoredPushRules,
  upsertRule,
  type PushContext,
  type PushEvent,
  type PushRuleSet,
  type StoredPushRules,
} from "../../../protocol/pushRules/index.js";

const ME = "@alice:example.org";
const base = defaultPushRules(ME);
const ctx: PushContext = { userId: ME, roomMemberCount: 5, senderPowerLevel: 0, notificationPowerLevels: {} };

function message(body: string, room = "!room:example.org", sender = "@bob:example.org"): PushEvent {
  return { type: "m.room.message", sender, room_id: room, content: { msgtype: "m.text", body } };
}

function rejects(fn: () => unknown, status: number, errcode: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof PushRuleError, `expected PushRuleError, got ${String(e)}`);
    assert.equal(e.status, status);
    assert.equal(e.errcode, errcode);
    return true;
  });
}

const ids = (rs: PushRuleSet, kind: keyof PushRuleSet) => rs[kind].map((r) => r.rule_id);

describe("user rules (push.md examples)", () => {
  it("a room rule with no actions mutes that room only", () => {
    const rs = upsertRule(base, "room", { rule_id: "!dj234r78wl45Gh4D:matrix.org", actions: [] });
    assert.deepEqual(getRule(rs, "room", "!dj234r78wl45Gh4D:matrix.org"), {
      rule_id: "!dj234r78wl45Gh4D:matrix.org",
      default: false,
      enabled: true,
      actions: [],
    });
    const muted = evaluatePushRules(rs, message("hi", "!dj234r78wl45Gh4D:matrix.org"), ctx);
    assert.deepEqual([muted.rule, muted.notify], ["!dj234r78wl45Gh4D:matrix.org", false]);
    assert.equal(evaluatePushRules(rs, message("hi", "!other:matrix.org"), ctx).notify, true);
  });

  it("a sender rule with no actions mutes that sender", () => {
    const rs = upsertRule(base, "sender", { rule_id: "@spambot:matrix.org", actions: [] });
    assert.equal(evaluatePushRules(rs, message("buy", undefined, "@spambot:matrix.org"), ctx).notify, false);
    assert.equal(evaluatePushRules(rs, message("hi"), ctx).notify, true);
  });

  it("content rules: cake, then cake*lie placed before it", () => {
    let rs = upsertRule(base, "content", {
      rule_id: "SSByZWFsbHkgbGlrZSBjYWtl",
      pattern: "cake",
      actions: ["notify", { set_tweak: "sound", value: "cakealarm.wav" }],
    });
    const cake = evaluatePushRules(rs, message("Is there CAKE?"), ctx);
    assert.deepEqual([cake.rule, cake.sound], ["SSByZWFsbHkgbGlrZSBjYWtl", "cakealarm.wav"]);
    assert.equal(evaluatePushRules(rs, message("cupcakes"), ctx).rule, ".m.rule.message", "word boundaries");

    rs = upsertRule(
      rs,
      "content",
      { rule_id: "U3BvbmdlIGNha2UgaXMgYmVzdA", pattern: "cake*lie", actions: ["notify"] },
      { before: "SSByZWFsbHkgbGlrZSBjYWtl" },
    );
    assert.deepEqual(ids(rs, "content"), ["U3BvbmdlIGNha2UgaXMgYmVzdA", "SSByZWFsbHkgbGlrZSBjYWtl"]);
    const lie = evaluatePushRules(rs, message("the cake is a lie"), ctx);
    assert.deepEqual([lie.rule, lie.sound], ["U3BvbmdlIGNha2UgaXMgYmVzdA", undefined]);
  });

  it("an override rule: beer in rooms of 10 members or fewer", () => {
    const rs = upsertRule(base, "override", {
      rule_id: "U2VlIHlvdSBpbiBUaGUgRHVrZQ",
      conditions: [
        { kind: "event_match", key: "content.body", pattern: "beer" },
        { kind: "room_member_count", is: "<=10" },
      ],
      actions: ["notify", { set_tweak: "sound", value: "beeroclock.wav" }],
    });
    assert.deepEqual(ids(rs, "override").slice(0, 3), [".m.rule.master", "U2VlIHlvdSBpbiBUaGUgRHVrZQ", ".m.rule.suppress_notices"]);
    assert.equal(evaluatePushRules(rs, message("Beer?"), { ...ctx, roomMemberCount: 10 }).sound, "beeroclock.wav");
    assert.equal(evaluatePushRules(rs, message("Beer?"), { ...ctx, roomMemberCount: 11 }).rule, ".m.rule.message");
  });

  it("a user override beats default overrides, but not an enabled master rule", () => {
    let rs = upsertRule(base, "override", {
      rule_id: "notices-please",
      conditions: [{ kind: "event_match", key: "content.msgtype", pattern: "m.notice" }],
      actions: ["notify"],
    });
    const notice: PushEvent = { type: "m.room.message", sender: "@bot:x", content: { msgtype: "m.notice", body: "x" } };
    assert.equal(evaluatePushRules(rs, notice, ctx).rule, "notices-please");
    rs = setEnabled(rs, "override", ".m.rule.master", true);
    assert.equal(evaluatePushRules(rs, notice, ctx).rule, ".m.rule.master");
  });

  it("a user rule outranks the same kind's defaults, and override outranks underride", () => {
    const rs = upsertRule(base, "underride", {
      rule_id: "quiet-messages",
      conditions: [{ kind: "event_match", key: "type", pattern: "m.room.message" }],
      actions: [],
    });
    assert.deepEqual(ids(rs, "underride")[0], "quiet-messages");
    assert.equal(evaluatePushRules(rs, message("hi"), { ...ctx, roomMemberCount: 2 }).notify, false);
    const mention = { ...message("hi"), content: { body: "hi", "m.mentions": { user_ids: [ME] } } };
    assert.equal(evaluatePushRules(rs, mention, ctx).highlight, true);
  });

  it("historical dont_notify / coalesce actions are ignored", () => {
    const stored: PushRuleSet = {
      ...base,
      room: [{ rule_id: "!r:x", default: false, enabled: true, actions: ["dont_notify"] }],
      sender: [{ rule_id: "@s:x", default: false, enabled: true, actions: ["notify", "coalesce"] }],
    };
    assert.deepEqual(evaluatePushRules(stored, message("x", "!r:x"), ctx), {
      notify: false,
      highlight: false,
      rule: "!r:x",
      kind: "room",
      tweaks: {},
      actions: [],
    });
    assert.equal(evaluatePushRules(stored, message("x", "!q:x", "@s:x"), ctx).notify, true);
    assert.deepEqual(evaluatePushRules(stored, message("x", "!q:x", "@s:x"), ctx).actions, ["notify"], "the matched rule's actions, stripped");
    const rs = upsertRule(base, "room", { rule_id: "!r:x", actions: ["dont_notify", "coalesce"] });
    assert.deepEqual(getRule(rs, "room", "!r:x").actions, [], "stripped when stored");
  });

  it("a highlight tweak's value is honoured; tweaks pass through", () => {
    const rs = upsertRule(base, "sender", {
      rule_id: "@boss:x",
      actions: ["notify", { set_tweak: "highlight", value: false }, { set_tweak: "org.example.led", value: "red" }],
    });
    const r = evaluatePushRules(rs, message("x", undefined, "@boss:x"), ctx);
    assert.equal(r.highlight, false);
    assert.deepEqual(r.tweaks, { highlight: false, "org.example.led": "red" });
  });

  it("a rule with an unrecognised condition is effectively disabled", () => {
    const rs = upsertRule(base, "override", {
      rule_id: "future",
      conditions: [{ kind: "org.example.future_condition", param: 1 }],
      actions: [],
    });
    assert.deepEqual(getRule(rs, "override", "future").conditions, [{ kind: "org.example.future_condition", param: 1 }]);
    assert.equal(evaluatePushRules(rs, message("hi"), ctx).rule, ".m.rule.message");
  });
});

describe("editing rulesets", () => {
  it("new rules go first among user rules; existing ones keep place and enabled state", () => {
    let rs = upsertRule(base, "content", { rule_id: "a", pattern: "a", actions: [] });
    rs = upsertRule(rs, "content", { rule_id: "b", pattern: "b", actions: [] });
    assert.deepEqual(ids(rs, "content"), ["b", "a"]);
    rs = setEnabled(rs, "content", "a", false);
    rs = upsertRule(rs, "content", { rule_id: "a", pattern: "aa", actions: ["notify"] });
    assert.deepEqual(ids(rs, "content"), ["b", "a"]);
    assert.deepEqual(getRule(rs, "content", "a"), {
      rule_id: "a",
      default: false,
      enabled: false,
      actions: ["notify"],
      pattern: "aa",
    });
  });

  it("before/after position relative to user rules; before wins over after", () => {
    let rs = base;
    for (const id of ["c", "b", "a"]) rs = upsertRule(rs, "override", { rule_id: id, actions: [] });
    assert.deepEqual(ids(rs, "override").slice(0, 4), [".m.rule.master", "a", "b", "c"]);
    rs = upsertRule(rs, "override", { rule_id: "x", actions: [] }, { after: "c" });
    assert.deepEqual(ids(rs, "override").slice(0, 6), [".m.rule.master", "a", "b", "c", "x", ".m.rule.suppress_notices"]);
    rs = upsertRule(rs, "override", { rule_id: "x", actions: [] }, { before: "b", after: "c" });
    assert.deepEqual(ids(rs, "override").slice(0, 5), [".m.rule.master", "a", "x", "b", "c"]);
    rs = upsertRule(rs, "override", { rule_id: "a", actions: [] }, { after: "c" });
    assert.deepEqual(ids(rs, "override").slice(0, 5), [".m.rule.master", "x", "b", "c", "a"]);
  });

  it("refuses placing rules relative to server-default rules or unknown rules", () => {
    const rs = upsertRule(base, "override", { rule_id: "mine", actions: [] });
    rejects(() => upsertRule(rs, "override", { rule_id: "x", actions: [] }, { before: ".m.rule.master" }), 400, "M_INVALID_PARAM");
    rejects(() => upsertRule(rs, "override", { rule_id: "x", actions: [] }, { after: ".m.rule.message" }), 400, "M_INVALID_PARAM");
    rejects(() => upsertRule(rs, "override", { rule_id: "x", actions: [] }, { before: "nope" }), 400, "M_UNKNOWN");
    rejects(() => upsertRule(rs, "content", { rule_id: "x", pattern: "x", actions: [] }, { before: "mine" }), 400, "M_UNKNOWN");
  });

  it("refuses reserved or malformed rule IDs", () => {
    rejects(() => upsertRule(base, "override", { rule_id: ".m.rule.master", actions: [] }), 400, "M_INVALID_PARAM");
    rejects(() => upsertRule(base, "override", { rule_id: ".mine", actions: [] }), 400, "M_INVALID_PARAM");
    rejects(() => upsertRule(base, "override", { rule_id: "a/b", actions: [] }), 400, "M_INVALID_PARAM");
    rejects(() => upsertRule(base, "override", { rule_id: "a\\b", actions: [] }), 400, "M_INVALID_PARAM");
    rejects(() => upsertRule(base, "override", { rule_id: "", actions: [] }), 400, "M_INVALID_PARAM");
  });

  it("validates actions, patterns and conditions", () => {
    rejects(() => upsertRule(base, "room", { rule_id: "!r:x", actions: undefined }), 400, "M_MISSING_PARAM");
    rejects(() => upsertRule(base, "room", { rule_id: "!r:x", actions: "notify" }), 400, "M_INVALID_PARAM");
    rejects(() => upsertRule(base, "room", { rule_id: "!r:x", actions: ["ring_loudly"] }), 400, "M_INVALID_PARAM");
    rejects(() => upsertRule(base, "room", { rule_id: "!r:x", actions: [42] }), 400, "M_INVALID_PARAM");
    rejects(() => upsertRule(base, "room", { rule_id: "!r:x", actions: [{ set_tweak: "highlight", value: "yes" }] }), 400, "M_INVALID_PARAM");
    rejects(() => upsertRule(base, "content", { rule_id: "c", actions: [] }), 400, "M_MISSING_PARAM");
    rejects(() => upsertRule(base, "content", { rule_id: "c", pattern: 5, actions: [] }), 400, "M_INVALID_PARAM");
    const bad = [
      "not an array",
      [null],
      [{ key: "type" }],
      [{ kind: "event_match", key: "type" }],
      [{ kind: "event_match", pattern: "x" }],
      [{ kind: "event_property_is", key: "content.x" }],
      [{ kind: "event_property_is", key: "content.x", value: 1.5 }],
      [{ kind: "event_property_contains", key: "content.x", value: { a: 1 } }],
      [{ kind: "room_member_count", is: "=2" }],
      [{ kind: "room_member_count", is: 2 }],
      [{ kind: "sender_notification_permission" }],
    ];
    for (const conditions of bad) {
      rejects(() => upsertRule(base, "override", { rule_id: "x", conditions, actions: [] }), 400, "M_INVALID_PARAM");
    }
  });

  it("keeps only the fields a kind uses", () => {
    const rs = upsertRule(base, "sender", {
      rule_id: "@s:x",
      actions: [],
      pattern: "ignored",
      conditions: [{ kind: "event_match", key: "type", pattern: "x" }],
    });
    assert.deepEqual(getRule(rs, "sender", "@s:x"), { rule_id: "@s:x", default: false, enabled: true, actions: [] });
    const o = upsertRule(base, "override", { rule_id: "o", actions: [] });
    assert.deepEqual(getRule(o, "override", "o").conditions, []);
  });

  it("deletes user rules; unknown is 404; defaults cannot be deleted", () => {
    const rs = upsertRule(base, "room", { rule_id: "!r:x", actions: [] });
    assert.equal(findRule(deleteRule(rs, "room", "!r:x"), "room", "!r:x"), undefined);
    rejects(() => deleteRule(rs, "room", "!nope:x"), 404, "M_NOT_FOUND");
    rejects(() => deleteRule(rs, "override", ".m.rule.master"), 400, "M_INVALID_PARAM");
  });

  it("enables, disables and sets actions of default and user rules", () => {
    let rs = setEnabled(base, "override", ".m.rule.suppress_notices", false);
    assert.equal(getRule(rs, "override", ".m.rule.suppress_notices").enabled, false);
    rs = setActions(rs, "underride", ".m.rule.message", ["notify", { set_tweak: "sound", value: "default" }, "dont_notify"]);
    assert.deepEqual(getRule(rs, "underride", ".m.rule.message").actions, ["notify", { set_tweak: "sound", value: "default" }]);
    assert.equal(getRule(rs, "underride", ".m.rule.message").default, true);
    rejects(() => setEnabled(base, "override", "nope", true), 404, "M_NOT_FOUND");
    rejects(() => setActions(base, "override", "nope", []), 404, "M_NOT_FOUND");
    rejects(() => setActions(base, "override", ".m.rule.master", "notify"), 400, "M_INVALID_PARAM");
  });

  it("never changes its input", () => {
    const snapshot = JSON.stringify(base);
    let rs = upsertRule(base, "override", { rule_id: "x", actions: [] });
    rs = setEnabled(rs, "override", ".m.rule.master", true);
    rs = setActions(rs, "override", "x", ["notify"]);
    deleteRule(rs, "override", "x");
    assert.equal(JSON.stringify(base), snapshot);
    assert.deepEqual(findRule(base, "override", "x"), undefined);
  });

  it("parses the {kind} path segment", () => {
    assert.equal(parsePushRuleKind("underride"), "underride");
    rejects(() => parsePushRuleKind("global"), 400, "M_INVALID_PARAM");
  });
});

describe("mergeWithDefaults / toStoredPushRules", () => {
  it("with nothing stored, is the default ruleset", () => {
    assert.deepEqual(mergeWithDefaults(undefined, ME), base);
    assert.deepEqual(mergeWithDefaults({}, ME), base);
  });

  it("round-trips user rules and changes to default rules", () => {
    let rs = mergeWithDefaults(undefined, ME);
    rs = upsertRule(rs, "override", { rule_id: "o1", actions: [] });
    rs = upsertRule(rs, "content", { rule_id: "c1", pattern: "tea", actions: ["notify"] });
    rs = setEnabled(rs, "override", ".m.rule.master", true);
    rs = setActions(rs, "underride", ".m.rule.message", []);
    const stored = toStoredPushRules(rs, ME);
    assert.deepEqual(stored, {
      user: {
        override: [{ rule_id: "o1", default: false, enabled: true, actions: [], conditions: [] }],
        content: [{ rule_id: "c1", default: false, enabled: true, actions: ["notify"], pattern: "tea" }],
      },
      defaults: {
        override: { ".m.rule.master": { enabled: true } },
        underride: { ".m.rule.message": { actions: [] } },
      },
    });
    assert.deepEqual(mergeWithDefaults(JSON.parse(JSON.stringify(stored)) as StoredPushRules, ME), rs);
  });

  it("a setting equal to the default is not stored", () => {
    let rs = setEnabled(base, "override", ".m.rule.reaction", false);
    rs = setEnabled(rs, "override", ".m.rule.reaction", true);
    rs = setActions(rs, "underride", ".m.rule.call", ["notify", { value: "ring", set_tweak: "sound" }]);
    assert.deepEqual(toStoredPushRules(rs, ME), { user: {}, defaults: {} });
  });

  it("later changes to the default set reach users while their overrides persist", () => {
    // Stored by an older server: an override of a rule that has since been removed from the
    // spec, a change to a rule that still exists, and no mention of rules added since.
    const stored: StoredPushRules = {
      user: { room: [{ rule_id: "!quiet:x", default: false, enabled: true, actions: [] }] },
      defaults: {
        override: {
          ".m.rule.contains_display_name": { enabled: false },
          ".m.rule.suppress_notices": { enabled: false },
        },
        content: { ".m.rule.contains_user_name": { actions: [] } },
      },
    };
    const rs = mergeWithDefaults(stored, ME);
    assert.equal(findRule(rs, "override", ".m.rule.contains_display_name"), undefined);
    assert.equal(getRule(rs, "override", ".m.rule.suppress_notices").enabled, false);
    assert.ok(findRule(rs, "override", ".m.rule.suppress_edits"), "rules new to this server appear");
    assert.deepEqual(rs.content, []);
    assert.deepEqual(ids(rs, "room"), ["!quiet:x"]);
  });

  it("keeps .m.rule.master above user override rules and ignores stored rules with reserved IDs", () => {
    const rs = mergeWithDefaults(
      {
        user: {
          override: [
            { rule_id: "mine", default: false, enabled: true, actions: [], conditions: [] },
            { rule_id: ".sneaky", default: true, enabled: true, actions: ["notify"], conditions: [] },
          ],
        },
      },
      ME,
    );
    assert.deepEqual(ids(rs, "override").slice(0, 3), [".m.rule.master", "mine", ".m.rule.suppress_notices"]);
    assert.equal(findRule(rs, "override", ".sneaky"), undefined);
  });
});
