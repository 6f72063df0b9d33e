import type { IRequest } from "itty-router";
import { clientRoute, type Ctx } from "../router.js";
import { json, queryInt } from "../http.js";
import { MatrixError, invalidParam } from "../errors.js";
import { authenticate } from "../auth.js";
import { userStub } from "../stubs.js";
import { parseFilterJson, FilterError, validateFilter, type Filter } from "../../protocol/filters/index.js";

// Spec: GET /_matrix/client/v3/sync (sync.yaml).

/** Longest long-poll we hold, whatever the client asks. */
const MAX_TIMEOUT_MS = 60_000;
const DEFAULT_TIMELINE_LIMIT = 10;

async function resolveFilter(ctx: Ctx, userId: string): Promise<Filter | undefined> {
  const raw = ctx.url.searchParams.get("filter");
  if (!raw) return undefined;
  try {
    if (raw.trim().startsWith("{")) return parseFilterJson(raw);
    return validateFilter(await userStub(ctx.env, userId).getFilter(raw));
  } catch (e) {
    if (e instanceof FilterError) throw new MatrixError(400, e.errcode, e.message);
    throw e;
  }
}

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
  const session = await authenticate(req, ctx, { allowGuest: true });
  const since = ctx.url.searchParams.get("since") ?? undefined;
  const timeout = Math.min(Math.max(queryInt(ctx.url, "timeout") ?? 0, 0), MAX_TIMEOUT_MS);
  const fullStateRaw = ctx.url.searchParams.get("full_state");
  if (fullStateRaw !== null && fullStateRaw !== "true" && fullStateRaw !== "false") throw invalidParam("full_state must be true or false");
  const setPresence = ctx.url.searchParams.get("set_presence");
  if (setPresence !== null && !["online", "offline", "unavailable"].includes(setPresence)) throw invalidParam("Invalid set_presence");
  const filter = await resolveFilter(ctx, session.userId);
  const stub = userStub(ctx.env, session.userId);
  if (setPresence && setPresence !== "offline") await stub.setPresence(setPresence, undefined, false);

  const opts = {
    deviceId: session.deviceId,
    since,
    fullState: fullStateRaw === "true",
    timelineLimit: Math.min(filter?.room?.timeline?.limit ?? DEFAULT_TIMELINE_LIMIT, 1000),
    lazyLoadMembers: filter?.room?.state?.lazy_load_members === true,
    includeLeave: filter?.room?.include_leave === true,
    rooms: filter?.room?.rooms,
    notRooms: filter?.room?.not_rooms,
    timelineFilter: filter?.room?.timeline,
  };
  const deadline = Date.now() + timeout;
  let result = await stub.sync(opts);
  // Long-poll: only an incremental sync waits, and only while nothing is there for the client.
  while (result.empty && since && !opts.fullState && Date.now() < deadline) {
    await waitForChange(ctx, session.userId, String(result.body.next_batch), deadline - Date.now());
    result = await stub.sync(opts);
  }
  return json(result.body);
}

export function registerSyncRoutes(): void {
  clientRoute("GET", "/sync", sync);
}
