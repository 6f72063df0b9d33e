/**
 * Spec: server-server openid.yaml — GET /_matrix/federation/v1/openid/userinfo. Called by third
 * parties (widgets, integration managers) that are not homeservers, so it is deliberately not
 * X-Matrix authenticated: the OpenID token itself is the credential.
 */
import type { IRequest } from "itty-router";
import { route, type Ctx } from "../router.js";
import { json } from "../http.js";
import { MatrixError } from "../../platform/errors.js";
import { serverStub } from "../../platform/stubs.js";
import { hashToken } from "../../platform/tokens.js";

const unknownOpenIdToken = () => new MatrixError(401, "M_UNKNOWN_TOKEN", "Access token unknown or expired");

async function userinfo(_req: IRequest, ctx: Ctx): Promise<Response> {
  const token = ctx.url.searchParams.get("access_token");
  // Tokens we mint are 43 characters; anything far longer is not ours and not worth hashing.
  if (!token || token.length > 256) throw unknownOpenIdToken();
  const userId = await serverStub(ctx.env).openIdUser(await hashToken(token));
  if (!userId) throw unknownOpenIdToken();
  return json({ sub: userId });
}

export function registerOpenIdFederationRoutes(): void {
  route("GET", "/_matrix/federation/v1/openid/userinfo", userinfo);
}
