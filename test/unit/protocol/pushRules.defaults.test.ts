import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  defaultPushRules,
  evaluatePushRules,
  setEnabled,
  type PushContext,
  type PushEvent,
} from "../../../protocol/pushRules/index.js";

const ME = "@alice:example.org";
const rules = defaultPushRules(ME);

function ctx(overrides: Partial<PushContext> = {}): PushContext {
  return { userId: ME, roomMemberCount: 5, senderPowerLevel: 0, notificationPowerLevels: {}, ...overrides };
}

function message(body: string, extra: Record<string, unknown> = {}): PushEvent {
  return {
    type: "m.room.message",
    sender: "@bob:example.org",
    room_id: "!room:example.org",
    content: { msgtype: "m.text", body, ...extra },
  };
}

describe("default push rules (spec v1.19)", () => {
  it("lists the spec's predefined rules in the spec's order", () => {
    assert.deepEqual(
      rules.override.map((r) => r.rule_id),
      [
        ".m.rule.master",
        ".m.rule.suppress_notices",
        ".m.rule.invite_for_me",
        ".m.rule.member_event",
        ".m.rule.is_user_mention",
        ".m.rule.is_room_mention",
        ".m.rule.tombstone",
        ".m.rule.reaction",
        ".m.rule.room.server_acl",
        ".m.rule.suppress_edits",
      ],
    );
    assert.deepEqual(rules.content, [], "the legacy body-matching content rule was removed in v1.17");
    assert.deepEqual(rules.room, []);
    assert.deepEqual(rules.sender, []);
    assert.deepEqual(
      rules.underride.map((r) => r.rule_id),
      [".m.rule.call", ".m.rule.encrypted_room_one_to_one", ".m.rule.room_one_to_one", ".m.rule.message", ".m.rule.encrypted"],
    );
    for (const kind of ["override", "underride"] as const) {
      for (const r of rules[kind]) {
        assert.equal(r.default, true);
        assert.equal(r.enabled, r.rule_id !== ".m.rule.master", `${r.rule_id} enabled`);
      }
    }
  });

  it("fills the user's ID into invite_for_me and is_user_mention", () => {
    const invite = rules.override.find((r) => r.rule_id === ".m.rule.invite_for_me");
    assert.deepEqual(invite?.conditions?.[2], { kind: "event_match", key: "state_key", pattern: ME });
    const mention = rules.override.find((r) => r.rule_id === ".m.rule.is_user_mention");
    assert.deepEqual(mention?.conditions, [
      { kind: "event_property_contains", key: "content.m\\.mentions.user_ids", value: ME },
    ]);
  });

  it("a plain message in a 1:1 room notifies with the default sound", () => {
    const r = evaluatePushRules(rules, message("hi"), ctx({ roomMemberCount: 2 }));
    assert.equal(r.rule, ".m.rule.room_one_to_one");
    assert.equal(r.notify, true);
    assert.equal(r.sound, "default");
    assert.equal(r.highlight, false);
  });

  it("a message in a group room notifies without sound", () => {
    const r = evaluatePushRules(rules, message("hi all"), ctx({ roomMemberCount: 12 }));
    assert.equal(r.rule, ".m.rule.message");
    assert.equal(r.notify, true);
    assert.equal(r.sound, undefined);
    assert.equal(r.highlight, false);
  });

  it("a notice does not notify, even in a 1:1 room", () => {
    const r = evaluatePushRules(rules, message("bot says", { msgtype: "m.notice" }), ctx({ roomMemberCount: 2 }));
    assert.equal(r.rule, ".m.rule.suppress_notices");
    assert.equal(r.notify, false);
  });

  it("a mention through m.mentions.user_ids highlights", () => {
    const r = evaluatePushRules(rules, message("hey", { "m.mentions": { user_ids: ["@carol:x", ME] } }), ctx());
    assert.equal(r.rule, ".m.rule.is_user_mention");
    assert.deepEqual([r.notify, r.highlight, r.sound], [true, true, "default"]);
  });

  it("a mention of someone else is an ordinary message; the name in the body alone is not a mention", () => {
    const other = evaluatePushRules(rules, message("hey", { "m.mentions": { user_ids: ["@carol:x"] } }), ctx());
    assert.equal(other.rule, ".m.rule.message");
    assert.equal(other.highlight, false);
    const named = evaluatePushRules(rules, message("alice: hi"), ctx({ userDisplayName: "alice" }));
    assert.equal(named.highlight, false, "contains_display_name is no longer a default rule");
  });

  it("an @room mention highlights only when the sender has the notifications.room power level", () => {
    const event = message("everyone!", { "m.mentions": { room: true } });
    const allowed = evaluatePushRules(rules, event, ctx({ senderPowerLevel: 50 }));
    assert.equal(allowed.rule, ".m.rule.is_room_mention");
    assert.deepEqual([allowed.notify, allowed.highlight], [true, true]);

    const tooLow = evaluatePushRules(rules, event, ctx({ senderPowerLevel: 49 }));
    assert.equal(tooLow.rule, ".m.rule.message");
    assert.deepEqual([tooLow.notify, tooLow.highlight], [true, false]);

    const raised = evaluatePushRules(rules, event, ctx({ senderPowerLevel: 50, notificationPowerLevels: { room: 100 } }));
    assert.equal(raised.highlight, false);
    const lowered = evaluatePushRules(rules, event, ctx({ senderPowerLevel: 0, notificationPowerLevels: { room: 0 } }));
    assert.equal(lowered.highlight, true);
  });

  it("m.mentions.room must be exactly true", () => {
    const r = evaluatePushRules(rules, message("x", { "m.mentions": { room: "true" } }), ctx({ senderPowerLevel: 100 }));
    assert.equal(r.highlight, false);
  });

  it("an invite for me notifies with sound; other member events do not notify", () => {
    const invite: PushEvent = {
      type: "m.room.member",
      sender: "@bob:example.org",
      state_key: ME,
      room_id: "!room:example.org",
      content: { membership: "invite" },
    };
    const mine = evaluatePushRules(rules, invite, ctx());
    assert.equal(mine.rule, ".m.rule.invite_for_me");
    assert.deepEqual([mine.notify, mine.sound, mine.highlight], [true, "default", false]);

    const someoneElse = evaluatePushRules(rules, { ...invite, state_key: "@dan:example.org" }, ctx());
    assert.equal(someoneElse.rule, ".m.rule.member_event");
    assert.equal(someoneElse.notify, false);

    const join = evaluatePushRules(rules, { ...invite, sender: "@dan:x", state_key: "@dan:x", content: { membership: "join" } }, ctx());
    assert.equal(join.rule, ".m.rule.member_event");
    assert.equal(join.notify, false);
  });

  it("an edit is suppressed, even in a 1:1 room", () => {
    const edit = message("* fixed", {
      "m.new_content": { msgtype: "m.text", body: "fixed" },
      "m.relates_to": { rel_type: "m.replace", event_id: "$orig" },
    });
    const r = evaluatePushRules(rules, edit, ctx({ roomMemberCount: 2 }));
    assert.equal(r.rule, ".m.rule.suppress_edits");
    assert.equal(r.notify, false);
  });

  it("a reply (another relation type) still notifies", () => {
    const reply = message("yes", { "m.relates_to": { "m.in_reply_to": { event_id: "$q" } } });
    assert.equal(evaluatePushRules(rules, reply, ctx()).notify, true);
  });

  it("reactions do not notify", () => {
    const reaction: PushEvent = {
      type: "m.reaction",
      sender: "@bob:example.org",
      room_id: "!room:example.org",
      content: { "m.relates_to": { rel_type: "m.annotation", event_id: "$x", key: "👍" } },
    };
    const r = evaluatePushRules(rules, reaction, ctx({ roomMemberCount: 2 }));
    assert.equal(r.rule, ".m.rule.reaction");
    assert.equal(r.notify, false);
  });

  it("encrypted events notify with sound in 1:1 rooms and without in group rooms", () => {
    const encrypted: PushEvent = {
      type: "m.room.encrypted",
      sender: "@bob:example.org",
      room_id: "!room:example.org",
      content: { algorithm: "m.megolm.v1.aes-sha2", ciphertext: "…" },
    };
    const oneToOne = evaluatePushRules(rules, encrypted, ctx({ roomMemberCount: 2 }));
    assert.equal(oneToOne.rule, ".m.rule.encrypted_room_one_to_one");
    assert.deepEqual([oneToOne.notify, oneToOne.sound], [true, "default"]);
    const group = evaluatePushRules(rules, encrypted, ctx({ roomMemberCount: 3 }));
    assert.equal(group.rule, ".m.rule.encrypted");
    assert.deepEqual([group.notify, group.sound], [true, undefined]);
  });

  it("a tombstone state event highlights; a non-state m.room.tombstone does not match the rule", () => {
    const tombstone: PushEvent = {
      type: "m.room.tombstone",
      sender: "@admin:example.org",
      state_key: "",
      room_id: "!room:example.org",
      content: { body: "This room has been replaced", replacement_room: "!new:example.org" },
    };
    const r = evaluatePushRules(rules, tombstone, ctx({ senderPowerLevel: 100 }));
    assert.equal(r.rule, ".m.rule.tombstone");
    assert.deepEqual([r.notify, r.highlight], [true, true]);

    const { state_key: _ignored, ...notState } = tombstone;
    const n = evaluatePushRules(rules, notState, ctx());
    assert.equal(n.rule, undefined);
    assert.equal(n.notify, false);
  });

  it("server ACL changes do not notify; calls ring", () => {
    const acl: PushEvent = { type: "m.room.server_acl", sender: "@bob:x", state_key: "", content: { allow: ["*"] } };
    assert.equal(evaluatePushRules(rules, acl, ctx()).rule, ".m.rule.room.server_acl");
    assert.equal(evaluatePushRules(rules, acl, ctx()).notify, false);
    const call: PushEvent = { type: "m.call.invite", sender: "@bob:x", content: { call_id: "1", version: "1" } };
    const r = evaluatePushRules(rules, call, ctx());
    assert.deepEqual([r.rule, r.notify, r.sound], [".m.rule.call", true, "ring"]);
  });

  it("other events (e.g. a topic change) match nothing and do not notify", () => {
    const topic: PushEvent = { type: "m.room.topic", sender: "@bob:x", state_key: "", content: { topic: "t" } };
    assert.deepEqual(evaluatePushRules(rules, topic, ctx()), { notify: false, highlight: false, tweaks: {} });
  });

  it("enabling .m.rule.master mutes everything, mentions included", () => {
    const muted = setEnabled(rules, "override", ".m.rule.master", true);
    for (const event of [
      message("hi"),
      message("hey", { "m.mentions": { user_ids: [ME] } }),
      { type: "m.room.member", sender: "@bob:x", state_key: ME, content: { membership: "invite" } },
    ]) {
      const r = evaluatePushRules(muted, event, ctx({ roomMemberCount: 2 }));
      assert.equal(r.rule, ".m.rule.master");
      assert.deepEqual([r.notify, r.highlight], [false, false]);
    }
  });

  it("never notifies the user about their own events", () => {
    const own = { ...message("hey", { "m.mentions": { user_ids: [ME] } }), sender: ME };
    const r = evaluatePushRules(rules, own, ctx({ roomMemberCount: 2 }));
    assert.deepEqual(r, { notify: false, highlight: false, tweaks: {} });
  });

  it("a disabled default rule is skipped", () => {
    const noNoticeSuppression = setEnabled(rules, "override", ".m.rule.suppress_notices", false);
    const r = evaluatePushRules(noNoticeSuppression, message("bot", { msgtype: "m.notice" }), ctx());
    assert.equal(r.rule, ".m.rule.message");
  });
});
