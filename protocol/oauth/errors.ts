import { wireFields, wireMessage } from "../wireError.js";

/**
 * An OAuth 2.0 error (RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 7009 §2.2.1, RFC 8628 §3.5): the
 * token, registration, revocation and device endpoints answer `{error, error_description}` with
 * these codes instead of Matrix's `{errcode, error}`.
 */
const OAUTH_ERROR_CODES = [
  "invalid_request",
  "invalid_client",
  "invalid_grant",
  "unauthorized_client",
  "unsupported_grant_type",
  "invalid_scope",
  "access_denied",
  "unsupported_response_type",
  "server_error",
  "invalid_redirect_uri",
  "invalid_client_metadata",
  "unsupported_token_type",
  "authorization_pending",
  "slow_down",
  "expired_token",
] as const;

export type OAuthErrorCode = (typeof OAUTH_ERROR_CODES)[number];

const KNOWN: ReadonlySet<string> = new Set(OAUTH_ERROR_CODES);

export function isOAuthErrorCode(code: unknown): code is OAuthErrorCode {
  return typeof code === "string" && KNOWN.has(code);
}

/**
 * An OAuthError thrown inside a Durable Object reaches the caller as its wire form,
 * `OAuthError {"status":400,"error":"invalid_grant","error_description":"…"}` (protocol/wireError.ts),
 * which `toOAuthError` reads back.
 */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: OAuthErrorCode,
    readonly description: string,
  ) {
    super(wireMessage("OAuthError", { status, error, error_description: description }));
    this.name = "OAuthError";
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

export const invalidGrant = (description: string) => new OAuthError(400, "invalid_grant", description);
export const invalidRequest = (description: string) => new OAuthError(400, "invalid_request", description);
export const invalidClient = (description: string) => new OAuthError(401, "invalid_client", description);

/** Recovers an OAuthError from anything thrown, locally or across a Durable Object RPC. */
export function toOAuthError(e: unknown): OAuthError | undefined {
  if (e instanceof OAuthError) return e;
  const wire = wireFields(e, "OAuthError");
  if (!wire) return undefined;
  const { status, error, error_description } = wire;
  if (typeof status !== "number" || !isOAuthErrorCode(error) || typeof error_description !== "string") return undefined;
  return new OAuthError(status, error, error_description);
}
