/** Push rules (spec: Client-Server API, "Push Notifications" module). */
export * from "./types.js";
export * from "./errors.js";
export { parseDotSeparatedPath, lookupDotSeparatedPath } from "./dotSeparatedPath.js";
export { globMatchesWhole, globMatchesWords, literalMatchesWords } from "./globMatch.js";
export { conditionMatches } from "./conditions.js";
export { actionOutcome, stripHistoricalActions, validateActions, type ActionOutcome } from "./actions.js";
export { defaultPushRules, isServerDefaultRuleId, MASTER_RULE_ID } from "./defaultRules.js";
export { evaluatePushRules, ruleMatches, type PushEvaluation } from "./evaluatePushRules.js";
export { validatePushRule, validateConditions, validateUserRuleId, type PushRuleInput } from "./validateRule.js";
export {
  parsePushRuleKind,
  findRule,
  getRule,
  upsertRule,
  deleteRule,
  setEnabled,
  setActions,
  type RulePosition,
} from "./editRules.js";
export {
  mergeWithDefaults,
  toStoredPushRules,
  type StoredPushRules,
  type DefaultRuleOverride,
} from "./mergeWithDefaults.js";
