import type { IRequest } from "itty-router";
import { clientRoute, type Ctx } from "../router.js";
import { json, readJsonObject } from "../http.js";
import { authenticate } from "../auth.js";
import { serverStub, userStub } from "../../platform/stubs.js";
import { invalidParam } from "../../platform/errors.js";
import { outboundTargetProblem } from "../../platform/ssrfGuard.js";
import { parsePusherChange } from "../../protocol/push/index.js";

// Spec: pusher.yaml (push module). Pushers live in the user's UserDO, tied to the device whose
// token set them; the UserDO's push queue sends to them (durable-objects/user/push/).

/**
 * The homeserver itself sends to the gateway, so a URL on a private, loopback or link-local
 * address (or an internal-only name) would let a user probe the server's own network; refused
 * unless the host is in PUSH_ALLOW_HOSTS (tests).
 */
function checkGatewayHost(url: string, allowHosts: readonly string[]): void {
  // parsePusherChange already refused other schemes and credentials, so a problem here is the host.
  if (outboundTargetProblem(new URL(url), allowHosts)) throw invalidParam("The push gateway URL must not point to a private, loopback or link-local address");
}

async function setPusher(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const allowHosts = ctx.config.pushAllowHosts;
  const change = parsePusherChange(body, allowHosts);
  const user = userStub(ctx.env, session.userId);
  const server = serverStub(ctx.env);
  if (change.action === "delete") {
    await user.deletePusher(change.appId, change.pushkey);
    await server.releasePushkey(change.appId, change.pushkey, session.userId);
    return json({});
  }
  checkGatewayHost(change.pusher.data.url, allowHosts);
  await user.setPusher(session.deviceId, change.pusher);
  // Spec: without `append`, the same app_id and pushkey is removed from every other user.
  const others = await server.claimPushkey(change.pusher.app_id, change.pusher.pushkey, session.userId, change.append);
  await Promise.all(others.map((u) => userStub(ctx.env, u).deletePusher(change.pusher.app_id, change.pusher.pushkey)));
  return json({});
}

async function listPushers(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx);
  return json({ pushers: await userStub(ctx.env, session.userId).listPushers() });
}

export function registerPusherRoutes(): void {
  clientRoute("GET", "/pushers", listPushers);
  clientRoute("POST", "/pushers/set", setPusher);
}
