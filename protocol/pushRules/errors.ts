import type { Errcode } from "../errcodes.js";

/**
 * Errors from editing push rules, carrying the spec's errcode and HTTP status so the Worker can
 * turn them into a Matrix error reply without knowing push-rule details. (protocol/ sits below
 * platform/errors.ts, hence a local class with the same shape: status, errcode, message.)
 */
export class PushRuleError extends Error {
  constructor(
    readonly status: 400 | 404,
    readonly errcode: Extract<Errcode, "M_NOT_FOUND" | "M_INVALID_PARAM" | "M_MISSING_PARAM" | "M_UNKNOWN">,
    message: string,
  ) {
    super(message);
    this.name = "PushRuleError";
  }
}

export const ruleNotFound = (kind: string, ruleId: string) =>
  new PushRuleError(404, "M_NOT_FOUND", `The push rule ${kind}/${ruleId} was not found.`);
export const invalidRuleParam = (message: string) => new PushRuleError(400, "M_INVALID_PARAM", message);
export const missingRuleParam = (message: string) => new PushRuleError(400, "M_MISSING_PARAM", message);
