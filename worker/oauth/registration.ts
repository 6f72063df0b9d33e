/**
 * POST /oauth2/registration: OAuth 2.0 dynamic client registration (RFC 7591 §3; spec: "Dynamic
 * client registration flow"). No authentication: any client may register, so registrations are
 * rate-limited per address, and identical ones share a row and a client_id.
 */
import type { IRequest } from "itty-router";
import { route, type Ctx } from "../router.js";
import { json, readJsonObject } from "../http.js";
import { checkRateLimit, clientKey } from "../rateLimit.js";
import { serverStub } from "../../platform/stubs.js";
import type { JsonObject } from "../../protocol/json.js";
import { toMatrixError } from "../../platform/errors.js";
import { OAuthError } from "../../protocol/oauth/errors.js";
import { OAUTH_PATHS } from "../../protocol/oauth/authMetadata.js";
import { validateClientMetadata } from "../../protocol/oauth/clientMetadata.js";
import { whenOAuth } from "./gate.js";

/**
 * The registration body, a JSON object, read as every Matrix endpoint reads one. Every way it can
 * be unreadable is RFC 7591's invalid_client_metadata (the only error a registration client is
 * told to expect), with 413 kept for a body over the size limit. Floats are allowed (metadata is
 * only stored); lone surrogates and huge integers are not, since the client_id is a digest of
 * canonical JSON.
 */
async function readRegistration(request: Request, maxBytes: number): Promise<JsonObject> {
  try {
    return await readJsonObject(request, maxBytes, false, { allowFloats: true });
  } catch (e) {
    const matrix = toMatrixError(e);
    if (!matrix) throw e;
    throw new OAuthError(matrix.status === 413 ? 413 : 400, "invalid_client_metadata", matrix.text);
  }
}

async function register(req: IRequest, ctx: Ctx): Promise<Response> {
  checkRateLimit(ctx.config, "oauthRegister", clientKey(req));
  const metadata = validateClientMetadata(await readRegistration(req, ctx.config.maxRequestBytes));
  const clientId = await serverStub(ctx.env).registerOAuthClient(metadata);
  // RFC 7591 §3.2.1: the client_id and every registered value; no secret, these are public clients.
  return json({ client_id: clientId, ...metadata }, 201, { "Cache-Control": "no-store" });
}

export function registerOAuthRegistrationRoutes(): void {
  route("POST", `/${OAUTH_PATHS.registration}`, whenOAuth(register));
}
