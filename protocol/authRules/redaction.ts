/**
 * Rule 11 of room versions 1–2: `m.room.redaction` needs the redact level, or must come from
 * the server that created the redacted event (judged by the domains of the two event IDs, which
 * these versions still carry). Room version 3 dropped this rule: redactions are authorised like
 * any event and checked again before they are applied (see handlingRedactions.ts).
 */
import type { AuthResult } from "./result.js";
import { ALLOW, reject } from "./result.js";
import type { AuthContext } from "./context.js";
import { domainOf } from "./ids.js";

/** Room versions whose event IDs carry a domain (v1–2) are those with this rule. */
export function hasRedactionAuthRule(eventIdFormat: string): boolean {
  return eventIdFormat === "v1";
}

export function authorizeRedactionV1(ctx: AuthContext): AuthResult {
  const { event, version } = ctx;
  const power = ctx.powerOf(event.sender);
  // .1
  if (power >= ctx.power.levels.redact) return ALLOW;
  // .2
  const redacts = event.redacts;
  if (typeof redacts === "string" && domainOf(redacts) !== undefined && domainOf(redacts) === domainOf(event.event_id)) {
    return ALLOW;
  }
  // .3
  return reject(
    "redaction.insufficient_power",
    version,
    `${event.sender} has power ${power}, redact needs ${ctx.power.levels.redact}, and ${String(redacts)} is from another server`,
  );
}
