/**
 * The authorization endpoint (GET /oauth2/auth; RFC 6749 §4.1.1; spec: "Authorisation code
 * flow", "User registration") and the consent form's target (POST /account/consent). The
 * browser is signed in first (or signs up, for prompt=create), then asked; allowing makes a
 * single-use code bound to the client, redirect URI, PKCE challenge and device, and the browser
 * goes back to the client with it.
 */
import type { IRequest } from "itty-router";
import { route, type Ctx } from "../router.js";
import { callbackUrl } from "../../protocol/oauth/callback.js";
import { checkAuthorizationRequest, type ValidAuthorizationRequest } from "../../protocol/oauth/authorizationRequest.js";
import { formatScope } from "../../protocol/oauth/scope.js";
import { OAUTH_PATHS } from "../../protocol/oauth/authMetadata.js";
import { serverStub, userStub } from "../../platform/stubs.js";
import { whenOAuth } from "./gate.js";
import { signedInUser, type SignedIn } from "./signedIn.js";
import { pageForm, seeOther, toSignIn } from "./pageFlow.js";
import { clientInfo, scopeDescriptionsFor } from "./clientInfo.js";
import { htmlPage } from "./pages/layout.js";
import { errorPage } from "./pages/message.js";
import { formPage } from "./pages/formPage.js";
import { consentPage } from "./pages/consent.js";
import { withNext } from "./pages/parts.js";

/** The path and query that start this authorization request again (the sign-in pages' `next`). */
function authorizationPath(request: ValidAuthorizationRequest): string {
  return `/${OAUTH_PATHS.authorization}?${new URLSearchParams(request.carried).toString()}`;
}

/** Checks the request; answers the page or redirect that refuses it, or the valid request. */
async function checked(params: URLSearchParams, ctx: Ctx): Promise<ValidAuthorizationRequest | Response> {
  const check = await checkAuthorizationRequest(params, (id) => serverStub(ctx.env).oauthClient(id));
  switch (check.kind) {
    case "ok":
      return check.request;
    case "page":
      return htmlPage({ ...errorPage({ title: check.title, message: check.message, serverName: ctx.config.serverName }), status: 400 });
    case "redirect":
      return seeOther(callbackUrl(check.redirectUri, check.responseMode, check.params));
  }
}

function redirectError(request: ValidAuthorizationRequest, error: string, description: string): Response {
  return seeOther(callbackUrl(request.redirectUri, request.responseMode, { error, error_description: description, state: request.state }));
}

async function showConsent(req: Request, ctx: Ctx, request: ValidAuthorizationRequest, user: SignedIn): Promise<Response> {
  const scopes = await scopeDescriptionsFor(ctx, user.userId, request.scope);
  return formPage(req, (csrf) =>
    consentPage({
      serverName: ctx.config.serverName,
      userId: user.userId,
      csrf,
      client: clientInfo(request.client, req),
      scopes,
      params: request.carried,
      redirectUri: request.redirectUri,
    }),
  );
}

async function authorize(req: IRequest, ctx: Ctx): Promise<Response> {
  const request = await checked(ctx.url.searchParams, ctx);
  if (request instanceof Response) return request;
  const user = await signedInUser(req, ctx);
  if (request.none) {
    // OpenID Connect Core §3.1.2.6: no page may be shown, and Lattice always asks for consent.
    return user ? redirectError(request, "consent_required", "The user must allow the app on a page") : redirectError(request, "login_required", "The user is not signed in");
  }
  // Spec "User registration": prompt=create SHOULD show the registration page, signed in or
  // not (the person asked for a new account). `next` leaves prompt out, so coming back here
  // after signing up shows the consent page rather than the sign-up page again.
  if (request.create) return seeOther(withNext("/account/register", authorizationPath(request)));
  if (!user) return toSignIn(authorizationPath(request));
  return showConsent(req, ctx, request, user);
}

async function consent(req: IRequest, ctx: Ctx): Promise<Response> {
  const form = await pageForm(req, ctx);
  if (form instanceof Response) return form;
  // The hidden fields came back from the browser: checked again exactly as the query was.
  const params = new URLSearchParams(form);
  params.delete("csrf");
  params.delete("decision");
  params.delete("prompt");
  const request = await checked(params, ctx);
  if (request instanceof Response) return request;
  const user = await signedInUser(req, ctx);
  // Signed out in another tab since the page was shown: sign in again, then the same request.
  if (!user) return toSignIn(authorizationPath(request));
  const decision = form.get("decision");
  if (decision !== "allow") return redirectError(request, "access_denied", "The user denied the request");
  const code = await userStub(ctx.env, user.userId).createAuthorizationCode({
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    scope: formatScope(request.scope),
    deviceId: request.scope.deviceId,
    nonce: request.nonce,
    authTime: user.signedInTs,
  });
  return seeOther(callbackUrl(request.redirectUri, request.responseMode, { code, state: request.state }));
}

export function registerAuthorizeRoutes(): void {
  route("GET", `/${OAUTH_PATHS.authorization}`, whenOAuth(authorize));
  route("POST", "/account/consent", whenOAuth(consent));
}
