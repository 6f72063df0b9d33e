/**
 * `m.room.member` with membership `ban` (v1 rule 5.5; v6 4.5; v8 4.6; v12 5.6).
 */
import type { AuthResult } from "./result.js";
import { ALLOW, reject } from "./result.js";
import type { AuthContext } from "./context.js";

export function authorizeBan(ctx: AuthContext): AuthResult {
  const { event, version } = ctx;
  const target = event.state_key as string;
  // .1
  if (ctx.membership(event.sender) !== "join") {
    return reject("member.ban.sender_not_joined", version, `${event.sender} is not joined to the room`);
  }
  // .2 The ban level, and strictly more power than the target (so equals cannot ban each
  //    other, and nobody can ban a v12 creator).
  const senderPower = ctx.powerOf(event.sender);
  const targetPower = ctx.powerOf(target);
  if (senderPower >= ctx.power.levels.ban && targetPower < senderPower) return ALLOW;
  // .3
  return reject(
    "member.ban.insufficient_power",
    version,
    `${event.sender} (power ${senderPower}) cannot ban ${target} (power ${targetPower}); ban needs ${ctx.power.levels.ban}`,
  );
}
