import type { IRequest } from "itty-router";
import type { Ctx } from "../router.js";
import { json, optString, optBool } from "../http.js";
import { MatrixError, badJson, forbidden, invalidUsername, missingToken, unknownToken } from "../../platform/errors.js";
import { accessTokenOf } from "../auth.js";
import { serverStub, userStub } from "../../platform/stubs.js";
import type { JsonObject } from "../../protocol/json.js";
import { isJsonObject } from "../../protocol/json.js";
import { MAX_IDENTIFIER_BYTES, utf8ByteLength } from "../../protocol/identifiers.js";
import { isServiceUser } from "../../protocol/appservice/namespaces.js";
import type { AppService } from "../../protocol/appservice/registration.js";
import { appserviceByToken } from "./identity.js";
import { checkUserIdNotExclusive } from "./exclusive.js";
import { identifiedUser } from "../client/uia.js";
import { checkRateLimit, clientKey } from "../rateLimit.js";

// Spec: application-service-api "Server admin style permissions"; client-server-api
// "Appservice Login". Both take the as_token in place of an access token and skip UIA.

export const APPSERVICE_LOGIN_TYPE = "m.login.application_service";

/** The service whose as_token the request carries: 401 M_MISSING_TOKEN / M_UNKNOWN_TOKEN otherwise (spec). */
function requireService(req: IRequest, ctx: Ctx): AppService {
  const token = accessTokenOf(req, ctx.url);
  if (token === undefined) throw missingToken();
  const service = appserviceByToken(ctx, token);
  if (!service) throw unknownToken("The access token is not an application service's as_token");
  return service;
}

/**
 * A service's username: any historical localpart (printable ASCII but ':'), kept as written —
 * bridges name their users after the remote network's IDs, and Synapse gives them that latitude.
 */
function serviceUserId(ctx: Ctx, username: string): string {
  if (!/^[\x21-\x39\x3b-\x7e]+$/.test(username)) throw invalidUsername("Invalid username");
  const userId = `@${username}:${ctx.config.serverName}`;
  if (utf8ByteLength(userId) > MAX_IDENTIFIER_BYTES) throw invalidUsername(`User ID may not be longer than ${MAX_IDENTIFIER_BYTES} bytes`);
  return userId;
}

/**
 * POST /register with `type: m.login.application_service`: the service creates one of its users,
 * with no password and no UIA (as Synapse: no registration rate limit either). The user must be
 * its own and not in another service's exclusive namespace (400 M_EXCLUSIVE).
 */
export async function appserviceRegister(req: IRequest, ctx: Ctx, body: JsonObject): Promise<Response> {
  const service = requireService(req, ctx);
  const username = body.username;
  if (typeof username !== "string") throw new MatrixError(400, "M_INVALID_USERNAME", "Desired username is missing or not a string");
  const userId = serviceUserId(ctx, username);
  checkUserIdNotExclusive(ctx, userId, service);
  const inhibitLogin = optBool(body, "inhibit_login") ?? false;
  const res = await userStub(ctx.env, userId).register(userId, {
    isGuest: false,
    deviceId: optString(body, "device_id"),
    deviceDisplayName: optString(body, "initial_device_display_name"),
    inhibitLogin,
    refresh: optBool(body, "refresh_token") ?? false,
  });
  await serverStub(ctx.env).upsertUser(userId, username, null);
  return json({ ...res, home_server: ctx.config.serverName });
}

/**
 * POST /login with `type: m.login.application_service`: a token for one of the service's users
 * (spec: M_EXCLUSIVE outside its namespace, M_FORBIDDEN for a user not registered yet).
 */
export async function appserviceLogin(req: IRequest, ctx: Ctx, body: JsonObject): Promise<Response> {
  const service = requireService(req, ctx);
  if (service.rateLimited) checkRateLimit(ctx.config, "login", clientKey(req));
  if (body.identifier !== undefined && !isJsonObject(body.identifier)) throw badJson("'identifier' must be an object");
  const user = identifiedUser(body);
  if (!user) throw forbidden("Unsupported identifier; use m.id.user");
  const userId = user.startsWith("@") ? user : `@${user}:${ctx.config.serverName}`;
  if (!isServiceUser(service, userId, ctx.config.serverName)) throw new MatrixError(403, "M_EXCLUSIVE", "This user is not in the application service's namespace");
  const res = await userStub(ctx.env, userId).login({ appservice: service.id }, optString(body, "device_id"), optString(body, "initial_device_display_name"), optBool(body, "refresh_token") ?? false);
  return json({ ...res, home_server: ctx.config.serverName });
}
