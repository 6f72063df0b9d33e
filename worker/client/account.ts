import type { IRequest } from "itty-router";
import { clientRoute, route, type Ctx } from "../router.js";
import { json, readJsonObject, optString, optBool, reqString } from "../http.js";
import { toMatrixError, forbidden, badJson, missingParam, invalidParam, userInUse, invalidUsername, badRequest, unknownToken } from "../../platform/errors.js";
import { authenticate, accessTokenOf } from "../auth.js";
import { serverStub, userStub } from "../../platform/stubs.js";
import { checkRateLimit, clientKey } from "../rateLimit.js";
import { uiaAuthOf, uiaChallenge, uiaSessionFor, identifiedUser, isIssuedShape } from "./uia.js";
import { isValidNewLocalpart, localUserId } from "./localpart.js";
import { deactivateAccount } from "./deactivation.js";
import { ACCESS_TOKEN_PREFIX, REFRESH_TOKEN_PREFIX, randomString, userIdOfToken } from "../../platform/tokens.js";
import { isJsonObject } from "../../protocol/json.js";
import { verifyPasswordUia } from "./uiaPassword.js";
import { passwordProblem } from "./passwordRules.js";
import { APPSERVICE_LOGIN_TYPE, appserviceLogin, appserviceRegister } from "../appservice/register.js";
import { checkUserIdNotExclusive } from "../appservice/exclusive.js";

// Spec: client-server-api "Account registration and management", "Login", registration.yaml,
// login.yaml, logout.yaml, password_management.yaml, account_deactivation.yaml, whoami.yaml,
// refresh.yaml ("Refreshing access tokens").

function registrationStages(ctx: Ctx): string[] {
  return ctx.config.registration === "token" ? ["m.login.registration_token"] : ["m.login.dummy"];
}

/** The registration tokens REGISTRATION = "token" accepts (the REGISTRATION_TOKENS secret). */
export function validTokens(ctx: Ctx): string[] {
  return (ctx.env.REGISTRATION_TOKENS ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

async function register(req: IRequest, ctx: Ctx): Promise<Response> {
  const kind = ctx.url.searchParams.get("kind") ?? "user";
  if (kind !== "user" && kind !== "guest") throw invalidParam("kind must be 'user' or 'guest'");
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  // Application services register their users with their as_token: no UIA, no rate limit.
  if (kind === "user" && body.type === APPSERVICE_LOGIN_TYPE) return appserviceRegister(req, ctx, body);
  checkRateLimit(ctx.config, "register", clientKey(req));
  const deviceId = optString(body, "device_id");
  const deviceDisplayName = optString(body, "initial_device_display_name");
  const inhibitLogin = optBool(body, "inhibit_login") ?? false;
  // The client supports refresh tokens: its access token may then expire.
  const refresh = optBool(body, "refresh_token") ?? false;

  if (kind === "guest") {
    if (!ctx.config.guestAccess) throw forbidden("Guest access is disabled");
    // Guests get numeric localparts like Synapse's, which a normal registration cannot take.
    const localpart = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
    const userId = `@${localpart}:${ctx.config.serverName}`;
    const res = await userStub(ctx.env, userId).register(userId, { isGuest: true, inhibitLogin: false, deviceDisplayName, refresh });
    await serverStub(ctx.env).addLocalGuest(userId);
    return json({ ...res, home_server: ctx.config.serverName });
  }

  if (ctx.config.registration === "closed") throw forbidden("Registration is disabled on this server");
  const password = optString(body, "password");
  // Only the upper bound: the legacy API never asked for a minimum length.
  const tooLong = password === undefined ? undefined : passwordProblem(password, 0);
  if (tooLong) throw invalidParam(tooLong);
  const requested = optString(body, "username")?.toLowerCase();
  const guestToken = optString(body, "guest_access_token");
  const login = { isGuest: false, deviceId, deviceDisplayName, inhibitLogin, refresh };

  // The session is checked first: a retry names it, maybe with nothing else in `auth`.
  const clientSession = isJsonObject(body.auth) && typeof body.auth.session === "string" ? body.auth.session : undefined;
  const session = await uiaSessionFor(clientSession, { userId: "", path: ctx.url.pathname });
  const server = serverStub(ctx.env);
  const registered = clientSession === undefined ? null : await server.registeredBy(clientSession);
  if (registered !== null) {
    // The session completed its stages and made this account: a retry gets the same account and a
    // new login (as Synapse, which keeps the user ID with the session), not M_USER_IN_USE.
    if (requested !== undefined && `@${requested}:${ctx.config.serverName}` !== registered) {
      throw badRequest("A different user ID has already been registered for this session");
    }
    const res = await userStub(ctx.env, registered).register(registered, { ...login, account: "registered" });
    return json({ ...res, home_server: ctx.config.serverName });
  }

  // A guest upgrading (spec: Guest Access) names their account with their access token.
  const guest = guestToken === undefined ? undefined : await guestOf(ctx, guestToken);
  if (guestToken !== undefined && (!guest || (requested !== undefined && guest !== `@${requested}:${ctx.config.serverName}`))) {
    throw forbidden("Cannot register taken user ID without valid guest credentials for that user.");
  }
  const username = guest !== undefined ? guest.slice(1, guest.indexOf(":")) : requested ?? `u${randomString(9).toLowerCase().replace(/[^a-z0-9]/g, "x")}`;
  if (guest === undefined && !isValidNewLocalpart(username, ctx.config.serverName)) {
    throw invalidUsername("User ID may only contain a-z, 0-9, '.', '_', '=', '-', '/', '+'");
  }
  const userId = `@${username}:${ctx.config.serverName}`;
  checkUserIdNotExclusive(ctx, userId);
  const stub = userStub(ctx.env, userId);
  if (guest === undefined && (await stub.exists())) throw userInUse("User ID already taken.");

  const auth = uiaAuthOf(body);
  const stages = registrationStages(ctx);
  if (!auth || !stages.includes(auth.type)) return uiaChallenge(stages, session);
  if (auth.type === "m.login.registration_token") {
    const token = auth.body.token;
    if (typeof token !== "string" || !validTokens(ctx).includes(token)) {
      return uiaChallenge(stages, session, { errcode: "M_FORBIDDEN", error: "Invalid registration token" });
    }
  }
  const res = await stub.register(userId, { ...login, password, account: guest !== undefined ? "guestUpgrade" : "new" });
  // The account exists now: a failure to remember the session costs only a retry's answer, not this one.
  // Only a session this server issued is remembered: a made-up one ("a.<tag>") could be guessed.
  if (clientSession !== undefined && isIssuedShape(clientSession)) await server.recordRegistration(clientSession, userId).catch((e: unknown) => console.error("recording the registration session failed", e));
  const profile = guest !== undefined ? await stub.getProfile() : null;
  await server.upsertUser(userId, profile ? (profile.displayname ?? null) : username, profile?.avatar_url ?? null);
  return json({ ...res, home_server: ctx.config.serverName });
}

/** The guest whose access token this is, or undefined when it is no guest's valid token. */
async function guestOf(ctx: Ctx, token: string): Promise<string | undefined> {
  const userId = userIdOfToken(ACCESS_TOKEN_PREFIX, token, ctx.config.serverName);
  if (userId === undefined) return undefined;
  try {
    const session = await userStub(ctx.env, userId).authenticate(token);
    return session.isGuest ? session.userId : undefined;
  } catch (e) {
    // An unknown or expired token is no guest's; any other failure is a real one.
    if (toMatrixError(e)?.errcode === "M_UNKNOWN_TOKEN") return undefined;
    throw e;
  }
}

async function registerAvailable(req: IRequest, ctx: Ctx): Promise<Response> {
  const username = ctx.url.searchParams.get("username");
  if (!username) throw missingParam("username is required");
  if (!isValidNewLocalpart(username, ctx.config.serverName)) throw invalidUsername("Invalid username");
  checkUserIdNotExclusive(ctx, `@${username}:${ctx.config.serverName}`);
  if (await userStub(ctx.env, `@${username}:${ctx.config.serverName}`).exists()) {
    throw userInUse("User ID already taken.");
  }
  return json({ available: true });
}

async function registrationTokenValidity(req: IRequest, ctx: Ctx): Promise<Response> {
  const token = ctx.url.searchParams.get("token");
  if (!token) throw missingParam("token is required");
  if (ctx.config.registration !== "token") throw forbidden("Registration tokens are not in use");
  return json({ valid: validTokens(ctx).includes(token) });
}

function loginFlows(): Response {
  return json({ flows: [{ type: "m.login.password" }, { type: APPSERVICE_LOGIN_TYPE }] });
}

async function login(req: IRequest, ctx: Ctx): Promise<Response> {
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const type = reqString(body, "type");
  // Rate-limited there only when the service's registration asks for it.
  if (type === APPSERVICE_LOGIN_TYPE) return appserviceLogin(req, ctx, body);
  checkRateLimit(ctx.config, "login", clientKey(req));
  if (type !== "m.login.password") throw badRequest(`Login type ${type} is not supported`);
  if (body.identifier !== undefined && !isJsonObject(body.identifier)) throw badJson("'identifier' must be an object");
  const user = identifiedUser(body);
  const password = reqString(body, "password");
  if (!user) throw forbidden("Unsupported identifier; use m.id.user");
  const userId = localUserId(ctx, user);
  if (!userId) throw forbidden("Invalid username or password");
  const deviceId = optString(body, "device_id");
  const refresh = optBool(body, "refresh_token") ?? false;
  const res = await userStub(ctx.env, userId).login(password, deviceId, optString(body, "initial_device_display_name"), refresh);
  return json({ ...res, home_server: ctx.config.serverName });
}

/**
 * Spec: POST /refresh. The refresh token names its user, like an access token, so the call goes
 * straight to that user's object. A token that is not one of ours is as unknown as a spent one.
 */
async function refresh(req: IRequest, ctx: Ctx): Promise<Response> {
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const token = reqString(body, "refresh_token");
  const userId = userIdOfToken(REFRESH_TOKEN_PREFIX, token, ctx.config.serverName);
  if (userId === undefined) throw unknownToken("Unknown refresh token");
  const res = await userStub(ctx.env, userId).refresh(token);
  return json({ access_token: res.access_token, refresh_token: res.refresh_token, expires_in_ms: res.expires_in_ms });
}

async function logout(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  await userStub(ctx.env, session.userId).logout(accessTokenOf(req, ctx.url) ?? "");
  return json({});
}

async function logoutAll(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  await userStub(ctx.env, session.userId).logoutAll();
  return json({});
}

async function whoami(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx, { allowGuest: true });
  // An application service acting without ?device_id= has no device (identity assertion).
  return json({ user_id: s.userId, ...(s.deviceId ? { device_id: s.deviceId } : {}), is_guest: s.isGuest });
}

async function changePassword(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const newPassword = reqString(body, "new_password");
  const logoutDevices = optBool(body, "logout_devices") ?? true;
  const challenge = await verifyPasswordUia(ctx, session.userId, body);
  if (challenge) return challenge;
  await userStub(ctx.env, session.userId).changePassword(newPassword, logoutDevices, session.deviceId);
  return json({});
}

async function deactivate(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  const challenge = await verifyPasswordUia(ctx, session.userId, body);
  if (challenge) return challenge;
  await deactivateAccount(ctx, session.userId);
  return json({ id_server_unbind_result: "no-support" });
}

export function registerAccountRoutes(): void {
  clientRoute("POST", "/register", register);
  clientRoute("GET", "/register/available", registerAvailable);
  route("GET", "/_matrix/client/v1/register/m.login.registration_token/validity", registrationTokenValidity);
  clientRoute("GET", "/login", loginFlows);
  clientRoute("POST", "/login", login);
  clientRoute("POST", "/refresh", refresh, ["v3", "v1"]);
  clientRoute("POST", "/logout", logout);
  clientRoute("POST", "/logout/all", logoutAll);
  clientRoute("GET", "/account/whoami", whoami);
  clientRoute("POST", "/account/password", changePassword);
  clientRoute("POST", "/account/deactivate", deactivate);
}
