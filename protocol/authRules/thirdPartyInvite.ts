/**
 * The `m.room.third_party_invite` rule (v1 rule 7; v6 6; v12 7): issuing an invitation to a
 * third-party identifier needs the invite level, like inviting a Matrix user.
 */
import type { AuthResult } from "./result.js";
import { ALLOW, reject } from "./result.js";
import type { AuthContext } from "./context.js";

export function authorizeThirdPartyInviteEvent(ctx: AuthContext): AuthResult {
  const { event, version } = ctx;
  const power = ctx.powerOf(event.sender);
  if (power >= ctx.power.levels.invite) return ALLOW;
  return reject(
    "third_party_invite.insufficient_power",
    version,
    `${event.sender} has power ${power}, invite needs ${ctx.power.levels.invite}`,
  );
}
