import type { IRequest } from "itty-router";
import { clientRoute, param, type Ctx } from "../router.js";
import { json, readJsonObject, optObject, optString, reqString } from "../http.js";
import { notFound, badJson, missingParam, invalidParam } from "../../platform/errors.js";
import { authenticate } from "../auth.js";
import { userStub } from "../../platform/stubs.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../protocol/json.js";
import { checkDehydratedDeviceKeys, checkDehydratedOneTimeKey } from "../../protocol/e2eeKeys.js";

// Dehydrated devices (MSC3814, unstable prefix org.matrix.msc3814.v1; not in spec v1.19): each user
// may keep one device with no access token whose encrypted private keys the server stores, so
// that room keys sent while all their devices are offline reach the next device they log in.
// The request is checked here as keys/upload checks its own; the user's UserDO stores it
// (durable-objects/user/dehydratedDevice.ts).

const VERSIONS = ["unstable/org.matrix.msc3814.v1"];
const MAX_DEVICE_ID_LENGTH = 255;

/** Body of PUT dehydrated_device: device_id, device_data, initial_device_display_name, device_keys, one_time_keys, fallback_keys. */
async function put(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const deviceId = reqString(body, "device_id");
  if (deviceId.length === 0 || deviceId.length > MAX_DEVICE_ID_LENGTH) throw invalidParam("device_id must be 1 to 255 characters");
  const deviceData = optObject(body, "device_data");
  if (!deviceData) throw missingParam("'device_data' is required");
  if (typeof deviceData.algorithm !== "string") throw badJson("device_data.algorithm must be a string");
  const displayName = optString(body, "initial_device_display_name");
  if (body.device_keys === undefined || body.device_keys === null) throw missingParam("'device_keys' is required");
  if (!isJsonObject(body.device_keys)) throw badJson("'device_keys' must be an object");
  const deviceKeys = body.device_keys;
  const err = await checkDehydratedDeviceKeys(deviceKeys, s.userId, deviceId);
  if (err) throw invalidParam(err);
  // MSC3814: the keys say the device is dehydrated, and its ID is its Curve25519 identity key.
  if (deviceKeys.dehydrated !== true) throw invalidParam("device_keys.dehydrated must be true");
  const keys = deviceKeys.keys as JsonObject;
  if (keys[`curve25519:${deviceId}`] !== deviceId) throw invalidParam("device_id must be the device's Curve25519 identity key");
  const edKey = keys[`ed25519:${deviceId}`] as string;
  const oneTimeKeys = optObject(body, "one_time_keys");
  const fallbackKeys = optObject(body, "fallback_keys");
  for (const map of [oneTimeKeys, fallbackKeys]) {
    for (const [keyId, value] of Object.entries(map ?? {}) as [string, JsonValue][]) {
      const keyErr = await checkDehydratedOneTimeKey(keyId, value, s.userId, deviceId, edKey);
      if (keyErr) throw invalidParam(keyErr);
    }
  }
  const out = await userStub(ctx.env, s.userId).putDehydratedDevice({
    deviceId,
    deviceData,
    displayName,
    keys: { deviceKeys, oneTimeKeys, fallbackKeys },
  });
  return json(out);
}

async function get(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  const dev = await userStub(ctx.env, s.userId).getDehydratedDevice();
  if (!dev) throw notFound("No dehydrated device");
  return json(dev);
}

async function remove(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  const deviceId = await userStub(ctx.env, s.userId).deleteDehydratedDevice();
  if (deviceId === null) throw notFound("No dehydrated device");
  return json({ device_id: deviceId });
}

/** next_batch tokens are to-device stream positions, as decimal strings. */
function parseNextBatch(body: JsonObject): number {
  const token = optString(body, "next_batch");
  if (token === undefined) return 0;
  if (!/^\d{1,15}$/.test(token)) throw invalidParam("Invalid next_batch token");
  return Number(token);
}

async function events(req: IRequest, ctx: Ctx): Promise<Response> {
  const s = await authenticate(req, ctx);
  const deviceId = param(req, "deviceId");
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  const after = parseNextBatch(body);
  return json(await userStub(ctx.env, s.userId).dehydratedDeviceEvents(deviceId, after));
}

export function registerDehydratedDeviceRoutes(): void {
  clientRoute("PUT", "/dehydrated_device", put, VERSIONS);
  clientRoute("GET", "/dehydrated_device", get, VERSIONS);
  clientRoute("DELETE", "/dehydrated_device", remove, VERSIONS);
  clientRoute("POST", "/dehydrated_device/:deviceId/events", events, VERSIONS);
}
