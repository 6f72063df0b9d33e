/**
 * OAuth discovery: the authorization server metadata (spec: GET /_matrix/client/v1/auth_metadata;
 * MSC2965's unstable path, which older Element X builds still ask; /.well-known/openid-configuration,
 * which matrix-js-sdk's older OIDC discovery fetches from the issuer) and the JWK Set of the
 * id_token key (jwks_uri).
 */
import type { IRequest } from "itty-router";
import { route, type Ctx } from "../router.js";
import { json } from "../http.js";
import { issuerOf } from "../../platform/issuer.js";
import { serverStub } from "../../platform/stubs.js";
import { authMetadata, OAUTH_PATHS } from "../../protocol/oauth/authMetadata.js";
import { whenOAuth } from "./gate.js";

/** MSC2965: clients should cache the metadata by its HTTP caching headers. */
const CACHE = { "Cache-Control": "public, max-age=300" };

function metadata(_req: IRequest, ctx: Ctx): Response {
  return json(authMetadata(issuerOf(ctx.env, ctx.url)), 200, CACHE);
}

/**
 * MSC2965's first form, GET …/auth_issuer → {issuer}: Element X and Element Web releases from
 * before auth_metadata ask it, then read the issuer's /.well-known/openid-configuration.
 */
function issuer(_req: IRequest, ctx: Ctx): Response {
  return json({ issuer: issuerOf(ctx.env, ctx.url) }, 200, CACHE);
}

async function keys(_req: IRequest, ctx: Ctx): Promise<Response> {
  return json(await serverStub(ctx.env).oauthPublicJwks(), 200, CACHE);
}

export function registerOAuthDiscoveryRoutes(): void {
  route("GET", "/_matrix/client/v1/auth_metadata", whenOAuth(metadata));
  route("GET", "/_matrix/client/unstable/org.matrix.msc2965/auth_metadata", whenOAuth(metadata));
  route("GET", "/.well-known/openid-configuration", whenOAuth(metadata));
  route("GET", "/_matrix/client/unstable/org.matrix.msc2965/auth_issuer", whenOAuth(issuer));
  route("GET", `/${OAUTH_PATHS.jwks}`, whenOAuth(keys));
}
