import type { IRequest } from "itty-router";
import { clientRoute, type Ctx } from "../router.js";
import { json, queryInt } from "../http.js";
import { invalidParam, missingToken, unknownToken } from "../errors.js";
import { accessTokenOf } from "../auth.js";
import { userStub } from "../stubs.js";
import { localpartOfToken } from "../../durable-objects/user/tokens.js";
import type { SyncParams } from "../../durable-objects/user/syncRequest.js";

// Spec: GET /_matrix/client/v3/sync (sync.yaml).

/** Longest long-poll we hold, whatever the client asks. */
const MAX_TIMEOUT_MS = 60_000;

/**
 * Waits until the user's stream moves past `since`, without keeping the UserDO busy: the UserDO
 * accepts a hibernatable WebSocket and sends "wake" when something arrives. The Worker, billed
 * only for CPU, holds the wait.
 */
async function waitForChange(ctx: Ctx, userId: string, since: string, timeoutMs: number): Promise<void> {
  const res = await userStub(ctx.env, userId).fetch(`https://user/wait?since=${encodeURIComponent(since)}`, { headers: { Upgrade: "websocket" } });
  const ws = res.webSocket;
  if (!ws) return;
  ws.accept();
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    ws.addEventListener("message", done);
    ws.addEventListener("close", done);
    ws.addEventListener("error", done);
  });
  try {
    ws.close(1000, "done");
  } catch {
    // already closed
  }
}

async function sync(req: IRequest, ctx: Ctx): Promise<Response> {
  const token = accessTokenOf(req, ctx.url);
  if (token === undefined) throw missingToken();
  const localpart = localpartOfToken(token);
  if (!localpart) throw unknownToken();
  const timeout = Math.min(Math.max(queryInt(ctx.url, "timeout") ?? 0, 0), MAX_TIMEOUT_MS);
  const fullStateRaw = ctx.url.searchParams.get("full_state");
  if (fullStateRaw !== null && fullStateRaw !== "true" && fullStateRaw !== "false") throw invalidParam("full_state must be true or false");
  const setPresence = ctx.url.searchParams.get("set_presence");
  if (setPresence !== null && !["online", "offline", "unavailable"].includes(setPresence)) throw invalidParam("Invalid set_presence");
  const params: SyncParams = {
    since: ctx.url.searchParams.get("since") ?? undefined,
    fullState: fullStateRaw === "true",
    filter: ctx.url.searchParams.get("filter") ?? undefined,
    setPresence: setPresence ?? undefined,
  };
  // Authentication happens inside the UserDO's syncRequest: one Durable Object call per sync.
  const stub = userStub(ctx.env, `@${localpart}:${ctx.config.serverName}`);
  const deadline = Date.now() + timeout;
  let result = await stub.syncRequest(token, params);
  // Long-poll: only an incremental sync waits, and only while nothing is there for the client.
  while (result.empty && params.since && !params.fullState && Date.now() < deadline) {
    await waitForChange(ctx, result.userId, String(result.body.next_batch), deadline - Date.now());
    result = await stub.syncRequest(token, { ...params, setPresence: undefined });
  }
  return json(result.body);
}

export function registerSyncRoutes(): void {
  clientRoute("GET", "/sync", sync);
}
