/**
 * An OAuth 2.0 error (RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 7009 §2.2.1, RFC 8628 §3.5): the
 * token, registration, revocation and device endpoints answer `{error, error_description}` with
 * these codes instead of Matrix's `{errcode, error}`.
 */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "access_denied"
  | "unsupported_response_type"
  | "server_error"
  | "invalid_redirect_uri"
  | "invalid_client_metadata"
  | "unsupported_token_type"
  | "authorization_pending"
  | "slow_down"
  | "expired_token";

export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: OAuthErrorCode,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
    this.name = "OAuthError";
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

export const invalidGrant = (description: string) => new OAuthError(400, "invalid_grant", description);
export const invalidRequest = (description: string) => new OAuthError(400, "invalid_request", description);
export const invalidClient = (description: string) => new OAuthError(401, "invalid_client", description);
