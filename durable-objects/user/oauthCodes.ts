import { invalidGrant } from "../../protocol/oauth/errors.js";
import { verifierMatches } from "../../protocol/oauth/pkce.js";
import { AUTHORIZATION_CODE_PREFIX, hashToken, newUserToken } from "../../platform/tokens.js";
import type { AuthorizationCodeRequest, CodeRedemption } from "../../platform/rpc/user.js";
import type { OAuthCodeRow, OAuthCodeStore } from "./oauthCodeStore.js";

/**
 * OAuth authorization codes (RFC 6749 §4.1.2, with PKCE per RFC 7636): short-lived, single use,
 * bound to the client, the redirect URI and the code challenge they were issued for. Redeeming
 * one creates the session (device) it names. A code presented again after it was redeemed may
 * have leaked: the server "SHOULD revoke (when possible) all tokens previously issued based on
 * that authorization code", so the session it created goes.
 */

/** RFC 6749 §4.1.2 recommends at most 10 minutes. */
export const CODE_LIFETIME_MS = 10 * 60 * 1000;

export async function createCode(codes: OAuthCodeStore, localpart: string, req: AuthorizationCodeRequest, now: number): Promise<string> {
  const code = newUserToken(AUTHORIZATION_CODE_PREFIX, localpart);
  const codeHash = await hashToken(code);
  codes.deleteExpired(now);
  codes.add({
    code_hash: codeHash,
    client_id: req.clientId,
    redirect_uri: req.redirectUri,
    code_challenge: req.codeChallenge,
    scope: req.scope,
    device_id: req.deviceId,
    nonce: req.nonce ?? null,
    auth_time: req.authTime,
    created_ts: now,
    expires_ts: now + CODE_LIFETIME_MS,
  });
  return code;
}

type CodeCheck = { kind: "valid"; row: OAuthCodeRow } | { kind: "reused"; row: OAuthCodeRow };

/**
 * Checks a code presented at the token endpoint. Throws OAuthError invalid_grant when it is
 * unknown, expired, or another client's, redirect URI's or verifier's; a code already redeemed
 * comes back as "reused" (the caller revokes its session, then refuses it).
 */
export async function checkCode(codes: OAuthCodeStore, req: CodeRedemption, now: number): Promise<CodeCheck> {
  const row = codes.get(await hashToken(req.code));
  if (!row) throw invalidGrant("Unknown authorization code");
  if (row.used_ts !== null) return { kind: "reused", row };
  if (now >= row.expires_ts) throw invalidGrant("The authorization code has expired");
  if (row.client_id !== req.clientId) throw invalidGrant("The authorization code was issued to another client");
  if (row.redirect_uri !== req.redirectUri) throw invalidGrant("redirect_uri does not match the authorization request");
  if (!(await verifierMatches(req.codeVerifier, row.code_challenge))) throw invalidGrant("code_verifier does not match the code_challenge");
  return { kind: "valid", row };
}
