import type { IRequest } from "itty-router";
import { param, route, type Ctx } from "../router.js";
import { json, readJsonObject } from "../http.js";
import { badJson, missingParam, notFound } from "../../platform/errors.js";
import { userStub } from "../../platform/stubs.js";
import type { JsonObject } from "../../protocol/json.js";
import { localTarget, requireAdmin } from "./requireAdmin.js";

/**
 * A user's devices and rooms as the server's admins see them (Synapse's admin API,
 * docs/admin_api/user_admin_api.md "List all devices", "Delete a device", "Delete multiple
 * devices", "List joined rooms of a user"). Deleting a device ends its session, as the user's own
 * DELETE /devices/{deviceId} does, without user-interactive auth.
 */

const REMOTE = "Can only lookup local users";

/** The local user of the path, who must exist. */
async function targetUser(req: IRequest, ctx: Ctx): Promise<string> {
  await requireAdmin(req, ctx);
  const userId = localTarget(req, ctx, REMOTE);
  if (!(await userStub(ctx.env, userId).exists())) throw notFound("Unknown user");
  return userId;
}

async function listDevices(req: IRequest, ctx: Ctx): Promise<Response> {
  const userId = await targetUser(req, ctx);
  const devices: JsonObject[] = (await userStub(ctx.env, userId).listDevices()).map((d) => ({ ...d, user_id: userId }));
  return json({ devices, total: devices.length });
}

async function getDevice(req: IRequest, ctx: Ctx): Promise<Response> {
  const userId = await targetUser(req, ctx);
  const deviceId = param(req, "deviceId");
  const device = (await userStub(ctx.env, userId).listDevices()).find((d) => d.device_id === deviceId);
  if (!device) throw notFound("No device found");
  return json({ ...device, user_id: userId });
}

async function deleteDevice(req: IRequest, ctx: Ctx): Promise<Response> {
  const userId = await targetUser(req, ctx);
  // An unknown device is already gone: 200, as Synapse answers.
  await userStub(ctx.env, userId).deleteDevices([param(req, "deviceId")]);
  return json({});
}

async function deleteDevices(req: IRequest, ctx: Ctx): Promise<Response> {
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const userId = await targetUser(req, ctx);
  const ids = body.devices;
  if (ids === undefined) throw missingParam("Missing params: ['devices']");
  if (!Array.isArray(ids) || !ids.every((d) => typeof d === "string")) throw badJson("'devices' must be a list of strings");
  await userStub(ctx.env, userId).deleteDevices(ids as string[]);
  return json({});
}

async function joinedRooms(req: IRequest, ctx: Ctx): Promise<Response> {
  const userId = await targetUser(req, ctx);
  const rooms = await userStub(ctx.env, userId).joinedRooms();
  return json({ joined_rooms: rooms, total: rooms.length });
}

export function registerAdminUserDeviceRoutes(): void {
  route("GET", "/_synapse/admin/v2/users/:userId/devices", listDevices);
  route("GET", "/_synapse/admin/v2/users/:userId/devices/:deviceId", getDevice);
  route("DELETE", "/_synapse/admin/v2/users/:userId/devices/:deviceId", deleteDevice);
  route("POST", "/_synapse/admin/v2/users/:userId/delete_devices", deleteDevices);
  route("GET", "/_synapse/admin/v1/users/:userId/joined_rooms", joinedRooms);
}
