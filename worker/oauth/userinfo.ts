/**
 * GET /oauth2/userinfo (OpenID Connect Core §5.3), advertised in the metadata: the access
 * token's user as `sub`, the same subject as the id_token's. Only OAuth sessions hold a
 * userinfo right in OIDC terms, but any valid access token names its user just as /whoami does.
 */
import type { IRequest } from "itty-router";
import { route, type Ctx } from "../router.js";
import { json } from "../http.js";
import { authenticate } from "../auth.js";
import { toMatrixError } from "../../platform/errors.js";
import { OAUTH_PATHS } from "../../protocol/oauth/authMetadata.js";
import { whenOAuth } from "./gate.js";

async function userinfo(req: IRequest, ctx: Ctx): Promise<Response> {
  try {
    const session = await authenticate(req, ctx, { allowGuest: true });
    return json({ sub: session.userId }, 200, { "Cache-Control": "no-store" });
  } catch (e) {
    const err = toMatrixError(e);
    if (err?.status !== 401) throw e;
    // RFC 6750 §3.1 (OIDC Core §5.3.3): a missing or bad token is told in WWW-Authenticate.
    const missing = err.errcode === "M_MISSING_TOKEN";
    const challenge = missing ? "Bearer" : `Bearer error="invalid_token"`;
    return json(missing ? { error: "invalid_request", error_description: err.text } : { error: "invalid_token", error_description: err.text }, 401, { "WWW-Authenticate": challenge, "Cache-Control": "no-store" });
  }
}

export function registerUserinfoRoutes(): void {
  route("GET", `/${OAUTH_PATHS.userinfo}`, whenOAuth(userinfo));
}
