import { stripHistoricalActions } from "./actions.js";
import { defaultPushRules, isServerDefaultRuleId, MASTER_RULE_ID } from "./defaultRules.js";
import { PUSH_RULE_KINDS, type PushAction, type PushRule, type PushRuleKind, type PushRuleSet } from "./types.js";

/** A user's change to one server-default rule. */
export interface DefaultRuleOverride {
  enabled?: boolean;
  actions?: PushAction[];
}

/**
 * What we store per user: their own rules, and only the differences they made to server-default
 * rules. Storing the whole ruleset would freeze the default rules at sign-up time; storing only
 * the differences lets a later spec's default rules (new rules, changed conditions) reach every
 * user while their choices (a disabled rule, changed actions) persist.
 */
export interface StoredPushRules {
  /** User-defined rules of each kind, most important first. */
  user?: Partial<Record<PushRuleKind, PushRule[]>>;
  /** Overrides of server-default rules, by kind then rule_id. */
  defaults?: Partial<Record<PushRuleKind, Record<string, DefaultRuleOverride>>>;
}

/**
 * The user's full ruleset: `.m.rule.master`, then the user's rules, then the other server-default
 * rules (with the user's overrides applied) for each kind. Overrides of default rules that no
 * longer exist are dropped, as are stored user rules with a reserved (".") ID.
 */
export function mergeWithDefaults(stored: StoredPushRules | undefined, userId: string): PushRuleSet {
  const defaults = defaultPushRules(userId);
  const merged = {} as PushRuleSet;
  for (const kind of PUSH_RULE_KINDS) {
    const overrides = stored?.defaults?.[kind] ?? {};
    const withOverrides = defaults[kind].map((rule) => applyOverride(rule, overrides[rule.rule_id]));
    const userRules = (stored?.user?.[kind] ?? [])
      .filter((r) => !isServerDefaultRuleId(r.rule_id))
      .map((r) => ({ ...r, default: false }));
    const master = withOverrides.filter((r) => r.rule_id === MASTER_RULE_ID);
    const others = withOverrides.filter((r) => r.rule_id !== MASTER_RULE_ID);
    merged[kind] = [...master, ...userRules, ...others];
  }
  return merged;
}

/**
 * The inverse of mergeWithDefaults: what to store after an edit. A default rule's setting equal to
 * the current default is not recorded, so it follows future changes of the default.
 */
export function toStoredPushRules(ruleset: PushRuleSet, userId: string): StoredPushRules {
  const defaults = defaultPushRules(userId);
  const stored: Required<StoredPushRules> = { user: {}, defaults: {} };
  for (const kind of PUSH_RULE_KINDS) {
    const userRules = ruleset[kind].filter((r) => !r.default && !isServerDefaultRuleId(r.rule_id));
    if (userRules.length > 0) stored.user[kind] = userRules;
    const overrides: Record<string, DefaultRuleOverride> = {};
    for (const base of defaults[kind]) {
      const current = ruleset[kind].find((r) => r.rule_id === base.rule_id);
      if (!current) continue;
      const override: DefaultRuleOverride = {};
      if (current.enabled !== base.enabled) override.enabled = current.enabled;
      if (!sameJson(current.actions, base.actions)) override.actions = current.actions;
      if (Object.keys(override).length > 0) overrides[base.rule_id] = override;
    }
    if (Object.keys(overrides).length > 0) stored.defaults[kind] = overrides;
  }
  return stored;
}

function applyOverride(rule: PushRule, override: DefaultRuleOverride | undefined): PushRule {
  if (!override) return rule;
  return {
    ...rule,
    enabled: typeof override.enabled === "boolean" ? override.enabled : rule.enabled,
    actions: Array.isArray(override.actions) ? stripHistoricalActions(override.actions) : rule.actions,
  };
}

/** Structural equality of JSON values, ignoring key order. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  return keys.length === Object.keys(bo).length && keys.every((k) => Object.hasOwn(bo, k) && sameJson(ao[k], bo[k]));
}
