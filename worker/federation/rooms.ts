import type { IRequest } from "itty-router";
import { param, type Ctx } from "../router.js";
import { json } from "../http.js";
import { forbidden, notFound, badJson, missingParam, invalidParam } from "../../platform/errors.js";
import { roomStub, serverStub, remoteStub } from "../../platform/stubs.js";
import { fedRoute } from "./routes.js";
import { handleEdus } from "./edus.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { isValidRoomId, serverNameOf } from "../../protocol/identifiers.js";
import { eventIdOfUnknownVersion } from "../../protocol/eventHashing.js";

// Spec: server-server-api "Transactions", "Joining Rooms", "Leaving Rooms", "Knocking",
// "Retrieving events", "Backfilling and retrieving missing events".

const MAX_PDUS = 50;
const MAX_EDUS = 100;

async function existingRoom(ctx: Ctx, roomId: string) {
  if (!isValidRoomId(roomId)) throw invalidParam("Invalid room ID");
  const stub = roomStub(ctx.env, roomId);
  if (!(await stub.exists())) throw notFound("Unknown room");
  return stub;
}

/** PUT /send/{txnId}: PDUs go to their rooms; EDUs to where they belong; replays are answered, not re-applied. */
async function sendTransaction(req: IRequest, ctx: Ctx, origin: string, body: JsonObject | undefined): Promise<Response> {
  if (!body) throw badJson("Missing transaction body");
  const pdus = body.pdus ?? [];
  const edus = body.edus ?? [];
  if (!Array.isArray(pdus) || !Array.isArray(edus)) throw badJson("pdus and edus must be arrays");
  if (pdus.length > MAX_PDUS || edus.length > MAX_EDUS) throw badJson(`At most ${MAX_PDUS} PDUs and ${MAX_EDUS} EDUs per transaction`);
  if (typeof body.origin === "string" && body.origin !== origin) throw forbidden("Transaction origin does not match the signing server");
  const txnId = param(req, "txnId");
  if (!(await remoteStub(ctx.env, origin).claimInboundTxn(txnId))) return json({ pdus: {} });

  const byRoom = new Map<string, JsonObject[]>();
  const results: Record<string, JsonObject> = {};
  // Spec: the reply names every PDU processed. Where no room can say which version the PDU is
  // (it names none, or one we are not in), its ID is computed from what its shape implies.
  const refuse = async (pdu: JsonObject, error: string) => {
    const id = await eventIdOfUnknownVersion(pdu);
    if (id) results[id] = { error };
  };
  for (const pdu of pdus) {
    // Not an object: there is nothing to name it by.
    if (!isJsonObject(pdu)) continue;
    if (typeof pdu.room_id !== "string") {
      await refuse(pdu, "The PDU names no room");
      continue;
    }
    const list = byRoom.get(pdu.room_id) ?? [];
    list.push(pdu);
    byRoom.set(pdu.room_id, list);
  }
  try {
    await Promise.all(
      [...byRoom].map(async ([roomId, list]) => {
        const stub = roomStub(ctx.env, roomId);
        if (!isValidRoomId(roomId) || !(await stub.exists())) {
          for (const p of list) await refuse(p, "Unknown room");
          return;
        }
        Object.assign(results, await stub.receivePdus(origin, list));
      }),
    );
    await handleEdus(ctx.env, ctx.config.serverName, origin, edus.filter(isJsonObject));
  } catch (e) {
    // We failed, not the sender: forget the ID so its retry of this transaction is processed.
    await remoteStub(ctx.env, origin).releaseInboundTxn(txnId);
    throw e;
  }
  return json({ pdus: results });
}

function versionsOf(ctx: Ctx): string[] {
  const v = ctx.url.searchParams.getAll("ver");
  return v.length > 0 ? v : ["1"];
}

function makeMembership(membership: "join" | "leave" | "knock") {
  return async (req: IRequest, ctx: Ctx, origin: string): Promise<Response> => {
    const userId = param(req, "userId");
    if (serverNameOf(userId) !== origin) throw forbidden("The user does not belong to the requesting server");
    const stub = await existingRoom(ctx, param(req, "roomId"));
    return json(await stub.makeMembership(userId, membership, versionsOf(ctx)));
  };
}

async function acceptMembership(req: IRequest, ctx: Ctx, origin: string, body: JsonObject | undefined, membership: "join" | "leave" | "knock"): Promise<JsonObject> {
  if (!body) throw badJson("Missing event");
  const stub = await existingRoom(ctx, param(req, "roomId"));
  return stub.sendMembership(origin, membership, body);
}

function sendMembership(membership: "join" | "leave" | "knock") {
  return async (req: IRequest, ctx: Ctx, origin: string, body: JsonObject | undefined): Promise<Response> =>
    json(await acceptMembership(req, ctx, origin, body, membership));
}

/**
 * The v1 send_join and send_leave, removed from the spec in v1.18 (MSC4376) but still served and
 * called by Synapse: the same exchange as v2, the answer wrapped as `[200, body]`. The spec's
 * server ACL section still lists both prefixes as protected.
 */
function sendMembershipV1(membership: "join" | "leave") {
  return async (req: IRequest, ctx: Ctx, origin: string, body: JsonObject | undefined): Promise<Response> =>
    json([200, await acceptMembership(req, ctx, origin, body, membership)]);
}

async function getEvent(req: IRequest, ctx: Ctx, origin: string): Promise<Response> {
  const eventId = param(req, "eventId");
  const roomId = await serverStub(ctx.env).roomOfEvent(eventId);
  if (!roomId) throw notFound("Event not found");
  const pdu = await roomStub(ctx.env, roomId).federationEvent(origin, eventId);
  return json({ origin: ctx.config.serverName, origin_server_ts: Date.now(), pdus: [pdu] });
}

function state(idsOnly: boolean) {
  return async (req: IRequest, ctx: Ctx, origin: string): Promise<Response> => {
    const eventId = ctx.url.searchParams.get("event_id");
    if (!eventId) throw missingParam("event_id is required");
    const stub = await existingRoom(ctx, param(req, "roomId"));
    return json(await stub.federationState(origin, eventId, idsOnly));
  };
}

async function eventAuth(req: IRequest, ctx: Ctx, origin: string): Promise<Response> {
  const stub = await existingRoom(ctx, param(req, "roomId"));
  return json(await stub.federationEventAuth(origin, param(req, "eventId")));
}

async function backfill(req: IRequest, ctx: Ctx, origin: string): Promise<Response> {
  const stub = await existingRoom(ctx, param(req, "roomId"));
  const v = ctx.url.searchParams.getAll("v");
  const limitRaw = ctx.url.searchParams.get("limit");
  if (v.length === 0 || !limitRaw || !/^\d+$/.test(limitRaw)) throw missingParam("v and an integer limit are required");
  const pdus = await stub.backfill(origin, v, Math.min(Number(limitRaw), 100));
  return json({ origin: ctx.config.serverName, origin_server_ts: Date.now(), pdus });
}

async function getMissingEvents(req: IRequest, ctx: Ctx, origin: string, body: JsonObject | undefined): Promise<Response> {
  if (!body || !Array.isArray(body.earliest_events) || !Array.isArray(body.latest_events)) throw badJson("earliest_events and latest_events are required");
  const stub = await existingRoom(ctx, param(req, "roomId"));
  const limit = typeof body.limit === "number" ? Math.min(Math.max(body.limit, 0), 100) : 10;
  const minDepth = typeof body.min_depth === "number" ? body.min_depth : 0;
  const events = await stub.getMissingEvents(
    origin,
    body.earliest_events.filter((x): x is string => typeof x === "string"),
    body.latest_events.filter((x): x is string => typeof x === "string"),
    limit,
    minDepth,
  );
  return json({ events });
}

export function registerFederationRoomRoutes(): void {
  fedRoute("PUT", "/_matrix/federation/v1/send/:txnId", sendTransaction);
  fedRoute("GET", "/_matrix/federation/v1/make_join/:roomId/:userId", makeMembership("join"));
  fedRoute("PUT", "/_matrix/federation/v2/send_join/:roomId/:eventId", sendMembership("join"));
  fedRoute("PUT", "/_matrix/federation/v1/send_join/:roomId/:eventId", sendMembershipV1("join"));
  fedRoute("GET", "/_matrix/federation/v1/make_leave/:roomId/:userId", makeMembership("leave"));
  fedRoute("PUT", "/_matrix/federation/v1/send_leave/:roomId/:eventId", sendMembershipV1("leave"));
  fedRoute("PUT", "/_matrix/federation/v2/send_leave/:roomId/:eventId", sendMembership("leave"));
  fedRoute("GET", "/_matrix/federation/v1/make_knock/:roomId/:userId", makeMembership("knock"));
  fedRoute("PUT", "/_matrix/federation/v1/send_knock/:roomId/:eventId", sendMembership("knock"));
  fedRoute("GET", "/_matrix/federation/v1/event/:eventId", getEvent);
  fedRoute("GET", "/_matrix/federation/v1/state/:roomId", state(false));
  fedRoute("GET", "/_matrix/federation/v1/state_ids/:roomId", state(true));
  fedRoute("GET", "/_matrix/federation/v1/event_auth/:roomId/:eventId", eventAuth);
  fedRoute("GET", "/_matrix/federation/v1/backfill/:roomId", backfill);
  fedRoute("POST", "/_matrix/federation/v1/get_missing_events/:roomId", getMissingEvents);
}
