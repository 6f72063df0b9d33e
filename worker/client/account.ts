import type { IRequest } from "itty-router";
import { clientRoute, route, type Ctx } from "../router.js";
import { json, readJsonObject, optString, optBool, reqString } from "../http.js";
import { forbidden, badJson, missingParam, invalidParam, userInUse, invalidUsername, badRequest, unknownToken } from "../../platform/errors.js";
import { authenticate, accessTokenOf } from "../auth.js";
import { serverStub, userStub } from "../../platform/stubs.js";
import { checkRateLimit, clientKey } from "../rateLimit.js";
import { uiaAuthOf, uiaChallenge, uiaSessionFor, identifiedUser } from "./uia.js";
import { isValidNewLocalpart, localUserId } from "./localpart.js";
import { deactivateAccount } from "./deactivation.js";
import { REFRESH_TOKEN_PREFIX, randomString, userIdOfToken } from "../../platform/tokens.js";
import { isJsonObject } from "../../protocol/json.js";
import { verifyPasswordUia } from "./uiaPassword.js";
import { passwordProblem } from "./passwordRules.js";

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
  checkRateLimit(ctx.config, "register", clientKey(req));
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
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
  const username = optString(body, "username")?.toLowerCase() ?? `u${randomString(9).toLowerCase().replace(/[^a-z0-9]/g, "x")}`;
  if (!isValidNewLocalpart(username, ctx.config.serverName)) {
    throw invalidUsername("User ID may only contain a-z, 0-9, '.', '_', '=', '-', '/', '+'");
  }
  const userId = `@${username}:${ctx.config.serverName}`;
  const stub = userStub(ctx.env, userId);
  if (await stub.exists()) throw userInUse("User ID already taken.");

  const auth = uiaAuthOf(body);
  const stages = registrationStages(ctx);
  const session = await uiaSessionFor(auth?.session, { userId: "", path: ctx.url.pathname });
  if (!auth || !stages.includes(auth.type)) return uiaChallenge(stages, session);
  if (auth.type === "m.login.registration_token") {
    const token = auth.body.token;
    if (typeof token !== "string" || !validTokens(ctx).includes(token)) {
      return uiaChallenge(stages, session, { errcode: "M_FORBIDDEN", error: "Invalid registration token" });
    }
  }
  const res = await stub.register(userId, { password, isGuest: false, deviceId, deviceDisplayName, inhibitLogin, refresh });
  await serverStub(ctx.env).upsertUser(userId, username, null);
  return json({ ...res, home_server: ctx.config.serverName });
}

async function registerAvailable(req: IRequest, ctx: Ctx): Promise<Response> {
  const username = ctx.url.searchParams.get("username");
  if (!username) throw missingParam("username is required");
  if (!isValidNewLocalpart(username, ctx.config.serverName)) throw invalidUsername("Invalid username");
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
  return json({ flows: [{ type: "m.login.password" }] });
}

async function login(req: IRequest, ctx: Ctx): Promise<Response> {
  checkRateLimit(ctx.config, "login", clientKey(req));
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const type = reqString(body, "type");
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
  return json({ user_id: s.userId, device_id: s.deviceId, is_guest: s.isGuest });
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
