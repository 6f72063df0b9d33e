/**
 * The identifier questions the auth rules ask (spec: appendices "Identifier Grammar").
 */
import { isValidUserId as isValidUserIdWith } from "../identifiers.js";

/**
 * The domain of `@user:domain`, `!room:domain`, `$event:domain` (everything after the first
 * colon), or undefined when there is none (v12 room IDs, v3+ event IDs). Never throws: the auth
 * rules compare domains of whatever arrived.
 */
export function domainOf(id: string): string | undefined {
  const i = id.indexOf(":");
  return i < 0 ? undefined : id.slice(i + 1);
}

/**
 * A user ID as event fields must accept it: the historical grammar (any localpart without `:`
 * or NUL, even empty), since old rooms hold such senders; the spec asks the same validation of
 * `additional_creators` and power level `users` keys as of `sender`.
 */
export function isValidUserId(id: string): boolean {
  return isValidUserIdWith(id, { historical: true });
}
