import { lookupDotSeparatedPath } from "./dotSeparatedPath.js";
import { globMatchesWhole, globMatchesWords, literalMatchesWords } from "./globMatch.js";
import type { PushCondition, PushContext, PushEvent } from "./types.js";

/**
 * The spec's push conditions. Each returns false when its parameters are missing or malformed,
 * and an unrecognised `kind` never matches, which in effect disables the rule (spec: "Unrecognised
 * conditions MUST NOT match any events").
 */
export function conditionMatches(condition: PushCondition, event: PushEvent, ctx: PushContext): boolean {
  switch (condition.kind) {
    case "event_match":
      return eventMatch(condition, event);
    case "event_property_is":
      return eventPropertyIs(condition, event);
    case "event_property_contains":
      return eventPropertyContains(condition, event);
    case "contains_display_name":
      return containsDisplayName(event, ctx);
    case "room_member_count":
      return roomMemberCount(condition, ctx);
    case "sender_notification_permission":
      return senderNotificationPermission(condition, ctx);
    default:
      return false;
  }
}

/**
 * Glob match on a string property, over the whole value; except `content.body`, where the pattern
 * may match any word-bounded substring. A missing or non-string property never matches, even `*`.
 */
export function eventMatch(condition: PushCondition, event: PushEvent): boolean {
  const { key, pattern } = condition;
  if (typeof key !== "string" || typeof pattern !== "string") return false;
  const value = lookupDotSeparatedPath(event, key);
  if (typeof value !== "string") return false;
  return key === "content.body" ? globMatchesWords(pattern, value) : globMatchesWhole(pattern, value);
}

/** The non-compound canonical JSON values event_property_* compare: no floats, no unsafe integers. */
export function isPushScalar(value: unknown): value is string | number | boolean | null {
  return (
    value === null ||
    typeof value === "string" ||
    typeof value === "boolean" ||
    (typeof value === "number" && Number.isSafeInteger(value))
  );
}

/** Exact match, no casting: `"true"` is not `true`, `1` is not `true`. */
export function eventPropertyIs(condition: PushCondition, event: PushEvent): boolean {
  const { key, value } = condition;
  if (typeof key !== "string" || !isPushScalar(value)) return false;
  const actual = lookupDotSeparatedPath(event, key);
  return isPushScalar(actual) && actual === value;
}

/** An array property holding exactly `value`; compound array elements are skipped. */
export function eventPropertyContains(condition: PushCondition, event: PushEvent): boolean {
  const { key, value } = condition;
  if (typeof key !== "string" || !isPushScalar(value)) return false;
  const actual = lookupDotSeparatedPath(event, key);
  if (!Array.isArray(actual)) return false;
  return actual.some((item) => isPushScalar(item) && item === value);
}

/**
 * Deprecated since v1.17 (no default rule uses it any more) but still defined, so user rules
 * that carry it keep working: the user's display name as a word in `content.body`.
 * An empty or unknown display name matches nothing (it would otherwise match every message).
 */
export function containsDisplayName(event: PushEvent, ctx: PushContext): boolean {
  const name = ctx.userDisplayName;
  if (!name) return false;
  const body = event.content.body;
  return typeof body === "string" && literalMatchesWords(name, body);
}

const MEMBER_COUNT = /^(==|<=|>=|<|>)?([0-9]+)$/;

/** `is` is a decimal integer with an optional ==, <, >, <= or >= prefix (default ==). */
export function roomMemberCount(condition: PushCondition, ctx: PushContext): boolean {
  if (typeof condition.is !== "string") return false;
  const m = MEMBER_COUNT.exec(condition.is);
  if (!m) return false;
  const n = Number(m[2]);
  const count = ctx.roomMemberCount;
  switch (m[1] ?? "==") {
    case "==":
      return count === n;
    case "<":
      return count < n;
    case ">":
      return count > n;
    case "<=":
      return count <= n;
    case ">=":
      return count >= n;
    default:
      return false;
  }
}

/** m.room.power_levels documents 50 as the default for `notifications.room`. */
const DEFAULT_NOTIFICATION_LEVEL = 50;

/**
 * The sender's power level must reach `notifications[key]` of the room's power levels. The spec
 * gives a default (50) only for `room`; we use the same default for other keys rather than let an
 * absent entry allow anyone to trigger a notification type.
 */
export function senderNotificationPermission(condition: PushCondition, ctx: PushContext): boolean {
  const { key } = condition;
  if (typeof key !== "string") return false;
  const own = Object.prototype.hasOwnProperty.call(ctx.notificationPowerLevels, key);
  const configured = own ? ctx.notificationPowerLevels[key] : undefined;
  const required = typeof configured === "number" ? configured : DEFAULT_NOTIFICATION_LEVEL;
  return ctx.senderPowerLevel >= required;
}

/** Regex for validating `is` when a client creates a rule. */
export function isValidMemberCountCondition(is: string): boolean {
  return MEMBER_COUNT.test(is);
}
