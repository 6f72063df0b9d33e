/**
 * `m.room.member` invite carrying `third_party_invite` (v1 rule 5.3.1; v12 5.4.1): the invite
 * turns an earlier `m.room.third_party_invite` (an invitation to an e-mail address or phone
 * number) into an invite of the Matrix user the identity server vouched for, by signing
 * `{mxid, token}` with one of the keys published in that event.
 */
import { isJsonObject } from "../json.js";
import { stateKey } from "../pdu.js";
import type { AuthResult } from "./result.js";
import { ALLOW, reject } from "./result.js";
import type { AuthContext } from "./context.js";
import { thirdPartyInvitePublicKeys, verifySignedJson } from "./signedJson.js";

export function authorizeThirdPartyInviteMember(ctx: AuthContext): AuthResult {
  const { event, version } = ctx;
  const target = event.state_key as string;
  // .1 A banned user cannot be let back in through a third-party invite either.
  if (ctx.membership(target) === "ban") {
    return reject("member.invite.tpi.target_banned", version, `${target} is banned from the room`);
  }
  // .2
  const tpi = event.content.third_party_invite;
  if (!isJsonObject(tpi) || !isJsonObject(tpi.signed)) {
    return reject("member.invite.tpi.no_signed", version, "third_party_invite has no signed object");
  }
  const signed = tpi.signed;
  // .3
  if (!("mxid" in signed) || !("token" in signed)) {
    return reject("member.invite.tpi.signed_incomplete", version, "third_party_invite.signed lacks mxid or token");
  }
  // .4 The identity server vouched for this user, not another.
  if (signed.mxid !== target) {
    return reject(
      "member.invite.tpi.mxid_mismatch",
      version,
      `third_party_invite.signed.mxid ${JSON.stringify(signed.mxid)} is not ${target}`,
    );
  }
  // .5 The token names the m.room.third_party_invite being redeemed.
  const inviteEvent =
    typeof signed.token === "string" ? ctx.state.get(stateKey("m.room.third_party_invite", signed.token)) : undefined;
  if (!inviteEvent) {
    return reject(
      "member.invite.tpi.no_invite_event",
      version,
      `no m.room.third_party_invite with token ${JSON.stringify(signed.token)}`,
    );
  }
  // .6 Only the user who issued the third-party invite can complete it.
  if (inviteEvent.sender !== event.sender) {
    return reject(
      "member.invite.tpi.sender_mismatch",
      version,
      `third-party invite was issued by ${inviteEvent.sender}, not ${event.sender}`,
    );
  }
  // .7 One signature of `signed` must verify under one of the invite's public keys.
  if (verifySignedJson(signed, thirdPartyInvitePublicKeys(inviteEvent.content))) return ALLOW;
  // .8
  return reject(
    "member.invite.tpi.bad_signature",
    version,
    "no signature in third_party_invite.signed matches the third-party invite's public keys",
  );
}
