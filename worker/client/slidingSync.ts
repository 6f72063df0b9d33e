import type { IRequest } from "itty-router";
import { route, type Ctx } from "../router.js";
import { json, readJsonObject } from "../http.js";
import { unknownToken, missingToken } from "../../platform/errors.js";
import { accessTokenOf, clientAddress } from "../auth.js";
import { userStub } from "../../platform/stubs.js";
import { localpartOfToken } from "../../platform/tokens.js";
import { MAX_SLIDING_HEADER_BYTES, SLIDING_REQUEST_HEADER, SLIDING_STORED_HEADER, SYNC_CLIENT_IP_HEADER, SYNC_TOKEN_HEADER } from "../../platform/syncRequest.js";
import { awaitParked, idleResponseOf } from "./parkedSocket.js";
import { parseSlidingSyncRequest, type SlidingSyncRequest } from "../../protocol/slidingSync/request.js";

// Simplified sliding sync (MSC4186), at the unstable path the clients in use call. The response
// is built in the user's UserDO (durable-objects/user/slidingSync/); a long-poll parks there on a
// hibernatable WebSocket exactly like GET /sync (worker/client/sync.ts).

const SLIDING_SYNC_PATH = "/_matrix/client/unstable/org.matrix.simplified_msc3575/sync";

/**
 * Parks a long-poll in the UserDO: it answers at once (200) if anything is new, refuses with the
 * Matrix error (e.g. M_UNKNOWN_POS), or hands back a WebSocket that carries the response when
 * something arrives. The handshake holds the response to give when the wait times out.
 */
async function parkAndWait(ctx: Ctx, userId: string, token: string, ip: string | undefined, req: SlidingSyncRequest): Promise<Response | "again"> {
  const stub = userStub(ctx.env, userId);
  // The handshake has no body: the request rides in a header. One too large for that is first
  // answered (and stored) by a plain call; only when that is empty does it park on the stored copy.
  const encoded = encodeURIComponent(JSON.stringify(req));
  let carry: Record<string, string>;
  if (encoded.length <= MAX_SLIDING_HEADER_BYTES) carry = { [SLIDING_REQUEST_HEADER]: encoded };
  else {
    const now = await stub.slidingSyncRequest(token, req, ip);
    if (!now.empty) return json(now.body);
    carry = { [SLIDING_STORED_HEADER]: encodeURIComponent(req.connId) };
  }
  const res = await stub.fetch("https://user/sliding-wait", {
    headers: { Upgrade: "websocket", [SYNC_TOKEN_HEADER]: token, ...(ip ? { [SYNC_CLIENT_IP_HEADER]: ip } : {}), ...carry },
  });
  if (res.status === 401) throw unknownToken();
  const ws = res.webSocket;
  // Answered at once: the response, or a Matrix error such as M_UNKNOWN_POS.
  if (!ws) return new Response(res.body, { status: res.status, headers: { "Content-Type": "application/json" } });
  const outcome = await awaitParked(ws, req.timeout);
  if (outcome.kind === "answer") return json(outcome.body);
  // "superseded": a newer request of the connection took over; the client has moved on.
  if (outcome.kind === "timeout" || outcome.kind === "closed" || (outcome.kind === "signal" && outcome.text === "superseded")) return json(idleResponseOf(res));
  // "wake" (a response too large for a message, or an error the UserDO leaves to a plain call).
  return "again";
}

async function slidingSync(req: IRequest, ctx: Ctx): Promise<Response> {
  const token = accessTokenOf(req, ctx.url);
  if (token === undefined) throw missingToken();
  const localpart = localpartOfToken(token);
  if (!localpart) throw unknownToken();
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  const request = parseSlidingSyncRequest(body, ctx.url.searchParams);
  const userId = `@${localpart}:${ctx.config.serverName}`;
  const ip = clientAddress(req);
  // Without a pos the client wants its first answer now, whatever timeout it gave (Synapse too).
  if (request.pos !== undefined && request.timeout > 0) {
    const parked = await parkAndWait(ctx, userId, token, ip, request);
    if (parked !== "again") return parked;
  }
  return json((await userStub(ctx.env, userId).slidingSyncRequest(token, request, ip)).body);
}

export function registerSlidingSyncRoutes(): void {
  route("POST", SLIDING_SYNC_PATH, slidingSync);
}
