
/**
 * Tokens that belong to one user carry that user, so the Worker can route them to the right
 * UserDO without a lookup: `<prefix><base64url(localpart)>_<40 letters and digits>`. The UserDO
 * stores only a SHA-256 of each. The prefix says what a token is, so one kind is never taken for
 * another (an authorization code is no access token, even to a careless caller).
 */

/** Access tokens (Authorization: Bearer). */
export const ACCESS_TOKEN_PREFIX = "lat_";
/** Refresh tokens (legacy /refresh and the OAuth refresh_token grant). */
export const REFRESH_TOKEN_PREFIX = "latr_";
/** OAuth authorization codes (RFC 6749 §4.1.2). */
export const AUTHORIZATION_CODE_PREFIX = "latc_";
/** The cookie value of a browser's sign-in on the account pages. */
export const WEB_SESSION_PREFIX = "latw_";
/** A browser stays signed in to the account pages for a week (the cookie lives as long). */
export const WEB_SESSION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * How long an action the user allowed on the account page for an app (the m.oauth UIA stage's
 * cross-signing reset) stays allowed: long enough to go back to the app and retry, short
 * enough that a forgotten approval does not linger. The account page states it to the user.
 */
export const OAUTH_ACTION_APPROVAL_MS = 10 * 60_000;

export type UserTokenPrefix = typeof ACCESS_TOKEN_PREFIX | typeof REFRESH_TOKEN_PREFIX | typeof AUTHORIZATION_CODE_PREFIX | typeof WEB_SESSION_PREFIX;

function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function randomString(bytes: number): string {
  return b64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Random letters and digits only, so the last "_" in a token always ends the localpart part. */
export function randomAlphanumeric(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

/** A new token of the kind `prefix` names, for the user with this localpart. */
export function newUserToken(prefix: UserTokenPrefix, localpart: string): string {
  return `${prefix}${b64url(new TextEncoder().encode(localpart))}_${randomAlphanumeric(40)}`;
}

/** The localpart a token of the kind `prefix` claims to belong to, or undefined if it is not one. */
export function localpartOfUserToken(prefix: UserTokenPrefix, token: string): string | undefined {
  if (!token.startsWith(prefix)) return undefined;
  const rest = token.slice(prefix.length);
  const sep = rest.lastIndexOf("_");
  if (sep <= 0) return undefined;
  try {
    const b64 = rest.slice(0, sep).replace(/-/g, "+").replace(/_/g, "/");
    const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

export function newAccessToken(localpart: string): string {
  return newUserToken(ACCESS_TOKEN_PREFIX, localpart);
}

/** The user a token of the kind `prefix` claims to belong to on `serverName`, or undefined if it is not one. */
export function userIdOfToken(prefix: UserTokenPrefix, token: string, serverName: string): string | undefined {
  const localpart = localpartOfUserToken(prefix, token);
  return localpart === undefined ? undefined : `@${localpart}:${serverName}`;
}

/** The localpart an access token claims to belong to, or undefined if it is not one of ours. */
export function localpartOfToken(token: string): string | undefined {
  return localpartOfUserToken(ACCESS_TOKEN_PREFIX, token);
}

export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return b64url(new Uint8Array(digest));
}

export function newDeviceId(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return Array.from(bytes, (b) => alphabet[b % 26]).join("");
}
