/**
 * The account management pages' routes (the spec's account_management_uri, v1.18): GET /account/
 * with its deep-link actions, and the forms it posts — sign a session out, change the password,
 * deactivate, allow a cross-signing reset (the m.oauth UIA stage, worker/client/uiaOAuth.ts).
 * Every post checks its CSRF token before anything else and acts only for the signed-in browser's
 * own account; success is a 303 back to the page with a notice (so reloading does not post again),
 * failure re-renders the page with the error next to its form.
 */
import type { IRequest } from "itty-router";
import { route, type Ctx } from "../router.js";
import { serverStub, userStub } from "../../platform/stubs.js";
import { toMatrixError } from "../../platform/errors.js";
import { localizedClientName } from "../../protocol/oauth/clientMetadata.js";
import type { SessionInfo as DeviceSession } from "../../platform/rpc/user.js";
import { TOO_MANY_ATTEMPTS, clientKey, withinRateLimit } from "../rateLimit.js";
import { deactivateAccount } from "../client/deactivation.js";
import { passwordProblem } from "../client/passwordRules.js";
import { CROSS_SIGNING_RESET_ACTION } from "../../protocol/oauth/uiaStage.js";
import { acceptedLanguages } from "./acceptLanguage.js";
import { whenOAuth } from "./gate.js";
import { signedInUser, type SignedIn } from "./signedIn.js";
import { pageForm, seeOther, toSignIn } from "./pageFlow.js";
import { accountPage, approvalMinutes, type AccountSection } from "./pages/account.js";
import { clearSessionCookie } from "./pages/cookies.js";
import { formPage } from "./pages/formPage.js";
import { htmlPage } from "./pages/layout.js";
import { deactivatedPage } from "./pages/message.js";
import type { SessionInfo } from "./pages/sessions.js";

const ACCOUNT_PATH = "/account/";

/**
 * The notices a redirect back to the page may show, by code: the query string only ever picks
 * one of these texts, so a crafted link cannot put words of its own on our page.
 */
const NOTICES = {
  signed_out: "The session was signed out.",
  password_changed: "Your password was changed.",
  password_changed_signed_out: "Your password was changed and every session was signed out.",
  cross_signing_reset_allowed: `Resetting your cryptographic identity is allowed for the next ${approvalMinutes()}. Go back to the app to continue the reset.`,
} as const;
type NoticeCode = keyof typeof NOTICES;

function noticeOf(code: string | null): string | undefined {
  return code !== null && Object.hasOwn(NOTICES, code) ? NOTICES[code as NoticeCode] : undefined;
}

const backWith = (notice: NoticeCode) => seeOther(`${ACCOUNT_PATH}?notice=${notice}`);

/**
 * The user's sessions as the page lists them. An OAuth session shows its app's name, in the
 * browser's language when the app registered one; each distinct client is looked up once.
 */
async function sessionsFor(ctx: Ctx, userId: string, languages: readonly string[]): Promise<SessionInfo[]> {
  const devices: DeviceSession[] = await userStub(ctx.env, userId).sessions();
  const clientIds = [...new Set(devices.map((d) => d.oauth_client_id).filter((id): id is string => id !== null))];
  const server = serverStub(ctx.env);
  const names = new Map<string, string | undefined>();
  await Promise.all(
    clientIds.map(async (id) => {
      const metadata = await server.oauthClient(id);
      names.set(id, metadata ? localizedClientName(metadata, languages) : undefined);
    }),
  );
  return devices.map((d) => ({
    deviceId: d.device_id,
    displayName: d.display_name,
    clientName: d.oauth_client_id ? names.get(d.oauth_client_id) ?? null : null,
    lastSeenTs: d.last_seen_ts,
    lastSeenIp: d.last_seen_ip,
  }));
}

interface AccountView {
  action?: string | null;
  deviceId?: string | null;
  notice?: string;
  error?: string;
  errorSection?: AccountSection;
}

async function renderAccount(req: Request, ctx: Ctx, user: SignedIn, view: AccountView, status = 200): Promise<Response> {
  // The page reads the deep link's action (once): which session is "This device" depends on it.
  const sessions = await sessionsFor(ctx, user.userId, acceptedLanguages(req.headers.get("Accept-Language")));
  return formPage(
    req,
    (csrf) => accountPage({ serverName: ctx.config.serverName, userId: user.userId, displayName: user.displayname, csrf, sessions, ...view }),
    { status },
  );
}

async function showAccount(req: IRequest, ctx: Ctx): Promise<Response> {
  const user = await signedInUser(req, ctx);
  if (!user) return toSignIn(`${ctx.url.pathname}${ctx.url.search}`);
  const q = ctx.url.searchParams;
  return renderAccount(req, ctx, user, { action: q.get("action"), deviceId: q.get("device_id"), notice: noticeOf(q.get("notice")) });
}

/** A post's form and signed-in user, or the response to send instead (CSRF refusal, sign in first). */
async function accountForm(req: Request, ctx: Ctx): Promise<{ form: URLSearchParams; user: SignedIn } | Response> {
  const form = await pageForm(req, ctx);
  if (form instanceof Response) return form;
  const user = await signedInUser(req, ctx);
  if (!user) return toSignIn(ACCOUNT_PATH);
  return { form, user };
}

/**
 * Password attempts on these forms are limited like POST /login and the sign-in page, per
 * address and per account: a browser left signed in must not become a password oracle. Spent
 * just before the password is checked, so a form refused for a cheaper reason costs nothing.
 */
function passwordAttemptAllowed(req: Request, ctx: Ctx, userId: string): boolean {
  return withinRateLimit(ctx.config, "login", clientKey(req), userId);
}

/** getDevice's M_NOT_FOUND as false; anything else is a real failure and is thrown on. */
function notFoundAsFalse(e: unknown): false {
  if (toMatrixError(e)?.errcode === "M_NOT_FOUND") return false;
  throw e;
}

/** Signs one of the user's sessions out, with what DELETE /devices/{deviceId} does (tokens, keys, device lists). */
async function deleteDevice(req: IRequest, ctx: Ctx): Promise<Response> {
  const posted = await accountForm(req, ctx);
  if (posted instanceof Response) return posted;
  const { form, user } = posted;
  const deviceId = form.get("device_id") ?? "";
  const stub = userStub(ctx.env, user.userId);
  // Only the user's own devices exist in their object, so another user's device ID is simply
  // not found here (as with DELETE /devices/{deviceId}) and nothing happens to it.
  const own = deviceId !== "" && (await stub.getDevice(deviceId).then(() => true, notFoundAsFalse));
  if (!own) {
    return renderAccount(req, ctx, user, { error: "That session is not one of yours, or it is already signed out.", errorSection: "sessions" }, 404);
  }
  await stub.deleteDevices([deviceId]);
  return backWith("signed_out");
}

async function changePassword(req: IRequest, ctx: Ctx): Promise<Response> {
  const posted = await accountForm(req, ctx);
  if (posted instanceof Response) return posted;
  const { form, user } = posted;
  const again = (error: string, status: number) => renderAccount(req, ctx, user, { error, errorSection: "password" }, status);
  const current = form.get("current_password") ?? "";
  const next = form.get("new_password") ?? "";
  const problem = passwordProblem(next);
  if (problem) return again(problem, 400);
  if (next !== form.get("new_password_confirm")) return again("The two new passwords are not the same.", 400);
  const stub = userStub(ctx.env, user.userId);
  if (!current) return again("Your current password is not right.", 403);
  if (!passwordAttemptAllowed(req, ctx, user.userId)) return again(TOO_MANY_ATTEMPTS, 429);
  if (!(await stub.checkPassword(current))) return again("Your current password is not right.", 403);
  const logoutDevices = form.get("logout_devices") === "true";
  // No device is "this one" here: the browser's sign-in is not a device. It stays signed in, and
  // with "sign out everywhere" every other browser's sign-in ends too, or a browser the user
  // lost could still allow new apps for a week.
  await stub.changePassword(next, logoutDevices, "", user.token);
  return backWith(logoutDevices ? "password_changed_signed_out" : "password_changed");
}

async function deactivate(req: IRequest, ctx: Ctx): Promise<Response> {
  const posted = await accountForm(req, ctx);
  if (posted instanceof Response) return posted;
  const { form, user } = posted;
  const again = (error: string, status: number) => renderAccount(req, ctx, user, { error, errorSection: "deactivate" }, status);
  if (form.get("confirm") !== "yes") return again("Tick the box to confirm that you want to deactivate your account.", 400);
  const password = form.get("password") ?? "";
  if (!password) return again("That password is not right.", 403);
  if (!passwordAttemptAllowed(req, ctx, user.userId)) return again(TOO_MANY_ATTEMPTS, 429);
  if (!(await userStub(ctx.env, user.userId).checkPassword(password))) return again("That password is not right.", 403);
  // Deactivation ends every browser sign-in too; the cookie goes as well so the browser forgets it.
  await deactivateAccount(ctx, user.userId);
  return htmlPage({ ...deactivatedPage({ serverName: ctx.config.serverName, userId: user.userId }), setCookies: [clearSessionCookie(req)] });
}

/** The user allows the reset an app asked for through the m.oauth stage; the app's retry spends it. */
async function allowCrossSigningReset(req: IRequest, ctx: Ctx): Promise<Response> {
  const posted = await accountForm(req, ctx);
  if (posted instanceof Response) return posted;
  await userStub(ctx.env, posted.user.userId).approveOAuthAction(CROSS_SIGNING_RESET_ACTION);
  return backWith("cross_signing_reset_allowed");
}

export function registerAccountPageRoutes(): void {
  route("GET", ACCOUNT_PATH, whenOAuth(showAccount));
  route("POST", "/account/devices/delete", whenOAuth(deleteDevice));
  route("POST", "/account/password", whenOAuth(changePassword));
  route("POST", "/account/deactivate", whenOAuth(deactivate));
  route("POST", "/account/cross-signing-reset", whenOAuth(allowCrossSigningReset));
}
