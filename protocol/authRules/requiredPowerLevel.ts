/**
 * The *required power level* rule (v1 rule 8; v6 7; v12 8): the sender needs `events[type]`,
 * else `state_default` for state events or `events_default` for others.
 */
import { isStateEvent } from "../pdu.js";
import { eventPowerLevel } from "../powerLevels.js";
import type { AuthResult } from "./result.js";
import { ALLOW, reject } from "./result.js";
import type { AuthContext } from "./context.js";

export function authorizeRequiredPowerLevel(ctx: AuthContext): AuthResult {
  const { event, version } = ctx;
  const required = eventPowerLevel(event.type, isStateEvent(event), ctx.power.levels);
  const power = ctx.powerOf(event.sender);
  if (required > power) {
    return reject(
      "required_power_level",
      version,
      `${event.type} needs power ${required}; ${event.sender} has ${power}`,
    );
  }
  return ALLOW;
}
