/**
 * The device grant's verification page (RFC 8628 §3.3; spec: "Device authorisation flow"):
 * GET /link shows where to type the user code (pre-filled from verification_uri_complete),
 * POST /link looks it up and shows what the device asks for, and POST /link with `decision`
 * approves or denies it. The device, polling the token endpoint, learns the outcome.
 */
import type { IRequest } from "itty-router";
import { route, type Ctx } from "../router.js";
import { normalizeUserCode } from "../../protocol/oauth/userCode.js";
import { parseScope } from "../../protocol/oauth/scope.js";
import { OAUTH_PATHS } from "../../protocol/oauth/authMetadata.js";
import { serverStub } from "../../platform/stubs.js";
import { TOO_MANY_ATTEMPTS, clientKey, withinRateLimit } from "../rateLimit.js";
import { whenOAuth } from "./gate.js";
import { signedInUser } from "./signedIn.js";
import { pageForm, toSignIn } from "./pageFlow.js";
import { clientInfo, scopeDescriptionsFor } from "./clientInfo.js";
import { formPage } from "./pages/formPage.js";
import { deviceConsentPage, deviceDonePage, deviceLinkPage } from "./pages/device.js";
import { htmlPage } from "./pages/layout.js";

const LINK_PATH = `/${OAUTH_PATHS.deviceVerification}`;

/** This page again, with the code the person had (if any), for the sign-in page's `next`. */
function linkPath(userCode: string | null | undefined): string {
  return userCode ? `${LINK_PATH}?${new URLSearchParams({ user_code: userCode }).toString()}` : LINK_PATH;
}

function linkPage(req: Request, ctx: Ctx, userCode: string | undefined, error?: string, status = 200): Response {
  return formPage(req, (csrf) => deviceLinkPage({ serverName: ctx.config.serverName, csrf, userCode, error }), { status });
}

async function showLink(req: IRequest, ctx: Ctx): Promise<Response> {
  const typed = ctx.url.searchParams.get("user_code") ?? undefined;
  if (!(await signedInUser(req, ctx))) return toSignIn(linkPath(typed));
  // Pre-filled but not submitted: RFC 8628 §5.4 wants the person to see and confirm the code,
  // since a verification_uri_complete can be sent by someone else.
  return linkPage(req, ctx, typed);
}

async function link(req: IRequest, ctx: Ctx): Promise<Response> {
  const form = await pageForm(req, ctx);
  if (form instanceof Response) return form;
  const typed = form.get("user_code") ?? "";
  const user = await signedInUser(req, ctx);
  if (!user) return toSignIn(linkPath(typed));
  const userCode = normalizeUserCode(typed);
  // Each lookup and each decision is limited per address: user codes are short enough to be worth
  // guessing, and a guessed code's deny would end someone else's pending grant.
  if (!withinRateLimit(ctx.config, "deviceLink", clientKey(req))) return linkPage(req, ctx, typed, TOO_MANY_ATTEMPTS, 429);
  const decision = form.get("decision");
  if (decision === "allow" || decision === "deny") {
    const decided = userCode !== undefined && (await serverStub(ctx.env).decideDeviceGrant(userCode, decision === "allow" ? user.userId : null));
    if (!decided) return linkPage(req, ctx, typed, "That code has expired or was already used. Start again on your other device.", 400);
    return htmlPage(deviceDonePage({ serverName: ctx.config.serverName, approved: decision === "allow" }));
  }
  const grant = userCode === undefined ? null : await serverStub(ctx.env).pendingDeviceGrant(userCode);
  const client = grant ? await serverStub(ctx.env).oauthClient(grant.clientId) : null;
  if (!grant || !client || userCode === undefined) return linkPage(req, ctx, typed, "That code is not valid or has expired. Check it on your other device.", 400);
  const scope = parseScope(grant.scope);
  const scopes = await scopeDescriptionsFor(ctx, user.userId, scope);
  return formPage(req, (csrf) =>
    deviceConsentPage({
      serverName: ctx.config.serverName,
      userId: user.userId,
      csrf,
      userCode,
      client: clientInfo(client, req),
      scopes,
    }),
  );
}

export function registerDeviceLinkRoutes(): void {
  route("GET", LINK_PATH, whenOAuth(showLink));
  route("POST", LINK_PATH, whenOAuth(link));
}
