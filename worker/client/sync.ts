import type { IRequest } from "itty-router";
import { clientRoute, type Ctx } from "../router.js";
import { json, queryInt } from "../http.js";
import { invalidParam, unknownToken, missingToken } from "../../platform/errors.js";
import { accessTokenOf, clientAddress } from "../auth.js";
import { userStub } from "../../platform/stubs.js";
import { localpartOfToken } from "../../platform/tokens.js";
import { SYNC_CLIENT_IP_HEADER, SYNC_TOKEN_HEADER, type SyncParams } from "../../platform/syncRequest.js";
import { awaitParked, idleResponseOf } from "./parkedSocket.js";
import type { JsonObject } from "../../protocol/json.js";

// Spec: GET /_matrix/client/v3/sync (sync.yaml).

/** Longest long-poll we hold, whatever the client asks. */
const MAX_TIMEOUT_MS = 60_000;

/**
 * Parks until the user's stream moves past `since`, without keeping the UserDO busy: the UserDO
 * accepts a hibernatable WebSocket (checking the token) and sends "wake" when something arrives —
 * at once if something already has. The Worker, billed only for CPU, holds the wait. Returns
 * whether it was woken, and the per-device fields an empty response still carries.
 */
async function waitForChange(ctx: Ctx, userId: string, token: string, ip: string | undefined, params: SyncParams & { since: string }, timeoutMs: number): Promise<Parked> {
  const query = new URLSearchParams({ since: params.since, params: JSON.stringify({ fullState: false, filter: params.filter, setPresence: params.setPresence, useStateAfter: params.useStateAfter, leaveToDevice: params.leaveToDevice }) });
  const res = await userStub(ctx.env, userId).fetch(`https://user/wait?${query}`, {
    headers: { Upgrade: "websocket", [SYNC_TOKEN_HEADER]: token, ...(ip ? { [SYNC_CLIENT_IP_HEADER]: ip } : {}) },
  });
  if (res.status === 401) throw unknownToken();
  if (res.status === 400) throw invalidParam("Invalid since token or filter");
  const idle = idleResponseOf(res);
  const ws = res.webSocket;
  if (!ws) return { woke: true, idle };
  const outcome = await awaitParked(ws, timeoutMs);
  if (outcome.kind === "timeout") return { woke: false, idle };
  return { woke: true, idle, answer: outcome.kind === "answer" ? outcome.body : undefined };
}

interface Parked {
  woke: boolean;
  idle: JsonObject;
  /** The sync response the UserDO answered with, if it sent one. */
  answer?: JsonObject;
}

/** What a long-poll that ends with nothing new returns: the same token, nothing else new. */
function emptySync(since: string, idle: JsonObject): JsonObject {
  return {
    next_batch: since,
    rooms: { join: {}, invite: {}, leave: {}, knock: {} },
    account_data: { events: [] },
    presence: { events: [] },
    to_device: { events: [] },
    device_lists: { changed: [], left: [] },
    ...idle,
  };
}

async function sync(req: IRequest, ctx: Ctx): Promise<Response> {
  const token = accessTokenOf(req, ctx.url);
  const ip = clientAddress(req);
  if (token === undefined) throw missingToken();
  const localpart = localpartOfToken(token);
  if (!localpart) throw unknownToken();
  const timeout = Math.min(Math.max(queryInt(ctx.url, "timeout") ?? 0, 0), MAX_TIMEOUT_MS);
  const fullStateRaw = ctx.url.searchParams.get("full_state");
  if (fullStateRaw !== null && fullStateRaw !== "true" && fullStateRaw !== "false") throw invalidParam("full_state must be true or false");
  const stateAfterRaw = ctx.url.searchParams.get("use_state_after");
  if (stateAfterRaw !== null && stateAfterRaw !== "true" && stateAfterRaw !== "false") throw invalidParam("use_state_after must be true or false");
  const setPresence = ctx.url.searchParams.get("set_presence");
  if (setPresence !== null && !["online", "offline", "unavailable"].includes(setPresence)) throw invalidParam("Invalid set_presence");
  const params: SyncParams = {
    since: ctx.url.searchParams.get("since") ?? undefined,
    fullState: fullStateRaw === "true",
    filter: ctx.url.searchParams.get("filter") ?? undefined,
    // Spec: without set_presence, syncing marks the client online.
    setPresence: setPresence ?? "online",
    useStateAfter: stateAfterRaw === "true",
  };
  return json(await syncBody(ctx, token, `@${localpart}:${ctx.config.serverName}`, ip, params, timeout));
}

/**
 * The /sync response for a checked-shape request: long-polls up to `timeout` ms when incremental.
 * Also the source of the legacy GET /events and GET /initialSync (legacyEvents.ts, legacyInitialSync.ts).
 */
export async function syncBody(ctx: Ctx, token: string, userId: string, ip: string | undefined, params: SyncParams, timeout: number): Promise<JsonObject> {
  const stub = userStub(ctx.env, userId);
  const deadline = Date.now() + timeout;
  const canWait = params.since !== undefined && !params.fullState && timeout > 0;

  // An incremental long-poll parks first: the UserDO answers at once over the socket if anything
  // is already there, and otherwise when something arrives. An idle poll costs one Durable Object
  // request, a woken one usually the same single request.
  if (canWait && params.since) {
    let since = params.since;
    while (Date.now() < deadline) {
      const parked = await waitForChange(ctx, userId, token, ip, { ...params, since }, deadline - Date.now());
      params.setPresence = undefined;
      if (!parked.woke) return emptySync(since, parked.idle);
      if (parked.answer) return parked.answer;
      // Woken without an answer (too large for a message): fetch it the usual way.
      const result = await stub.syncRequest(token, { ...params, setPresence: undefined }, ip);
      if (!result.empty) return result.body;
      since = String(result.body.next_batch);
    }
    return emptySync(since, {});
  }
  // Authentication, the filter and set_presence are handled inside syncRequest: one DO call.
  return (await stub.syncRequest(token, params, ip)).body;
}

export function registerSyncRoutes(): void {
  clientRoute("GET", "/sync", sync);
}
