import { unknownToken } from "../../platform/errors.js";
import { ACCESS_TOKEN_PREFIX, REFRESH_TOKEN_PREFIX, hashToken, newUserToken } from "../../platform/tokens.js";
import type { AccountStore } from "./accountStore.js";
import type { RefreshTokenStore } from "./refreshTokenStore.js";

/**
 * Refresh tokens and their rotation (spec: "Refreshing access tokens"; the OAuth refresh_token
 * grant). A refresh token comes with an access token that expires; refreshing consumes the
 * refresh token, which then names its successor pair, and the old access token stops working.
 *
 * "The old refresh token remains valid until the new access token or refresh token is used":
 * presenting a consumed token whose successor is still unused is a retry after a lost response,
 * answered with a fresh successor pair in place of the unused one. Presenting it once the
 * successor was used means two parties hold the session's tokens (one of them stole it): the
 * session is revoked (RFC 6749 §10.4, OAuth 2.0 Security BCP §4.14).
 */

export interface TokenPair {
  accessToken: string;
  accessHash: string;
  refreshToken: string;
  refreshHash: string;
}

/** The stores a token pair lives in. */
type PairStores = { accounts: AccountStore; refreshTokens: RefreshTokenStore };

/** A new pair for the user, hashed: made before any write, so the writes need no await between them. */
export async function newTokenPair(localpart: string): Promise<TokenPair> {
  const accessToken = newUserToken(ACCESS_TOKEN_PREFIX, localpart);
  const refreshToken = newUserToken(REFRESH_TOKEN_PREFIX, localpart);
  return { accessToken, accessHash: await hashToken(accessToken), refreshToken, refreshHash: await hashToken(refreshToken) };
}

/** Records a pair for a device: the access token expires after `lifetimeMs`. */
export function storeTokenPair(
  stores: PairStores,
  deviceId: string,
  pair: TokenPair,
  lifetimeMs: number,
  now: number,
): { access_token: string; refresh_token: string; expires_in_ms: number } {
  stores.accounts.addToken(pair.accessHash, deviceId, now, now + lifetimeMs);
  stores.refreshTokens.add(pair.refreshHash, deviceId, pair.accessHash, now);
  return { access_token: pair.accessToken, refresh_token: pair.refreshToken, expires_in_ms: lifetimeMs };
}

type Rotation =
  | { kind: "rotated"; deviceId: string; access_token: string; refresh_token: string; expires_in_ms: number; scope: string | null }
  /** A spent token whose successor was used: the caller deletes the device, then refuses. */
  | { kind: "reused"; deviceId: string };

/**
 * Rotates the refresh token whose hash is `presentedHash`, issuing `next` in its place.
 * `clientId` is the OAuth client asking (undefined: the legacy /refresh, which only password
 * sessions may use); a session of another client is refused, never revoked. Throws 401
 * M_UNKNOWN_TOKEN (soft_logout false: the session is gone or was never this caller's) for an
 * unknown token; a reuse comes back as "reused" so the caller can delete the device first.
 */
export function rotate(stores: PairStores, presentedHash: string, next: TokenPair, clientId: string | undefined, lifetimeMs: number, now: number): Rotation {
  const row = stores.refreshTokens.get(presentedHash);
  if (!row) throw unknownToken("Unknown refresh token");
  const device = stores.accounts.deviceOAuth(row.device_id);
  if (!device) throw unknownToken("Unknown refresh token");
  if ((clientId ?? null) !== device.oauth_client_id) throw unknownToken("Unknown refresh token");

  if (row.consumed_ts !== null) {
    const successor = row.next_hash === null ? undefined : stores.refreshTokens.get(row.next_hash);
    const successorUsed = successor === undefined || successor.consumed_ts !== null || (stores.accounts.tokenDevice(successor.access_token_hash)?.used ?? true);
    if (successorUsed) return { kind: "reused", deviceId: row.device_id };
    // A retry: the unused successor pair never reached the client; a fresh one replaces it.
    stores.accounts.deleteToken(successor.access_token_hash);
    stores.refreshTokens.delete(successor.token_hash);
  } else {
    // The old access token stops working now (the spec lets the server choose; a refreshed
    // session has one valid access token at a time).
    stores.accounts.deleteToken(row.access_token_hash);
  }
  const tokens = storeTokenPair(stores, row.device_id, next, lifetimeMs, now);
  stores.refreshTokens.consume(presentedHash, next.refreshHash, now);
  stores.refreshTokens.pruneBefore(row.device_id, presentedHash);
  return { kind: "rotated", deviceId: row.device_id, ...tokens, scope: device.oauth_scope };
}
