/**
 * POST /oauth2/token (RFC 6749 §3.2; spec: "Grant types"): the authorization code, refresh token
 * and device code grants. Clients are public (token_endpoint_auth_method "none"), so a client
 * proves nothing with its client_id alone; what binds a grant to it is the PKCE verifier, the
 * refresh token itself, or the device code. Each grant costs one call to the user's UserDO
 * (and the device grant one to ServerDO first); the id_token, when `openid` was granted, one to
 * ServerDO, which holds the signing key.
 */
import type { IRequest } from "itty-router";
import { route, type Ctx } from "../router.js";
import { json } from "../http.js";
import { OAuthError, invalidGrant } from "../../protocol/oauth/errors.js";
import { GRANT_AUTHORIZATION_CODE, GRANT_DEVICE_CODE, GRANT_REFRESH_TOKEN } from "../../protocol/oauth/clientMetadata.js";
import { parseScope } from "../../protocol/oauth/scope.js";
import { idTokenClaims } from "../../protocol/oauth/idToken.js";
import { OAUTH_PATHS } from "../../protocol/oauth/authMetadata.js";
import { userIdOfToken, type UserTokenPrefix, ACCESS_TOKEN_PREFIX, AUTHORIZATION_CODE_PREFIX, REFRESH_TOKEN_PREFIX } from "../../platform/tokens.js";
import { toMatrixError } from "../../platform/errors.js";
import { issuerOf } from "../../platform/issuer.js";
import { serverStub, userStub } from "../../platform/stubs.js";
import type { RefreshResult } from "../../platform/rpc/user.js";
import { readForm, required, single } from "./form.js";
import { whenOAuth } from "./gate.js";
import { DEVICE_POLL_INTERVAL_S } from "./deviceAuthorization.js";

/** RFC 6749 §5.1: a token response is never cached. */
const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" };

function tokenResponse(tokens: RefreshResult, scope: string, idToken?: string): Response {
  return json(
    {
      access_token: tokens.access_token,
      token_type: "Bearer",
      expires_in: Math.floor(tokens.expires_in_ms / 1000),
      refresh_token: tokens.refresh_token,
      scope,
      ...(idToken === undefined ? {} : { id_token: idToken }),
    },
    200,
    NO_STORE,
  );
}

/** The user a per-user token (code, refresh token) names, or invalid_grant: it is not one of ours. */
function userOfToken(ctx: Ctx, prefix: UserTokenPrefix, token: string): string {
  const userId = userIdOfToken(prefix, token, ctx.config.serverName);
  if (userId === undefined) throw invalidGrant("Unknown or invalid grant");
  return userId;
}

/** An OpenID Connect id_token, when the granted scope holds `openid` (what matrix-js-sdk's helpers ask for). */
async function idTokenFor(ctx: Ctx, openid: boolean, userId: string, clientId: string, authTimeMs?: number, nonce?: string): Promise<string | undefined> {
  if (!openid) return undefined;
  const claims = idTokenClaims({ issuer: issuerOf(ctx.env, ctx.url), userId, clientId, nowMs: Date.now(), authTimeMs, nonce });
  return serverStub(ctx.env).signIdToken(claims);
}

async function authorizationCodeGrant(form: URLSearchParams, clientId: string, ctx: Ctx): Promise<Response> {
  const code = required(form, "code");
  const redirectUri = required(form, "redirect_uri");
  const codeVerifier = required(form, "code_verifier");
  const userId = userOfToken(ctx, AUTHORIZATION_CODE_PREFIX, code);
  const granted = await userStub(ctx.env, userId).redeemAuthorizationCode({ code, clientId, redirectUri, codeVerifier });
  const idToken = await idTokenFor(ctx, parseScope(granted.scope).openid, userId, clientId, granted.auth_time, granted.nonce);
  return tokenResponse(granted, granted.scope, idToken);
}

async function refreshTokenGrant(form: URLSearchParams, clientId: string, ctx: Ctx): Promise<Response> {
  const refreshToken = required(form, "refresh_token");
  const userId = userOfToken(ctx, REFRESH_TOKEN_PREFIX, refreshToken);
  // UserDO refuses an unknown, spent or other client's token as the Matrix API does (401
  // M_UNKNOWN_TOKEN); token() answers it as RFC 6749's invalid_grant.
  const refreshed = await userStub(ctx.env, userId).refresh(refreshToken, clientId);
  return tokenResponse(refreshed, refreshed.scope ?? "");
}

/** RFC 8628 §3.4–3.5: a device polling for the outcome of its grant. */
async function deviceCodeGrant(form: URLSearchParams, clientId: string, ctx: Ctx): Promise<Response> {
  const deviceCode = required(form, "device_code");
  const poll = await serverStub(ctx.env).pollDeviceGrant(deviceCode, clientId, DEVICE_POLL_INTERVAL_S * 1000);
  switch (poll.status) {
    case "pending":
      throw new OAuthError(400, "authorization_pending", "The user has not answered yet");
    case "slow_down":
      throw new OAuthError(400, "slow_down", `Poll at most every ${DEVICE_POLL_INTERVAL_S} seconds`);
    case "denied":
      throw new OAuthError(400, "access_denied", "The user denied the request");
    case "expired":
      throw new OAuthError(400, "expired_token", "The device code has expired");
    case "invalid":
      throw invalidGrant("Unknown or spent device code");
    case "approved": {
      const { deviceId, openid } = parseScope(poll.scope);
      const session = await userStub(ctx.env, poll.userId).issueOAuthSession({ deviceId, clientId, scope: poll.scope });
      const idToken = await idTokenFor(ctx, openid, poll.userId, clientId);
      return tokenResponse(session, poll.scope, idToken);
    }
  }
}

async function token(req: IRequest, ctx: Ctx): Promise<Response> {
  const form = await readForm(req);
  const grantType = required(form, "grant_type");
  // Public clients identify themselves with client_id in the body (RFC 6749 §3.2.1).
  const clientId = required(form, "client_id");
  try {
    if (grantType === GRANT_AUTHORIZATION_CODE) return await authorizationCodeGrant(form, clientId, ctx);
    if (grantType === GRANT_REFRESH_TOKEN) return await refreshTokenGrant(form, clientId, ctx);
    if (grantType === GRANT_DEVICE_CODE) return await deviceCodeGrant(form, clientId, ctx);
  } catch (e) {
    // The grants call UserDO, which speaks the Matrix API: an unknown refresh token (401
    // M_UNKNOWN_TOKEN), a deactivated account, a device ID it will not issue. The token endpoint
    // answers only RFC 6749 errors, so every Matrix refusal reaches the client as invalid_grant.
    // A server failure (5xx) is not a refusal: the spec has clients retry a refresh after a 5xx
    // but treat a 4xx as logged out, so it stays a 5xx.
    const matrix = toMatrixError(e);
    if (matrix && matrix.status < 500) throw invalidGrant(matrix.text);
    throw e;
  }
  throw new OAuthError(400, "unsupported_grant_type", `Grant type ${grantType} is not supported`);
}

/**
 * POST /oauth2/revoke (RFC 7009; spec: "Token revocation"): an access or a refresh token ends its
 * whole session (the device), as the spec requires. An unknown or already revoked token is a 200
 * too (RFC 7009 §2.2), and so is one presented with another client_id (the spec: the server
 * SHOULD still revoke it, so leaked tokens can be revoked by whoever finds them).
 */
async function revoke(req: IRequest, ctx: Ctx): Promise<Response> {
  const form = await readForm(req);
  const tokenValue = required(form, "token");
  // token_type_hint is read only to refuse it given twice: the token's prefix says what it is, and
  // RFC 7009 §2.1 says a hint the server does not understand is ignored.
  single(form, "token_type_hint");
  const { serverName } = ctx.config;
  const userId = userIdOfToken(ACCESS_TOKEN_PREFIX, tokenValue, serverName) ?? userIdOfToken(REFRESH_TOKEN_PREFIX, tokenValue, serverName);
  if (userId !== undefined) await userStub(ctx.env, userId).revoke(tokenValue);
  return json({}, 200, NO_STORE);
}

export function registerOAuthTokenRoutes(): void {
  route("POST", `/${OAUTH_PATHS.token}`, whenOAuth(token));
  route("POST", `/${OAUTH_PATHS.revocation}`, whenOAuth(revoke));
}


