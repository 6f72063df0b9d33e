/**
 * Spec: user_devices.yaml and user_keys.yaml — a remote server asks for our users' devices and
 * keys, and claims their one-time keys. Only local users are answered; user-signing keys are
 * never shared over federation.
 */
import type { IRequest } from "itty-router";
import type { Ctx } from "../router.js";
import { param } from "../router.js";
import { json } from "../http.js";
import { notFound, badJson, missingParam, invalidParam } from "../../platform/errors.js";
import { userStub } from "../../platform/stubs.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../protocol/json.js";
import { isValidUserId, serverNameOf } from "../../protocol/identifiers.js";
import { fedRoute } from "./fedRoute.js";

/** Users per keys/query or keys/claim request. */
const MAX_USERS = 1000;

const isLocalUser = (ctx: Ctx, userId: string) => isValidUserId(userId, { historical: true }) && serverNameOf(userId) === ctx.config.serverName;

async function devices(req: IRequest, ctx: Ctx): Promise<Response> {
  const userId = param(req, "userId");
  if (!isValidUserId(userId, { historical: true })) throw invalidParam("Invalid user ID");
  if (!isLocalUser(ctx, userId)) throw invalidParam("User is not local to this server");
  const stub = userStub(ctx.env, userId);
  // The requester is another server, never the user: user-signing keys are left out.
  const [keys, list] = await Promise.all([stub.queryKeys("", []), stub.listDevices()]);
  if (!keys) throw notFound("User not found");
  const out: JsonObject[] = [];
  for (const d of list) {
    const k = keys.device_keys[d.device_id];
    if (!k) continue;
    const entry: JsonObject = { device_id: d.device_id, keys: k };
    if (d.display_name) entry.device_display_name = d.display_name;
    out.push(entry);
  }
  const res: JsonObject = { user_id: userId, stream_id: 0, devices: out };
  if (keys.master_key) res.master_key = keys.master_key;
  if (keys.self_signing_key) res.self_signing_key = keys.self_signing_key;
  return json(res);
}

async function keysQuery(_req: IRequest, ctx: Ctx, _origin: string, body: JsonObject | undefined): Promise<Response> {
  const wanted = body?.device_keys;
  if (wanted === undefined) throw missingParam("'device_keys' is required");
  if (!isJsonObject(wanted)) throw badJson("'device_keys' must be an object");
  const entries = Object.entries(wanted);
  if (entries.length > MAX_USERS) throw badJson(`At most ${MAX_USERS} users per request`);
  const out = {
    device_keys: {} as Record<string, JsonObject>,
    master_keys: {} as Record<string, JsonObject>,
    self_signing_keys: {} as Record<string, JsonObject>,
  };
  await Promise.all(
    entries.map(async ([userId, ids]) => {
      if (!Array.isArray(ids) || !ids.every((d) => typeof d === "string")) throw badJson(`device_keys.${userId} must be an array of device IDs`);
      if (!isLocalUser(ctx, userId)) return;
      const keys = await userStub(ctx.env, userId).queryKeys("", ids as string[]);
      if (!keys) return;
      out.device_keys[userId] = keys.device_keys;
      if (keys.master_key) out.master_keys[userId] = keys.master_key;
      if (keys.self_signing_key) out.self_signing_keys[userId] = keys.self_signing_key;
    }),
  );
  return json(out);
}

async function keysClaim(_req: IRequest, ctx: Ctx, _origin: string, body: JsonObject | undefined): Promise<Response> {
  const wanted = body?.one_time_keys;
  if (wanted === undefined) throw missingParam("'one_time_keys' is required");
  if (!isJsonObject(wanted)) throw badJson("'one_time_keys' must be an object");
  const entries = Object.entries(wanted);
  if (entries.length > MAX_USERS) throw badJson(`At most ${MAX_USERS} users per request`);
  for (const [userId, devs] of entries) {
    if (!isJsonObject(devs) || !Object.values(devs).every((a) => typeof a === "string")) throw badJson(`one_time_keys.${userId} must map device IDs to algorithms`);
  }
  const out: Record<string, Record<string, Record<string, JsonValue>>> = {};
  await Promise.all(
    entries.map(async ([userId, devs]) => {
      if (!isLocalUser(ctx, userId)) return;
      const keys = await userStub(ctx.env, userId).claimKeys(devs as Record<string, string>);
      if (Object.keys(keys).length > 0) out[userId] = keys;
    }),
  );
  return json({ one_time_keys: out });
}

export function registerUserKeysRoutes(): void {
  fedRoute("GET", "/_matrix/federation/v1/user/devices/:userId", devices);
  fedRoute("POST", "/_matrix/federation/v1/user/keys/query", keysQuery);
  fedRoute("POST", "/_matrix/federation/v1/user/keys/claim", keysClaim);
}
