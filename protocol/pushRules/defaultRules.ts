import type { PushAction, PushCondition, PushRule, PushRuleSet } from "./types.js";

/**
 * The server-default push rules of spec v1.19 ("Predefined Rules"), in the spec's order.
 *
 * v1.17 removed the legacy rules that looked for mentions in `content.body`
 * (`.m.rule.contains_display_name`, `.m.rule.roomnotif`, `.m.rule.contains_user_name`), so there
 * are no default content rules; intentional mentions arrive through `m.mentions`.
 */
export function defaultPushRules(userId: string): PushRuleSet {
  return {
    override: [
      // Always the most important rule, above user rules; disabled unless the user mutes everything.
      rule(".m.rule.master", [], [], false),
      rule(".m.rule.suppress_notices", [eventMatch("content.msgtype", "m.notice")], []),
      rule(
        ".m.rule.invite_for_me",
        [eventMatch("type", "m.room.member"), eventMatch("content.membership", "invite"), eventMatch("state_key", userId)],
        ["notify", sound("default")],
      ),
      rule(".m.rule.member_event", [eventMatch("type", "m.room.member")], []),
      rule(
        ".m.rule.is_user_mention",
        [{ kind: "event_property_contains", key: "content.m\\.mentions.user_ids", value: userId }],
        ["notify", sound("default"), highlight()],
      ),
      rule(
        ".m.rule.is_room_mention",
        [
          { kind: "event_property_is", key: "content.m\\.mentions.room", value: true },
          { kind: "sender_notification_permission", key: "room" },
        ],
        ["notify", highlight()],
      ),
      // The explicit state_key condition: push rules have no implicit "is a state event" check.
      rule(".m.rule.tombstone", [eventMatch("type", "m.room.tombstone"), eventMatch("state_key", "")], [
        "notify",
        highlight(),
      ]),
      rule(".m.rule.reaction", [eventMatch("type", "m.reaction")], []),
      rule(".m.rule.room.server_acl", [eventMatch("type", "m.room.server_acl"), eventMatch("state_key", "")], []),
      rule(
        ".m.rule.suppress_edits",
        [{ kind: "event_property_is", key: "content.m\\.relates_to.rel_type", value: "m.replace" }],
        [],
      ),
    ],
    content: [],
    room: [],
    sender: [],
    underride: [
      rule(".m.rule.call", [eventMatch("type", "m.call.invite")], ["notify", sound("ring")]),
      rule(
        ".m.rule.encrypted_room_one_to_one",
        [{ kind: "room_member_count", is: "2" }, eventMatch("type", "m.room.encrypted")],
        ["notify", sound("default")],
      ),
      rule(
        ".m.rule.room_one_to_one",
        [{ kind: "room_member_count", is: "2" }, eventMatch("type", "m.room.message")],
        ["notify", sound("default")],
      ),
      rule(".m.rule.message", [eventMatch("type", "m.room.message")], ["notify"]),
      rule(".m.rule.encrypted", [eventMatch("type", "m.room.encrypted")], ["notify"]),
    ],
  };
}

/** Server-default rule IDs start with a dot; user rules may not. */
export function isServerDefaultRuleId(ruleId: string): boolean {
  return ruleId.startsWith(".");
}

/** `.m.rule.master` stays above user override rules; every other default goes below them. */
export const MASTER_RULE_ID = ".m.rule.master";

function rule(ruleId: string, conditions: PushCondition[], actions: PushAction[], enabled = true): PushRule {
  return { rule_id: ruleId, default: true, enabled, conditions, actions };
}

function eventMatch(key: string, pattern: string): PushCondition {
  return { kind: "event_match", key, pattern };
}

function sound(value: string): PushAction {
  return { set_tweak: "sound", value };
}

function highlight(): PushAction {
  return { set_tweak: "highlight" };
}
