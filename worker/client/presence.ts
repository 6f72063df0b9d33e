import type { IRequest } from "itty-router";
import { clientRoute, param, type Ctx } from "../router.js";
import { json, readJsonObject, reqString, optString } from "../http.js";
import { forbidden, notFound, invalidParam } from "../../platform/errors.js";
import { authenticate } from "../auth.js";
import { userStub } from "../../platform/stubs.js";
import { isFromServer } from "../../protocol/identifiers.js";

// Spec: presence.yaml.

const STATES = ["online", "offline", "unavailable"];

async function setStatus(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx, { allowGuest: true });
  if (param(req, "userId") !== s.userId) throw forbidden("Cannot set another user's presence");
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const presence = reqString(body, "presence");
  if (!STATES.includes(presence)) throw invalidParam(`presence must be one of ${STATES.join(", ")}`);
  await userStub(ctx.env, s.userId).setPresence(presence, optString(body, "status_msg"), true);
  return json({});
}

async function getStatus(req: IRequest, ctx: Ctx): Promise<Response> {
  await authenticate(req, ctx, { allowGuest: true });
  const userId = param(req, "userId");
  if (!isFromServer(userId, ctx.config.serverName)) throw notFound("Unknown user");
  const stub = userStub(ctx.env, userId);
  if (!(await stub.exists())) throw notFound("Unknown user");
  return json(await stub.getPresence());
}

export function registerPresenceRoutes(): void {
  clientRoute("PUT", "/presence/:userId/status", setStatus);
  clientRoute("GET", "/presence/:userId/status", getStatus);
}
