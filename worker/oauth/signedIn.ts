import type { Ctx } from "../router.js";
import { getCookie, SESSION_COOKIE } from "./pages/cookies.js";
import { userIdOfToken, WEB_SESSION_PREFIX } from "../../platform/tokens.js";
import { toMatrixError } from "../../platform/errors.js";
import { userStub } from "../../platform/stubs.js";
import type { WebSessionUser } from "../../platform/rpc/user.js";

/** A browser signed in on the account pages: its user and the session cookie's token. */
export interface SignedIn extends WebSessionUser {
  token: string;
}

/**
 * The user this browser is signed in as, from the `lattice_session` cookie (a `latw_…` token
 * that names its user, so one UserDO call checks it), or undefined: no cookie, not one of ours,
 * expired, signed out, or the account deactivated.
 */
export async function signedInUser(request: Request, ctx: Ctx): Promise<SignedIn | undefined> {
  const token = getCookie(request, SESSION_COOKIE);
  if (!token) return undefined;
  const userId = userIdOfToken(WEB_SESSION_PREFIX, token, ctx.config.serverName);
  if (userId === undefined) return undefined;
  try {
    const user = await userStub(ctx.env, userId).webSession(token);
    return { ...user, token };
  } catch (e) {
    // The UserDO's only "not signed in" answer; any other failure is a real one, not a sign-in prompt.
    if (toMatrixError(e)?.errcode === "M_UNKNOWN_TOKEN") return undefined;
    throw e;
  }
}
