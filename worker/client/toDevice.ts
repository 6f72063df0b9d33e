import type { IRequest } from "itty-router";
import { clientRoute, param, type Ctx } from "../router.js";
import { json, readJsonObject, optObject } from "../http.js";
import { badJson, missingParam } from "../errors.js";
import { authenticate } from "../auth.js";
import { userStub } from "../stubs.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { isValidUserId } from "../../protocol/identifiers.js";

// Spec: to_device.yaml, PUT /sendToDevice/{eventType}/{txnId}. Messages go into each target
// UserDO's to-device inbox and stay there until the device acknowledges them with its next
// /sync `since`. Idempotent per sending device and transaction ID.

async function sendToDevice(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  const eventType = param(req, "eventType");
  const txnId = param(req, "txnId");
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const messages = optObject(body, "messages");
  if (!messages) throw missingParam("'messages' is required");
  const perUser: [string, Record<string, JsonObject>][] = [];
  for (const [userId, byDevice] of Object.entries(messages)) {
    if (!isJsonObject(byDevice) || !Object.values(byDevice).every(isJsonObject)) throw badJson(`messages.${userId} must map device IDs to message objects`);
    perUser.push([userId, byDevice as Record<string, JsonObject>]);
  }
  const sender = userStub(ctx.env, s.userId);
  if (await sender.toDeviceTxnSeen(s.deviceId, txnId)) return json({});
  await Promise.all(
    perUser.map(async ([userId, byDevice]) => {
      // Unknown and remote users are dropped silently, as Synapse does (no federation yet).
      if (!isValidUserId(userId) || userId.slice(userId.indexOf(":") + 1) !== ctx.config.serverName) return;
      await userStub(ctx.env, userId).receiveToDevice(s.userId, eventType, byDevice);
    }),
  );
  await sender.recordToDeviceTxn(s.deviceId, txnId);
  return json({});
}

export function registerToDeviceRoutes(): void {
  clientRoute("PUT", "/sendToDevice/:eventType/:txnId", sendToDevice);
}
