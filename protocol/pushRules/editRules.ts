import { validateActions } from "./actions.js";
import { isServerDefaultRuleId, MASTER_RULE_ID } from "./defaultRules.js";
import { invalidRuleParam, PushRuleError, ruleNotFound } from "./errors.js";
import { validatePushRule, type PushRuleInput } from "./validateRule.js";
import { isPushRuleKind, type PushAction, type PushRule, type PushRuleKind, type PushRuleSet } from "./types.js";

/**
 * The edits behind the /pushrules API, as pure functions: each takes a ruleset and returns a new
 * one (the input is never changed), or throws a PushRuleError carrying the spec's errcode.
 *
 * Within a kind, user rules come before server-default rules, except `.m.rule.master`, which
 * stays the very first override rule.
 */

/** The `{kind}` path segment, checked. */
export function parsePushRuleKind(kind: string): PushRuleKind {
  if (!isPushRuleKind(kind)) throw invalidRuleParam(`Unknown push rule kind: ${kind}`);
  return kind;
}

export function findRule(ruleset: PushRuleSet, kind: PushRuleKind, ruleId: string): PushRule | undefined {
  return ruleset[kind].find((r) => r.rule_id === ruleId);
}

/** Like findRule, but a missing rule is the spec's 404 M_NOT_FOUND. */
export function getRule(ruleset: PushRuleSet, kind: PushRuleKind, ruleId: string): PushRule {
  const rule = findRule(ruleset, kind, ruleId);
  if (!rule) throw ruleNotFound(kind, ruleId);
  return rule;
}

export interface RulePosition {
  /** Make the rule the next more important rule than this user rule. Wins over `after`. */
  before?: string;
  /** Make the rule the next less important rule than this user rule. */
  after?: string;
}

/**
 * PUT /pushrules/global/{kind}/{ruleId}: creates or updates a user rule.
 *
 * - A new rule is enabled and, without before/after, becomes the most important user rule of its kind.
 * - An existing rule keeps its enabled state and, without before/after, its place.
 * - before/after must name a user rule of the same kind: naming a server-default rule is refused,
 *   and an unknown one is the spec's example error (400 M_UNKNOWN "before/after rule not found").
 */
export function upsertRule(
  ruleset: PushRuleSet,
  kind: PushRuleKind,
  input: PushRuleInput,
  position: RulePosition = {},
): PushRuleSet {
  const validated = validatePushRule(kind, input);
  const rules = ruleset[kind];
  const existingIndex = rules.findIndex((r) => r.rule_id === validated.rule_id);
  const existing = existingIndex >= 0 ? rules[existingIndex] : undefined;
  const rule: PushRule = existing ? { ...validated, enabled: existing.enabled } : validated;
  const anchor = position.before ?? position.after;

  if (anchor === undefined) {
    const next = [...rules];
    if (existing) next[existingIndex] = rule;
    else next.splice(firstUserRuleIndex(rules), 0, rule);
    return { ...ruleset, [kind]: next };
  }

  if (isServerDefaultRuleId(anchor)) {
    throw invalidRuleParam("A rule cannot be placed relative to a server-default rule");
  }
  const next = rules.filter((r) => r.rule_id !== rule.rule_id);
  const anchorIndex = next.findIndex((r) => r.rule_id === anchor);
  if (anchorIndex < 0) throw new PushRuleError(400, "M_UNKNOWN", `before/after rule not found: ${anchor}`);
  if (next[anchorIndex].default) throw invalidRuleParam("A rule cannot be placed relative to a server-default rule");
  next.splice(position.before !== undefined ? anchorIndex : anchorIndex + 1, 0, rule);
  return { ...ruleset, [kind]: next };
}

/** DELETE /pushrules/global/{kind}/{ruleId}. Server-default rules can be disabled, not deleted. */
export function deleteRule(ruleset: PushRuleSet, kind: PushRuleKind, ruleId: string): PushRuleSet {
  const rule = getRule(ruleset, kind, ruleId);
  if (rule.default) throw invalidRuleParam("Server-default push rules cannot be deleted; disable them instead");
  return { ...ruleset, [kind]: ruleset[kind].filter((r) => r !== rule) };
}

/** PUT …/enabled. Allowed on server-default rules too (enabling .m.rule.master mutes everything). */
export function setEnabled(ruleset: PushRuleSet, kind: PushRuleKind, ruleId: string, enabled: boolean): PushRuleSet {
  if (typeof enabled !== "boolean") throw invalidRuleParam("'enabled' must be a boolean");
  return replaceRule(ruleset, kind, ruleId, (r) => ({ ...r, enabled }));
}

/** PUT …/actions. Allowed on server-default rules too; the actions are validated here. */
export function setActions(ruleset: PushRuleSet, kind: PushRuleKind, ruleId: string, actions: unknown): PushRuleSet {
  getRule(ruleset, kind, ruleId); // a missing rule is 404 even when the actions are also bad
  const valid: PushAction[] = validateActions(actions);
  return replaceRule(ruleset, kind, ruleId, (r) => ({ ...r, actions: valid }));
}

function replaceRule(
  ruleset: PushRuleSet,
  kind: PushRuleKind,
  ruleId: string,
  change: (rule: PushRule) => PushRule,
): PushRuleSet {
  const rule = getRule(ruleset, kind, ruleId);
  return { ...ruleset, [kind]: ruleset[kind].map((r) => (r === rule ? change(r) : r)) };
}

/** Where the user rules of a kind begin: after `.m.rule.master` when it leads the list. */
function firstUserRuleIndex(rules: readonly PushRule[]): number {
  return rules.length > 0 && rules[0].rule_id === MASTER_RULE_ID ? 1 : 0;
}
