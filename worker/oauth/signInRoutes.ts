/**
 * Signing a browser in and out of the account pages (GET/POST /account/login, /account/register,
 * POST /account/logout). A browser session is what the authorization and device pages need
 * before a person can allow an app; it never grants API access by itself.
 */
import type { IRequest } from "itty-router";
import { route, type Ctx } from "../router.js";
import { userStub, serverStub } from "../../platform/stubs.js";
import { toMatrixError } from "../../platform/errors.js";
import { WEB_SESSION_LIFETIME_MS } from "../../platform/tokens.js";
import { TOO_MANY_ATTEMPTS, clientKey, withinRateLimit } from "../rateLimit.js";
import { isValidNewLocalpart, localUserId } from "../client/localpart.js";
import { isReservedUserId } from "../appservice/exclusive.js";
import { validTokens } from "../client/account.js";
import { passwordProblem } from "../client/passwordRules.js";
import { whenOAuth } from "./gate.js";
import { signedInUser } from "./signedIn.js";
import { pageForm, seeOther } from "./pageFlow.js";
import { clearSessionCookie, sessionCookie } from "./pages/cookies.js";
import { formPage } from "./pages/formPage.js";
import { htmlPage } from "./pages/layout.js";
import { signedOutPage } from "./pages/message.js";
import { safeNext } from "./pages/next.js";
import { signInPage } from "./pages/signIn.js";
import { signUpClosedPage, signUpPage } from "./pages/signUp.js";
import { styleResponse } from "./pages/style.js";

const sessionCookieFor = (req: Request, token: string) => sessionCookie(req, token, Math.floor(WEB_SESSION_LIFETIME_MS / 1000));

async function showSignIn(req: IRequest, ctx: Ctx): Promise<Response> {
  const next = safeNext(ctx.url.searchParams.get("next"));
  if (await signedInUser(req, ctx)) return seeOther(next);
  return formPage(req, (csrf) => signInPage({ serverName: ctx.config.serverName, next, csrf, canRegister: ctx.config.registration !== "closed" }));
}

async function signIn(req: IRequest, ctx: Ctx): Promise<Response> {
  const form = await pageForm(req, ctx);
  if (form instanceof Response) return form;
  const next = safeNext(form.get("next"));
  const username = (form.get("username") ?? "").trim();
  const password = form.get("password") ?? "";
  const again = (error: string, status: number) =>
    formPage(req, (csrf) => signInPage({ serverName: ctx.config.serverName, next, csrf, error, username, canRegister: ctx.config.registration !== "closed" }), { status });
  // Password guessing is limited per address and per account, like POST /login.
  const userId = username ? localUserId(ctx, username) : undefined;
  if (!withinRateLimit(ctx.config, "login", clientKey(req), ...(userId ? [userId] : []))) return again(TOO_MANY_ATTEMPTS, 429);
  if (!userId || !password) return again("Wrong username or password.", 400);
  try {
    const { token } = await userStub(ctx.env, userId).createWebSession(password, req.headers.get("User-Agent") ?? undefined);
    return seeOther(next, [sessionCookieFor(req, token)]);
  } catch (e) {
    if (toMatrixError(e)?.errcode === "M_FORBIDDEN") return again("Wrong username or password.", 403);
    throw e;
  }
}

async function showSignUp(req: IRequest, ctx: Ctx): Promise<Response> {
  const next = safeNext(ctx.url.searchParams.get("next"));
  const serverName = ctx.config.serverName;
  if (ctx.config.registration === "closed") return htmlPage({ ...signUpClosedPage({ serverName, next }), status: 403 });
  return formPage(req, (csrf) => signUpPage({ serverName, next, csrf, mode: ctx.config.registration === "token" ? "token" : "open" }));
}

async function signUp(req: IRequest, ctx: Ctx): Promise<Response> {
  const serverName = ctx.config.serverName;
  if (ctx.config.registration === "closed") return htmlPage({ ...signUpClosedPage({ serverName }), status: 403 });
  const form = await pageForm(req, ctx);
  if (form instanceof Response) return form;
  const next = safeNext(form.get("next"));
  const mode = ctx.config.registration === "token" ? "token" : "open";
  const username = (form.get("username") ?? "").trim().toLowerCase();
  const password = form.get("password") ?? "";
  const again = (error: string, status = 400) => formPage(req, (csrf) => signUpPage({ serverName, next, csrf, mode, error, username }), { status });
  if (!withinRateLimit(ctx.config, "register", clientKey(req))) return again(TOO_MANY_ATTEMPTS, 429);
  if (!isValidNewLocalpart(username, serverName)) {
    return again("Usernames may contain only lower-case letters, digits and . _ = - / +, and not only digits.");
  }
  const userId = `@${username}:${serverName}`;
  // As POST /register: a name an application service holds exclusively is not for people.
  if (isReservedUserId(ctx, userId)) return again("That username is reserved. Choose another.");
  const problem = passwordProblem(password);
  if (problem) return again(problem);
  if (password !== form.get("password_confirm")) return again("The two passwords are not the same.");
  if (mode === "token" && !validTokens(ctx).includes(form.get("registration_token") ?? "")) return again("That registration token is not valid.", 403);
  const stub = userStub(ctx.env, userId);
  try {
    const res = await stub.register(userId, { password, isGuest: false, inhibitLogin: true, webSession: { userAgent: req.headers.get("User-Agent") ?? undefined } });
    await serverStub(ctx.env).upsertUser(userId, username, null);
    return seeOther(next, res.web_session ? [sessionCookieFor(req, res.web_session)] : []);
  } catch (e) {
    // The UserDO refuses a taken name before it hashes the password.
    if (toMatrixError(e)?.errcode === "M_USER_IN_USE") return again("That username is taken. Choose another.", 409);
    throw e;
  }
}

async function signOut(req: IRequest, ctx: Ctx): Promise<Response> {
  const form = await pageForm(req, ctx);
  if (form instanceof Response) return form;
  const user = await signedInUser(req, ctx);
  if (user) await userStub(ctx.env, user.userId).endWebSession(user.token);
  const next = form.get("next");
  if (next) return seeOther(safeNext(next), [clearSessionCookie(req)]);
  return htmlPage({ ...signedOutPage({ serverName: ctx.config.serverName }), setCookies: [clearSessionCookie(req)] });
}

export function registerSignInRoutes(): void {
  route("GET", "/account/style.css", whenOAuth(() => styleResponse()));
  route("GET", "/account/login", whenOAuth(showSignIn));
  route("POST", "/account/login", whenOAuth(signIn));
  route("GET", "/account/register", whenOAuth(showSignUp));
  route("POST", "/account/register", whenOAuth(signUp));
  route("POST", "/account/logout", whenOAuth(signOut));
}
