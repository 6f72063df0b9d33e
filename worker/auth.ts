import type { IRequest } from "itty-router";
import type { Ctx } from "./router.js";
import { MatrixError, unknownToken, missingToken } from "../platform/errors.js";
import { ACCESS_TOKEN_PREFIX, userIdOfToken } from "../platform/tokens.js";
import type { Session } from "../platform/rpc/user.js";
import { userStub } from "../platform/stubs.js";
import type { AppService } from "../protocol/appservice/registration.js";
import { appserviceByToken, appserviceSession } from "./appservice/identity.js";

/** Who makes a request: a user's session, or an application service acting as one of its users. */
export type Requester = Session & { appservice?: AppService };

/**
 * The access token of a request: the Authorization header, or the deprecated `access_token`
 * query parameter that matrix-nio and older bots still send (Synapse accepts both).
 */
export function accessTokenOf(req: IRequest, url: URL): string | undefined {
  const header = req.headers.get("Authorization");
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    return m ? m[1] : "";
  }
  return url.searchParams.get("access_token") ?? undefined;
}

/**
 * The client's address, for a device's last_seen_ip: Cloudflare's edge puts it in
 * CF-Connecting-IP (a Worker sees no socket address). Undefined when unknown.
 */
export function clientAddress(req: Request): string | undefined {
  const ip = req.headers.get("CF-Connecting-IP")?.trim();
  return ip ? ip : undefined;
}

export async function authenticate(req: IRequest, ctx: Ctx, opts: { allowGuest?: boolean } = {}): Promise<Requester> {
  const token = accessTokenOf(req, ctx.url);
  if (token === undefined) throw missingToken();
  const service = appserviceByToken(ctx, token);
  if (service) return appserviceSession(ctx, service);
  const userId = userIdOfToken(ACCESS_TOKEN_PREFIX, token, ctx.config.serverName);
  if (userId === undefined) throw unknownToken();
  const session = await userStub(ctx.env, userId).authenticate(token, clientAddress(req));
  if (session.isGuest && !opts.allowGuest) throw guestAccessForbidden();
  return session;
}

export const guestAccessForbidden = (text = "Guest accounts cannot use this endpoint") => new MatrixError(403, "M_GUEST_ACCESS_FORBIDDEN", text);
