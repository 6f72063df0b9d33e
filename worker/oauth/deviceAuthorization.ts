/**
 * POST /oauth2/device: the device authorization endpoint (RFC 8628 §3.1–3.2; spec: "Device
 * authorisation flow"). A device with no browser asks for a login; it gets a device code to poll
 * the token endpoint with, and a user code a person enters at `verification_uri` (/link) on any
 * browser — or opens `verification_uri_complete`, which carries the code, e.g. from a QR code.
 */
import type { IRequest } from "itty-router";
import { route, type Ctx } from "../router.js";
import { json } from "../http.js";
import { OAuthError, invalidClient } from "../../protocol/oauth/errors.js";
import { GRANT_DEVICE_CODE } from "../../protocol/oauth/clientMetadata.js";
import { formatScope, parseScope } from "../../protocol/oauth/scope.js";
import { OAUTH_PATHS } from "../../protocol/oauth/authMetadata.js";
import { issuerOf } from "../../platform/issuer.js";
import { serverStub } from "../../platform/stubs.js";
import { checkRateLimit, clientKey } from "../rateLimit.js";
import { readForm, required } from "./form.js";
import { whenOAuth } from "./gate.js";

/** How long a person has to enter the user code (the spec's sample: 1800 s). */
const DEVICE_CODE_LIFETIME_S = 1800;

/** RFC 8628 §3.2: the seconds a device waits between polls (the token endpoint enforces it). */
export const DEVICE_POLL_INTERVAL_S = 5;

async function deviceAuthorization(req: IRequest, ctx: Ctx): Promise<Response> {
  checkRateLimit(ctx.config, "oauthDevice", clientKey(req));
  const form = await readForm(req);
  const clientId = required(form, "client_id");
  const scope = formatScope(parseScope(required(form, "scope")));
  const client = await serverStub(ctx.env).oauthClient(clientId);
  if (!client) throw invalidClient("Unknown client_id; register the client first");
  if (!client.grant_types.includes(GRANT_DEVICE_CODE)) {
    throw new OAuthError(400, "unauthorized_client", "The client did not register the device_code grant type");
  }
  const grant = await serverStub(ctx.env).createDeviceGrant(clientId, scope, DEVICE_CODE_LIFETIME_S * 1000);
  const verificationUri = `${issuerOf(ctx.env, ctx.url)}${OAUTH_PATHS.deviceVerification}`;
  return json(
    {
      device_code: grant.deviceCode,
      user_code: grant.userCode,
      verification_uri: verificationUri,
      verification_uri_complete: `${verificationUri}?${new URLSearchParams({ user_code: grant.userCode }).toString()}`,
      expires_in: DEVICE_CODE_LIFETIME_S,
      interval: DEVICE_POLL_INTERVAL_S,
    },
    200,
    { "Cache-Control": "no-store" },
  );
}

export function registerOAuthDeviceRoutes(): void {
  route("POST", `/${OAUTH_PATHS.deviceAuthorization}`, whenOAuth(deviceAuthorization));
}
