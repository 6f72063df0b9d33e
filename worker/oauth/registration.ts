/**
 * POST /oauth2/registration: OAuth 2.0 dynamic client registration (RFC 7591 §3; spec: "Dynamic
 * client registration flow"). No authentication: any client may register, so registrations are
 * rate-limited per address, and identical ones share a row and a client_id.
 */
import type { IRequest } from "itty-router";
import { route, type Ctx } from "../router.js";
import { json } from "../http.js";
import { checkRateLimit, clientKey } from "../rateLimit.js";
import { serverStub } from "../../platform/stubs.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { jsonInputProblem } from "../../protocol/jsonInput.js";
import { OAuthError } from "../../protocol/oauth/errors.js";
import { OAUTH_PATHS } from "../../protocol/oauth/authMetadata.js";
import { validateClientMetadata } from "../../protocol/oauth/clientMetadata.js";
import { whenOAuth } from "./gate.js";

const badMetadata = (status: number, description: string) => new OAuthError(status, "invalid_client_metadata", description);

/**
 * The registration body, a JSON object. Every way it can be unreadable is RFC 7591's
 * invalid_client_metadata (the only error a registration client is told to expect), with 413
 * for a body over the size limit.
 */
async function readRegistration(request: Request, maxBytes: number): Promise<JsonObject> {
  if (Number(request.headers.get("Content-Length") ?? "0") > maxBytes) throw badMetadata(413, `Request body is larger than ${maxBytes} bytes`);
  const buf = await request.arrayBuffer();
  if (buf.byteLength > maxBytes) throw badMetadata(413, `Request body is larger than ${maxBytes} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(buf));
  } catch {
    throw badMetadata(400, "Request body is not JSON");
  }
  if (!isJsonObject(parsed)) throw badMetadata(400, "Request body must be a JSON object");
  // The client_id is a digest of canonical JSON, which cannot hold lone surrogates or huge integers.
  const problem = jsonInputProblem(parsed, { allowFloats: true });
  if (problem) throw badMetadata(400, `Request body is not acceptable JSON: ${problem}`);
  return parsed;
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
