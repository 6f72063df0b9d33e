import type { IRequest } from "itty-router";
import { clientRoute, param, type Ctx } from "../router.js";
import { json, readJsonObject, optString, optStringArray } from "../http.js";
import { missingParam } from "../../platform/errors.js";
import { authenticate } from "../auth.js";
import { userStub } from "../../platform/stubs.js";
import { verifyPasswordUia } from "./uiaPassword.js";

// Spec: device_management.yaml. Deleting devices needs user-interactive auth, except for an
// application service (spec v1.17 "Device management", MSC4190), which may also create them. Guests may list,
// read and rename their devices (guest access module).

async function listDevices(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx, { allowGuest: true });
  return json({ devices: await userStub(ctx.env, s.userId).listDevices() });
}

async function getDevice(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx, { allowGuest: true });
  return json(await userStub(ctx.env, s.userId).getDevice(param(req, "deviceId")));
}

async function updateDevice(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx, { allowGuest: true });
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  const name = optString(body, "display_name");
  // An application service creates its users' devices this way (MSC4190): 201 when it did.
  const created = await userStub(ctx.env, s.userId).updateDevice(param(req, "deviceId"), name, s.appservice !== undefined);
  return json({}, created ? 201 : 200);
}

async function deleteDevice(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  const deviceId = param(req, "deviceId");
  const stub = userStub(ctx.env, s.userId);
  await stub.getDevice(deviceId);
  // Application services delete their users' devices without UIA (MSC4190).
  const challenge = s.appservice ? undefined : await verifyPasswordUia(ctx, s.userId, body);
  if (challenge) return challenge;
  await stub.deleteDevices([deviceId]);
  return json({});
}

async function deleteDevices(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const devices = optStringArray(body, "devices");
  if (!devices) throw missingParam("'devices' is required");
  const challenge = s.appservice ? undefined : await verifyPasswordUia(ctx, s.userId, body);
  if (challenge) return challenge;
  await userStub(ctx.env, s.userId).deleteDevices(devices);
  return json({});
}

export function registerDeviceRoutes(): void {
  clientRoute("GET", "/devices", listDevices);
  clientRoute("GET", "/devices/:deviceId", getDevice);
  clientRoute("PUT", "/devices/:deviceId", updateDevice);
  clientRoute("DELETE", "/devices/:deviceId", deleteDevice);
  clientRoute("POST", "/delete_devices", deleteDevices);
}
