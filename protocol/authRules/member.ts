/**
 * The `m.room.member` rule (v1–5: rule 5; v6–11: rule 4; v12: rule 5): shape checks, the
 * restricted-join signature check (v8+), then one sub-rule per membership.
 */
import type { AuthResult } from "./result.js";
import { reject } from "./result.js";
import type { AuthContext } from "./context.js";
import { domainOf } from "./ids.js";
import { authorizeJoin } from "./memberJoin.js";
import { authorizeInvite } from "./memberInvite.js";
import { authorizeLeave } from "./memberLeave.js";
import { authorizeBan } from "./memberBan.js";
import { authorizeKnock } from "./memberKnock.js";
import { isJsonObject } from "../json.js";

export function authorizeMember(ctx: AuthContext): AuthResult {
  const { event, version } = ctx;
  // .1
  if (event.state_key === undefined || !("membership" in event.content)) {
    return reject("member.malformed", version, "m.room.member needs a state_key and content.membership");
  }
  // .2 (v8+) A join vouched for by a resident user must carry that user's server's signature,
  //    so a joining server cannot name an authoriser on its own. Signatures were verified by
  //    the caller; here it is enough that the server signed at all.
  if (version.restrictedJoin && "join_authorised_via_users_server" in event.content) {
    const authoriser = event.content.join_authorised_via_users_server;
    const server = typeof authoriser === "string" ? domainOf(authoriser) : undefined;
    const signatures = server === undefined ? undefined : event.signatures[server];
    if (!isJsonObject(signatures) || Object.keys(signatures).length === 0) {
      return reject(
        "member.authoriser_signature_missing",
        version,
        `join_authorised_via_users_server ${JSON.stringify(authoriser)}: event not signed by that user's server`,
      );
    }
  }
  const membership = event.content.membership;
  switch (membership) {
    case "join":
      return authorizeJoin(ctx);
    case "invite":
      return authorizeInvite(ctx);
    case "leave":
      return authorizeLeave(ctx);
    case "ban":
      return authorizeBan(ctx);
    case "knock":
      if (version.knock) return authorizeKnock(ctx);
      break;
  }
  return reject(
    "member.unknown_membership",
    version,
    `membership ${JSON.stringify(membership)} is not known in room version ${version.id}`,
  );
}
