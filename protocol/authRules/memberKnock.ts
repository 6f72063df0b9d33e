/**
 * `m.room.member` with membership `knock`, room versions 7+ (v7 rule 4.6; v8 4.7; v12 5.7).
 * Earlier versions do not know this membership and refuse it as unknown.
 */
import type { AuthResult } from "./result.js";
import { ALLOW, reject } from "./result.js";
import type { AuthContext } from "./context.js";
import { joinRuleAllowsKnock } from "../membership.js";

export function authorizeKnock(ctx: AuthContext): AuthResult {
  const { event, version } = ctx;
  const target = event.state_key as string;
  // .1 Knocking needs a join rule that invites it: knock (v7+) or knock_restricted (v10+).
  if (!joinRuleAllowsKnock(ctx.joinRule, version)) {
    return reject("member.knock.join_rule", version, `join rule ${ctx.joinRule} does not allow knocking`);
  }
  // .2 You knock for yourself.
  if (event.sender !== target) {
    return reject("member.knock.sender_mismatch", version, `${event.sender} cannot knock as ${target}`);
  }
  // .3 Anyone not already banned, invited or joined may knock.
  const current = ctx.membership(target);
  if (current !== "ban" && current !== "invite" && current !== "join") return ALLOW;
  // .4
  return reject("member.knock.already_member", version, `${target} cannot knock: membership is ${current}`);
}
