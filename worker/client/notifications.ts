import type { IRequest } from "itty-router";
import { clientRoute, type Ctx } from "../router.js";
import { json, queryInt } from "../http.js";
import { authenticate } from "../auth.js";
import { userStub } from "../../platform/stubs.js";
import { invalidParam } from "../../platform/errors.js";

// Spec: notifications.yaml (push module), the list behind a client's notification panel. The
// events and their push actions were recorded by the UserDO when they arrived (user/push/).

/** Synapse's default page size. */
const DEFAULT_LIMIT = 50;

async function getNotifications(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx);
  const fromText = ctx.url.searchParams.get("from");
  // `from` is a next_token this endpoint gave out: a stream position.
  if (fromText !== null && fromText !== "" && !/^\d{1,15}$/.test(fromText)) throw invalidParam("'from' is not a token this server gave out");
  const from = fromText ? Number(fromText) : undefined;
  const limit = queryInt(ctx.url, "limit") ?? DEFAULT_LIMIT;
  if (limit < 0) throw invalidParam("'limit' must not be negative");
  const only = ctx.url.searchParams.get("only");
  return json(await userStub(ctx.env, session.userId).listNotifications(session.deviceId, from, limit, only === "highlight"));
}

export function registerNotificationRoutes(): void {
  clientRoute("GET", "/notifications", getNotifications);
}
