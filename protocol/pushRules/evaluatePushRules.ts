import type { JsonValue } from "../json.js";
import { actionOutcome, stripHistoricalActions } from "./actions.js";
import { conditionMatches } from "./conditions.js";
import { globMatchesWords } from "./globMatch.js";
import { PUSH_RULE_KINDS, type PushAction, type PushContext, type PushEvent, type PushRule, type PushRuleKind, type PushRuleSet } from "./types.js";

export interface PushEvaluation {
  notify: boolean;
  highlight: boolean;
  /** The `sound` tweak of the matched rule, when it has one. */
  sound?: string;
  /** The rule_id of the rule that decided, if any rule matched. */
  rule?: string;
  kind?: PushRuleKind;
  /** All tweaks of the matched rule, for the push gateway's `tweaks`. */
  tweaks: Record<string, JsonValue>;
  /** The matched rule's actions without the historical ones (GET /notifications lists them). */
  actions?: PushAction[];
}

const NOTHING: PushEvaluation = { notify: false, highlight: false, tweaks: {} };

/**
 * Runs a user's ruleset over an event: the first enabled rule that matches, checking kinds in the
 * spec's order (override, content, room, sender, underride) and rules within a kind in list order,
 * decides the outcome. No match means no notification.
 *
 * The user's own events never notify (spec: homeservers MUST NOT notify for events the user has
 * sent themselves), so that is decided here rather than left to each caller.
 */
export function evaluatePushRules(ruleset: PushRuleSet, event: PushEvent, ctx: PushContext): PushEvaluation {
  if (event.sender === ctx.userId) return { ...NOTHING, tweaks: {} };
  for (const kind of PUSH_RULE_KINDS) {
    for (const rule of ruleset[kind] ?? []) {
      if (!rule.enabled || !ruleMatches(kind, rule, event, ctx)) continue;
      const outcome = actionOutcome(rule.actions);
      return { ...outcome, rule: rule.rule_id, kind, actions: stripHistoricalActions(rule.actions) };
    }
  }
  return { ...NOTHING, tweaks: {} };
}

/**
 * Whether a rule's conditions hold. override/underride use their explicit conditions (none means
 * always); the other kinds have predefined ones: content → `pattern` against `content.body` at word
 * boundaries, room → the rule_id is the event's room, sender → the rule_id is the event's sender.
 */
export function ruleMatches(kind: PushRuleKind, rule: PushRule, event: PushEvent, ctx: PushContext): boolean {
  switch (kind) {
    case "override":
    case "underride":
      return (rule.conditions ?? []).every((c) => conditionMatches(c, event, ctx));
    case "content": {
      const body = event.content.body;
      return typeof rule.pattern === "string" && typeof body === "string" && globMatchesWords(rule.pattern, body);
    }
    case "room":
      return event.room_id === rule.rule_id;
    case "sender":
      return event.sender === rule.rule_id;
  }
}
