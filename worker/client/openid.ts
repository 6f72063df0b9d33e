/**
 * Spec: client-server openid.yaml — POST /user/{userId}/openid/request_token. The token lets a
 * third party learn who the user is (through /_matrix/federation/v1/openid/userinfo) and nothing
 * else: it is not an access token, so it opens no Client-Server endpoint.
 */
import type { IRequest } from "itty-router";
import { clientRoute, param, type Ctx } from "../router.js";
import { json, readJsonObject } from "../http.js";
import { forbidden } from "../../platform/errors.js";
import { authenticate } from "../auth.js";
import { serverStub } from "../../platform/stubs.js";
import { checkRateLimit } from "../rateLimit.js";
import { hashToken, randomString } from "../../platform/tokens.js";

/** How long an OpenID token lives, in seconds (one hour, as Synapse and the spec's example). */
export const OPENID_TOKEN_LIFETIME_S = 3600;

async function requestToken(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx);
  if (param(req, "userId") !== session.userId) throw forbidden("Cannot request an OpenID token for another user");
  await readJsonObject(req, ctx.config.maxRequestBytes);
  // Minting tokens costs a ServerDO write, so it shares the send budget.
  checkRateLimit(ctx.config, "send", session);
  const token = randomString(32);
  await serverStub(ctx.env).issueOpenIdToken(await hashToken(token), session.userId, Date.now() + OPENID_TOKEN_LIFETIME_S * 1000);
  return json({ access_token: token, token_type: "Bearer", matrix_server_name: ctx.config.serverName, expires_in: OPENID_TOKEN_LIFETIME_S });
}

export function registerOpenIdRoutes(): void {
  clientRoute("POST", "/user/:userId/openid/request_token", requestToken);
}
