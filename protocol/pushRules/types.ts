import type { JsonObject, JsonValue } from "../json.js";

/** The kinds of push rule, in the order the spec says they are checked (most important first). */
export const PUSH_RULE_KINDS = ["override", "content", "room", "sender", "underride"] as const;
export type PushRuleKind = (typeof PUSH_RULE_KINDS)[number];

export function isPushRuleKind(value: string): value is PushRuleKind {
  return (PUSH_RULE_KINDS as readonly string[]).includes(value);
}

/**
 * A push condition (`PushCondition` in the spec). Which parameters apply depends on `kind`; the
 * index signature keeps parameters of kinds we do not know, so such rules round-trip unchanged
 * (they never match, as the spec requires for unrecognised conditions).
 */
export interface PushCondition {
  kind: string;
  /** event_match / event_property_*: dot-separated path; sender_notification_permission: notifications key. */
  key?: string;
  /** event_match: glob pattern. */
  pattern?: string;
  /** room_member_count: "2", "==2", "<10", ">=3", … */
  is?: string;
  /** event_property_is / event_property_contains: a non-compound canonical JSON value. */
  value?: string | number | boolean | null;
  [param: string]: JsonValue | undefined;
}

/** An action: a bare string (`"notify"`) or an object named by its key (`{"set_tweak": …}`). */
export type PushAction = string | JsonObject;

/** `{"set_tweak": name, "value": …}`; a tweak without `value` is allowed (highlight defaults to true). */
export interface SetTweakAction extends JsonObject {
  set_tweak: string;
}

export function isSetTweak(action: PushAction): action is SetTweakAction {
  return typeof action === "object" && typeof action.set_tweak === "string";
}

/** A push rule (`PushRule` in the spec). `conditions` only for override/underride, `pattern` only for content. */
export interface PushRule {
  rule_id: string;
  default: boolean;
  enabled: boolean;
  actions: PushAction[];
  conditions?: PushCondition[];
  pattern?: string;
}

/** The `global` ruleset: each kind's rules, most important first. */
export type PushRuleSet = Record<PushRuleKind, PushRule[]>;

/**
 * The event being evaluated, in client format. Anything else on the event is reachable by
 * event_match / event_property_* keys, since those address the event as a whole.
 */
export interface PushEvent {
  type: string;
  sender: string;
  content: Readonly<Record<string, unknown>>;
  state_key?: string;
  room_id?: string;
}

/** What the evaluator needs to know about the room and the user it evaluates for. */
export interface PushContext {
  userId: string;
  /** The user's display name in this room (for the deprecated contains_display_name condition). */
  userDisplayName?: string;
  roomMemberCount: number;
  senderPowerLevel: number;
  /** `content.notifications` of the room's m.room.power_levels event (may be empty). */
  notificationPowerLevels: Record<string, number>;
}
