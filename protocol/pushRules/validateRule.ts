import { isJsonObject } from "../json.js";
import { validateActions } from "./actions.js";
import { isPushScalar, isValidMemberCountCondition } from "./conditions.js";
import { isServerDefaultRuleId } from "./defaultRules.js";
import { invalidRuleParam, missingRuleParam } from "./errors.js";
import type { PushCondition, PushRule, PushRuleKind } from "./types.js";

/** A rule as a client sends it: the path's rule_id plus the PUT body's fields, not yet checked. */
export interface PushRuleInput {
  rule_id: string;
  actions: unknown;
  conditions?: unknown;
  pattern?: unknown;
}

/**
 * The spec reserves IDs starting with "." for server-default rules and forbids "/" and "\" in
 * user rule IDs (they would be ambiguous in the /pushrules/global/{kind}/{ruleId} paths).
 */
export function validateUserRuleId(ruleId: string): void {
  if (ruleId.length === 0) throw invalidRuleParam("A push rule ID must not be empty");
  if (isServerDefaultRuleId(ruleId)) {
    throw invalidRuleParam("Push rule IDs starting with '.' are reserved for server-default rules");
  }
  if (ruleId.includes("/") || ruleId.includes("\\")) {
    throw invalidRuleParam("Push rule IDs must not contain '/' or '\\'");
  }
}

/**
 * Checks a client's rule and returns it as a new, enabled, user-defined rule. Only the fields the
 * kind uses are kept: `pattern` for content rules, `conditions` for override/underride; room and
 * sender rules are defined by their rule_id alone.
 */
export function validatePushRule(kind: PushRuleKind, input: PushRuleInput): PushRule {
  validateUserRuleId(input.rule_id);
  const rule: PushRule = { rule_id: input.rule_id, default: false, enabled: true, actions: validateActions(input.actions) };
  if (kind === "content") {
    if (input.pattern === undefined) throw missingRuleParam("Content push rules need a pattern");
    if (typeof input.pattern !== "string") throw invalidRuleParam("A push rule pattern must be a string");
    rule.pattern = input.pattern;
  } else if (kind === "override" || kind === "underride") {
    rule.conditions = input.conditions === undefined ? [] : validateConditions(input.conditions);
  }
  return rule;
}

/**
 * Conditions must be objects with a string `kind`. Known kinds must carry their parameters with
 * the right types; unknown kinds are kept as given, since the spec defines them as never matching
 * (a client may know a newer condition than we do).
 */
export function validateConditions(json: unknown): PushCondition[] {
  if (!Array.isArray(json)) throw invalidRuleParam("Push rule conditions must be an array");
  return (json as unknown[]).map((item, i) => {
    if (!isJsonObject(item) || typeof item.kind !== "string") {
      throw invalidRuleParam(`Push rule condition ${i} must be an object with a string kind`);
    }
    const condition = item as PushCondition;
    const where = `Push rule condition ${i} (${condition.kind})`;
    switch (condition.kind) {
      case "event_match":
        if (typeof condition.key !== "string") throw invalidRuleParam(`${where} needs a string key`);
        if (typeof condition.pattern !== "string") throw invalidRuleParam(`${where} needs a string pattern`);
        break;
      case "event_property_is":
      case "event_property_contains":
        if (typeof condition.key !== "string") throw invalidRuleParam(`${where} needs a string key`);
        if (!("value" in condition) || !isPushScalar(condition.value)) {
          throw invalidRuleParam(`${where} needs a value that is a string, integer, boolean or null`);
        }
        break;
      case "room_member_count":
        if (typeof condition.is !== "string" || !isValidMemberCountCondition(condition.is)) {
          throw invalidRuleParam(`${where} needs 'is' like "2", "<10" or ">=3"`);
        }
        break;
      case "sender_notification_permission":
        if (typeof condition.key !== "string") throw invalidRuleParam(`${where} needs a string key`);
        break;
      default:
        break;
    }
    return condition;
  });
}
