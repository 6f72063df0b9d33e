import type { IRequest } from "itty-router";
import { clientRoute, param, type Ctx } from "../router.js";
import { json, readJsonObject, optString, optInt, optBool } from "../http.js";
import { forbidden, badJson, missingParam, invalidParam } from "../../platform/errors.js";
import { authenticate } from "../auth.js";
import { roomStub, userStub } from "../../platform/stubs.js";
import { isValidRoomId } from "../../protocol/identifiers.js";

// Spec: typing.yaml, receipts.yaml, read_markers.yaml.

const RECEIPT_TYPES = ["m.read", "m.read.private", "m.fully_read"];

async function room(req: IRequest, ctx: Ctx) {
  const roomId = param(req, "roomId");
  const stub = roomStub(ctx.env, roomId);
  if (!isValidRoomId(roomId) || !(await stub.exists())) throw forbidden("You are not in this room");
  return { roomId, stub };
}

async function typing(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx, { allowGuest: true });
  if (param(req, "userId") !== s.userId) throw forbidden("Cannot set typing for another user");
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const isTyping = optBool(body, "typing");
  if (isTyping === undefined) throw missingParam("'typing' is required");
  const timeout = optInt(body, "timeout") ?? 30000;
  const { stub } = await room(req, ctx);
  await stub.setTyping(s.userId, isTyping, timeout);
  return json({});
}

async function receipt(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx, { allowGuest: true });
  const type = param(req, "receiptType");
  if (!RECEIPT_TYPES.includes(type)) throw invalidParam(`Unknown receipt type ${type}`);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  const threadId = optString(body, "thread_id");
  if (type === "m.fully_read" && threadId !== undefined) throw invalidParam("m.fully_read cannot be threaded");
  const { roomId, stub } = await room(req, ctx);
  const eventId = param(req, "eventId");
  if (type === "m.fully_read") {
    await stub.getEvent(s.userId, eventId);
    await userStub(ctx.env, s.userId).setAccountData(roomId, "m.fully_read", { event_id: eventId });
  } else {
    await stub.setReceipt(s.userId, type, eventId, threadId);
  }
  return json({});
}

async function readMarkers(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx, { allowGuest: true });
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const { roomId, stub } = await room(req, ctx);
  const fullyRead = optString(body, "m.fully_read");
  const read = optString(body, "m.read");
  const readPrivate = optString(body, "m.read.private");
  if (body["m.fully_read"] === undefined && read === undefined && readPrivate === undefined) {
    throw badJson("Nothing to set");
  }
  if (fullyRead) {
    await stub.getEvent(s.userId, fullyRead);
    await userStub(ctx.env, s.userId).setAccountData(roomId, "m.fully_read", { event_id: fullyRead });
  }
  if (read) await stub.setReceipt(s.userId, "m.read", read, undefined);
  if (readPrivate) await stub.setReceipt(s.userId, "m.read.private", readPrivate, undefined);
  if (body["m.fully_read"] !== undefined && typeof body["m.fully_read"] !== "string") throw badJson("'m.fully_read' must be a string");
  return json({});
}

export function registerEphemeralRoutes(): void {
  clientRoute("PUT", "/rooms/:roomId/typing/:userId", typing);
  clientRoute("POST", "/rooms/:roomId/receipt/:receiptType/:eventId", receipt);
  clientRoute("POST", "/rooms/:roomId/read_markers", readMarkers);
}
