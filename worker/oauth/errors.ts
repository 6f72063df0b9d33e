import type { OAuthError } from "../../protocol/oauth/errors.js";
import { json } from "../http.js";

/**
 * An OAuth error as its endpoints answer it: `{error, error_description}` with its status. One
 * thrown inside a Durable Object is recovered with toOAuthError (protocol/oauth/errors.ts).
 */
export function oauthErrorResponse(e: OAuthError): Response {
  return json(e.toJSON(), e.status, { "Cache-Control": "no-store" });
}
