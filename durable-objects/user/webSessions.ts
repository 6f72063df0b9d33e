import { forbidden, unknownToken } from "../../platform/errors.js";
import { WEB_SESSION_LIFETIME_MS, WEB_SESSION_PREFIX, hashToken, newUserToken } from "../../platform/tokens.js";
import type { WebSessionUser } from "../../platform/rpc/user.js";
import type { AccountStore } from "./accountStore.js";
import type { WebSessionStore } from "./webSessionStore.js";
import { checkPassword, localpartOf } from "./account.js";

/**
 * Browser sign-ins on the account pages (login, consent, account management): a cookie whose
 * value is a `latw_` token, valid for a week. Only the pages use it; it is no access token.
 */

// In platform/, where the Worker (which sets the cookie) can read it too.
export { WEB_SESSION_LIFETIME_MS };
/** last_active_ts is rewritten at most this often, not on every page view. */
const ACTIVITY_GRANULARITY_MS = 5 * 60 * 1000;

/** A new web session (the account exists and the caller has proven who they are). Returns the cookie value. */
export async function startWebSession(sessions: WebSessionStore, localpart: string, userAgent: string | undefined, now: number): Promise<string> {
  const token = newUserToken(WEB_SESSION_PREFIX, localpart);
  const hash = await hashToken(token);
  sessions.deleteExpired(now);
  sessions.add(hash, now, now + WEB_SESSION_LIFETIME_MS, userAgent ?? null);
  return token;
}

/**
 * Signs a browser in with the account's password. A wrong one, a deactivated account and no
 * account at all get the same 403 M_FORBIDDEN, so the page tells no one which accounts exist.
 */
export async function signIn(accounts: AccountStore, sessions: WebSessionStore, password: string, userAgent: string | undefined): Promise<string> {
  const acc = accounts.account();
  if (!acc || !(await checkPassword(accounts, password))) throw forbidden("Invalid username or password");
  return startWebSession(sessions, localpartOf(acc.user_id), userAgent, Date.now());
}

/** The user a web session signs in; unknown, expired, or the account deactivated: 401 M_UNKNOWN_TOKEN. */
export async function sessionUser(accounts: AccountStore, sessions: WebSessionStore, token: string, now: number): Promise<WebSessionUser> {
  const hash = await hashToken(token);
  const acc = accounts.account();
  const row = sessions.get(hash);
  if (!acc || acc.deactivated || !row || now >= row.expires_ts) throw unknownToken("Unknown or expired session");
  if (now - row.last_active_ts >= ACTIVITY_GRANULARITY_MS) sessions.touch(hash, now);
  return { userId: acc.user_id, displayname: acc.displayname, signedInTs: row.created_ts };
}

export async function endSession(sessions: WebSessionStore, token: string): Promise<void> {
  sessions.delete(await hashToken(token));
}
