import { OAuthError, type OAuthErrorCode } from "../../protocol/oauth/errors.js";
import { json } from "../http.js";

/** An OAuth error as its endpoints answer it: `{error, error_description}` with its status. */
export function oauthErrorResponse(e: OAuthError): Response {
  return json(e.toJSON(), e.status, { "Cache-Control": "no-store" });
}

const CODES: readonly OAuthErrorCode[] = [
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
];

/** RFC 6749 §5.2: every token endpoint error is 400 but invalid_client (401); server_error is a 500. */
function defaultStatus(code: OAuthErrorCode): number {
  if (code === "invalid_client") return 401;
  if (code === "server_error") return 500;
  return 400;
}

/**
 * An OAuthError from anything thrown. A Durable Object's RPC hands the caller a plain Error whose
 * message is "OAuthError: <code>: <description>" (workerd puts the class name in front and drops
 * the status), so one thrown there is rebuilt from that, with the status RFC 6749 gives its code.
 */
export function toOAuthError(e: unknown): OAuthError | undefined {
  if (e instanceof OAuthError) return e;
  if (!(e instanceof Error)) return undefined;
  const m = /^OAuthError: ([a-z_]+): ([\s\S]*)$/.exec(e.message);
  const code = m ? CODES.find((c) => c === m[1]) : undefined;
  return m && code ? new OAuthError(defaultStatus(code), code, m[2]) : undefined;
}
