/** The answer of the auth rules, and how refusals are built. */
import type { RoomVersion } from "../roomVersions.js";
import type { RuleId } from "./ruleNumbers.js";
import { ruleNumber } from "./ruleNumbers.js";

/**
 * `rule` is "<spec number> <id>" (see ruleNumbers.ts), e.g. "4.3.2 member.join.sender_mismatch";
 * `reason` is for humans (logs, error messages).
 */
export type AuthResult = { allowed: true } | { allowed: false; rule: string; reason: string };

export const ALLOW: AuthResult = Object.freeze({ allowed: true }) as AuthResult;

export function reject(id: RuleId, version: RoomVersion, reason: string): AuthResult {
  return { allowed: false, rule: `${ruleNumber(id, version)} ${id}`, reason };
}

/** The id part of a refusal's `rule` ("member.join.banned"), or undefined when allowed. */
export function ruleIdOf(result: AuthResult): string | undefined {
  return result.allowed ? undefined : result.rule.slice(result.rule.indexOf(" ") + 1);
}
