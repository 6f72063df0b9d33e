/**
 * `m.room.member` with membership `leave`: leaving, rejecting an invite, rescinding a knock,
 * kicking, and unbanning (v1 rule 5.4; v6 4.4; v8 4.5; v12 5.5).
 */
import type { AuthResult } from "./result.js";
import { ALLOW, reject } from "./result.js";
import type { AuthContext } from "./context.js";

export function authorizeLeave(ctx: AuthContext): AuthResult {
  const { event, version } = ctx;
  const target = event.state_key as string;
  const levels = ctx.power.levels;

  // .1 Leaving yourself: possible from join, from invite (rejecting it) and, from v7, from
  //    knock (rescinding it). Not from ban: that would lift your own ban.
  if (event.sender === target) {
    const current = ctx.membership(target);
    if (current === "join" || current === "invite" || (version.knock && current === "knock")) return ALLOW;
    return reject("member.leave.not_member", version, `${target} cannot leave: membership is ${current}`);
  }
  // .2 Kicks and unbans come from members only.
  if (ctx.membership(event.sender) !== "join") {
    return reject("member.leave.sender_not_joined", version, `${event.sender} is not joined to the room`);
  }
  const senderPower = ctx.powerOf(event.sender);
  // .3 Unbanning needs the ban level (and .4 adds the kick level).
  if (ctx.membership(target) === "ban" && senderPower < levels.ban) {
    return reject(
      "member.leave.target_banned",
      version,
      `${event.sender} has power ${senderPower}, unbanning needs ${levels.ban}`,
    );
  }
  // .4 Kick: the kick level, and strictly more power than the target.
  const targetPower = ctx.powerOf(target);
  if (senderPower >= levels.kick && targetPower < senderPower) return ALLOW;
  // .5
  return reject(
    "member.leave.insufficient_power",
    version,
    `${event.sender} (power ${senderPower}) cannot kick ${target} (power ${targetPower}); kick needs ${levels.kick}`,
  );
}
