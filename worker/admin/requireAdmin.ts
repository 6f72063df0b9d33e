import type { IRequest } from "itty-router";
import { param, type Ctx } from "../router.js";
import { authenticate } from "../auth.js";
import { badRequest, forbidden, invalidParam } from "../../platform/errors.js";
import { isFromServer, isValidUserId } from "../../protocol/identifiers.js";
import { serverStub, userStub } from "../../platform/stubs.js";
import type { Session } from "../../platform/rpc/user.js";

/**
 * The guard of every endpoint of the admin API (Synapse's /_synapse/admin): the request's access
 * token must be valid (401 otherwise, as everywhere) and belong to a server admin; anyone else,
 * guests included, is answered 403 M_FORBIDDEN, as Synapse answers.
 */
export async function requireAdmin(req: IRequest, ctx: Ctx): Promise<Session> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  const account = await userStub(ctx.env, session.userId).adminAccount();
  if (!account?.admin) throw forbidden("You are not a server admin");
  return session;
}

/** Makes a local user a server admin or not: on the account, and in the admin API's user list. */
export async function setServerAdmin(ctx: Ctx, userId: string, admin: boolean): Promise<void> {
  await userStub(ctx.env, userId).changeAccountAsAdmin({ admin });
  await serverStub(ctx.env).setLocalUserAdmin(userId, admin);
}

/** The {userId} of the path: a valid user ID (400 M_INVALID_PARAM) of this server (400 `remoteText`). */
export function localTarget(req: IRequest, ctx: Ctx, remoteText: string): string {
  const userId = param(req, "userId");
  if (!isValidUserId(userId)) throw invalidParam("Invalid user id");
  if (!isFromServer(userId, ctx.config.serverName)) throw badRequest(remoteText);
  return userId;
}
