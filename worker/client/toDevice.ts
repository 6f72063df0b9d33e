import type { IRequest } from "itty-router";
import { clientRoute, param, type Ctx } from "../router.js";
import { json, readJsonObject, optObject } from "../http.js";
import { badJson, missingParam } from "../../platform/errors.js";
import { authenticate } from "../auth.js";
import { userStub, remoteStub } from "../../platform/stubs.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { isValidUserId, serverNameOf } from "../../protocol/identifiers.js";

/** A message_id for an m.direct_to_device EDU: unique, at most 32 characters. */
function messageId(): string {
  const b = crypto.getRandomValues(new Uint8Array(12));
  return btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_");
}

// Spec: to_device.yaml, PUT /sendToDevice/{eventType}/{txnId}. Messages go into each target
// UserDO's to-device inbox and stay there until the device acknowledges them with its next
// /sync `since`. Idempotent per sending device and transaction ID. Messages for remote users
// are queued to their servers as m.direct_to_device EDUs (server-server "Send-to-device messaging").

async function sendToDevice(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  const eventType = param(req, "eventType");
  const txnId = param(req, "txnId");
  // Relayed as it came, never signed or made an event: floats are the sender's business.
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false, { allowFloats: true });
  const messages = optObject(body, "messages");
  if (!messages) throw missingParam("'messages' is required");
  const perUser: [string, Record<string, JsonObject>][] = [];
  for (const [userId, byDevice] of Object.entries(messages)) {
    if (!isJsonObject(byDevice) || !Object.values(byDevice).every(isJsonObject)) throw badJson(`messages.${userId} must map device IDs to message objects`);
    perUser.push([userId, byDevice as Record<string, JsonObject>]);
  }
  const sender = userStub(ctx.env, s.userId);
  if (await sender.toDeviceTxnSeen(s.deviceId, txnId)) return json({});
  // Remote users' messages go to their servers, one m.direct_to_device EDU per server.
  const remote = new Map<string, Record<string, JsonObject>>();
  await Promise.all(
    perUser.map(async ([userId, byDevice]) => {
      if (!isValidUserId(userId)) return; // dropped silently, as Synapse does
      const server = serverNameOf(userId);
      if (server !== ctx.config.serverName) {
        const forServer = remote.get(server) ?? {};
        forServer[userId] = byDevice;
        remote.set(server, forServer);
        return;
      }
      await userStub(ctx.env, userId).receiveToDevice(s.userId, eventType, byDevice);
    }),
  );
  await Promise.all(
    [...remote].map(([server, messages]) =>
      remoteStub(ctx.env, server).queueEdus([
        { edu_type: "m.direct_to_device", content: { sender: s.userId, type: eventType, message_id: messageId(), messages } },
      ]),
    ),
  );
  await sender.recordToDeviceTxn(s.deviceId, txnId);
  return json({});
}

export function registerToDeviceRoutes(): void {
  clientRoute("PUT", "/sendToDevice/:eventType/:txnId", sendToDevice);
}
