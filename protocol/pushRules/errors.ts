import type { Errcode } from "../errcodes.js";
import { SpecError } from "../specError.js";

/** Errors from editing push rules, with the spec's errcode and HTTP status (a SpecError). */
export class PushRuleError extends SpecError {
  constructor(
    override readonly status: 400 | 404,
    override readonly errcode: Extract<Errcode, "M_NOT_FOUND" | "M_INVALID_PARAM" | "M_MISSING_PARAM" | "M_UNKNOWN">,
    message: string,
  ) {
    super(status, errcode, message);
    this.name = "PushRuleError";
  }
}

export const ruleNotFound = (kind: string, ruleId: string) =>
  new PushRuleError(404, "M_NOT_FOUND", `The push rule ${kind}/${ruleId} was not found.`);
export const invalidRuleParam = (message: string) => new PushRuleError(400, "M_INVALID_PARAM", message);
export const missingRuleParam = (message: string) => new PushRuleError(400, "M_MISSING_PARAM", message);
