import type { IRequest } from "itty-router";
import { route, param, type Ctx } from "../router.js";
import { json, readJsonObject, optString } from "../http.js";
import { MatrixError, forbidden, missingToken } from "../../platform/errors.js";
import { accessTokenOf, authenticate } from "../auth.js";
import { appserviceByToken } from "./identity.js";

// Spec: application-service-api "Pinging" (v1.7, MSC2659); client-server appservice_ping.yaml
// and application-service ping.yaml.

/** How long the service may take to answer; Synapse's HTTP client gives up after 60 s too. */
const PING_TIMEOUT_MS = 60_000;

/**
 * POST /_matrix/client/v1/appservice/{appserviceId}/ping: the service asks the homeserver to
 * call its own POST /_matrix/app/v1/ping with the hs_token, to find out whether the homeserver
 * reaches it. Only the service itself may ask (its as_token), as Synapse checks in this order:
 * the token, the ID in the path, the URL, then the body.
 */
async function ping(req: IRequest, ctx: Ctx): Promise<Response> {
  const token = accessTokenOf(req, ctx.url);
  if (token === undefined) throw missingToken();
  const service = appserviceByToken(ctx, token);
  if (!service) {
    await authenticate(req, ctx, { allowGuest: true }); // an unknown token stays 401 M_UNKNOWN_TOKEN
    throw forbidden("Only application services can use this endpoint");
  }
  if (service.id !== param(req, "appserviceId")) throw forbidden("Provided access token is not the appservice's as_token");
  if (service.url === null) throw new MatrixError(400, "M_URL_NOT_SET", "Application service doesn't have a URL configured");
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  const txnId = optString(body, "transaction_id");

  const started = Date.now();
  let res: Response;
  try {
    res = await fetch(`${service.url}/_matrix/app/v1/ping`, {
      method: "POST",
      headers: { Authorization: `Bearer ${service.hsToken}`, "Content-Type": "application/json" },
      body: JSON.stringify(txnId === undefined ? {} : { transaction_id: txnId }),
      signal: AbortSignal.timeout(PING_TIMEOUT_MS),
    });
  } catch (e) {
    if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError")) {
      throw new MatrixError(504, "M_CONNECTION_TIMEOUT", "Connection to application service timed out");
    }
    throw new MatrixError(502, "M_CONNECTION_FAILED", `Could not reach the application service: ${e instanceof Error ? e.message : String(e)}`);
  }
  const text = await res.text().catch(() => "");
  if (!res.ok) throw new MatrixError(502, "M_BAD_STATUS", `Ping returned status ${res.status}`, { status: res.status, body: text });
  return json({ duration_ms: Date.now() - started });
}

export function registerAppservicePingRoutes(): void {
  route("POST", "/_matrix/client/v1/appservice/:appserviceId/ping", ping);
}
