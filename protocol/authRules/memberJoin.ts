/**
 * `m.room.member` with membership `join` (v1 rule 5.2; v6 4.2; v8 4.3; v12 5.3).
 */
import type { AuthResult } from "./result.js";
import { ALLOW, reject } from "./result.js";
import type { AuthContext } from "./context.js";
import { createEventCreator } from "./create.js";
import { joinRuleIsRestricted } from "../membership.js";

export function authorizeJoin(ctx: AuthContext): AuthResult {
  const { event, version, create } = ctx;
  const target = event.state_key as string;

  // .1 The creator's own first join, straight after the create event, has nothing to check
  //    against: there is no join rule or membership yet.
  if (
    event.prev_events.length === 1 &&
    event.prev_events[0] === create.event_id &&
    target === createEventCreator(create, version)
  ) {
    return ALLOW;
  }
  // .2 Nobody can join on someone else's behalf.
  if (event.sender !== target) {
    return reject("member.join.sender_mismatch", version, `${event.sender} cannot join as ${target}`);
  }
  const current = ctx.membership(target);
  // .3 A ban outlives every join rule.
  if (current === "ban") {
    return reject("member.join.banned", version, `${target} is banned from the room`);
  }
  const joinRule = ctx.joinRule;
  // .4 Invite-only (and, from v7, knock) rooms admit those invited or already joined.
  if (joinRule === "invite" || (version.knock && joinRule === "knock")) {
    if (current === "invite" || current === "join") return ALLOW;
    return reject(
      "member.join.forbidden",
      version,
      `join rule is ${joinRule} and ${target} is not invited (membership ${current})`,
    );
  }
  // .5 (v8+) Restricted rooms: the invited, or anyone a resident user with invite power vouches
  //    for. That user's server signed the event (checked by the member rule before this).
  if (joinRuleIsRestricted(joinRule, version)) {
    if (current === "join" || current === "invite") return ALLOW;
    const authoriser = event.content.join_authorised_via_users_server;
    if (typeof authoriser !== "string") {
      return reject(
        "member.join.authoriser_invalid",
        version,
        `join rule is ${joinRule} and the join has no join_authorised_via_users_server`,
      );
    }
    if (ctx.membership(authoriser) !== "join") {
      return reject("member.join.authoriser_invalid", version, `authorising user ${authoriser} is not joined`);
    }
    if (ctx.powerOf(authoriser) < ctx.power.levels.invite) {
      return reject(
        "member.join.authoriser_invalid",
        version,
        `authorising user ${authoriser} does not have the power to invite`,
      );
    }
    return ALLOW;
  }
  // .6 Public rooms admit anyone not banned.
  if (joinRule === "public") return ALLOW;
  // Otherwise (private, an unknown rule, or a rule this room version does not have), reject.
  return reject("member.join.forbidden", version, `join rule ${joinRule} does not admit ${target}`);
}
