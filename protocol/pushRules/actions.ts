import type { JsonValue } from "../json.js";
import { isJsonObject } from "../json.js";
import { invalidRuleParam, missingRuleParam } from "./errors.js";
import { isSetTweak, type PushAction } from "./types.js";

/**
 * `dont_notify` and `coalesce` are historical: the spec says to ignore them, e.g. by stripping
 * them, so that `["dont_notify"]` is the same as `[]`.
 */
const HISTORICAL_ACTIONS = new Set(["dont_notify", "coalesce"]);

export function stripHistoricalActions(actions: readonly PushAction[]): PushAction[] {
  return actions.filter((a) => !(typeof a === "string" && HISTORICAL_ACTIONS.has(a)));
}

/** What a matched rule's actions mean for the notification. */
export interface ActionOutcome {
  notify: boolean;
  highlight: boolean;
  /** The `sound` tweak when it is a string (`"default"`, `"ring"`, a file name…). */
  sound?: string;
  /** Every tweak, passed through to the push gateway as the spec asks (later ones win). */
  tweaks: Record<string, JsonValue>;
}

/**
 * `notify` makes a notification; tweaks are collected. A `highlight` tweak without a value means
 * true, no highlight tweak means false.
 */
export function actionOutcome(actions: readonly PushAction[]): ActionOutcome {
  let notify = false;
  const tweaks: Record<string, JsonValue> = {};
  for (const action of stripHistoricalActions(actions)) {
    if (action === "notify") notify = true;
    else if (isSetTweak(action)) {
      const value = action.value;
      tweaks[action.set_tweak] = value === undefined && action.set_tweak === "highlight" ? true : (value ?? null);
    }
  }
  const highlight = tweaks.highlight === true;
  const sound = typeof tweaks.sound === "string" ? tweaks.sound : undefined;
  return sound === undefined ? { notify, highlight, tweaks } : { notify, highlight, sound, tweaks };
}

/**
 * Validates the `actions` a client sends (PUT …/actions or PUT a rule): an array of `"notify"`
 * or `set_tweak` objects. Historical actions are accepted and stripped; any other action is
 * refused so a typo does not silently produce a rule that does nothing.
 */
export function validateActions(json: unknown): PushAction[] {
  if (json === undefined) throw missingRuleParam("Push rule actions are required");
  if (!Array.isArray(json)) throw invalidRuleParam("Push rule actions must be an array");
  const actions: PushAction[] = [];
  for (const item of json as unknown[]) {
    if (typeof item === "string") {
      if (HISTORICAL_ACTIONS.has(item)) continue;
      if (item !== "notify") throw invalidRuleParam(`Unrecognised push rule action: ${item}`);
      actions.push(item);
    } else if (isJsonObject(item) && typeof item.set_tweak === "string") {
      if (item.set_tweak === "highlight" && item.value !== undefined && typeof item.value !== "boolean") {
        throw invalidRuleParam("The highlight tweak's value must be a boolean");
      }
      actions.push(item);
    } else {
      throw invalidRuleParam("Each push rule action must be a string or a set_tweak object");
    }
  }
  return actions;
}
