/**
 * `m.room.member` with membership `invite` (v1 rule 5.3; v6 4.3; v8 4.4; v12 5.4).
 */
import type { AuthResult } from "./result.js";
import { ALLOW, reject } from "./result.js";
import type { AuthContext } from "./context.js";
import { authorizeThirdPartyInviteMember } from "./memberThirdPartyInvite.js";

export function authorizeInvite(ctx: AuthContext): AuthResult {
  const { event, version } = ctx;
  const target = event.state_key as string;
  // .1 Third-party invites have their own proof and rules.
  if ("third_party_invite" in event.content) return authorizeThirdPartyInviteMember(ctx);
  // .2
  if (ctx.membership(event.sender) !== "join") {
    return reject("member.invite.sender_not_joined", version, `${event.sender} is not joined to the room`);
  }
  // .3 Inviting someone already in the room, or banned from it, means nothing (or evades a ban).
  const targetMembership = ctx.membership(target);
  if (targetMembership === "join" || targetMembership === "ban") {
    return reject(
      "member.invite.target_joined_or_banned",
      version,
      `${target} cannot be invited: membership is ${targetMembership}`,
    );
  }
  // .4
  if (ctx.powerOf(event.sender) >= ctx.power.levels.invite) return ALLOW;
  // .5
  return reject(
    "member.invite.insufficient_power",
    version,
    `${event.sender} has power ${ctx.powerOf(event.sender)}, invite needs ${ctx.power.levels.invite}`,
  );
}
