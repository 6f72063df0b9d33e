/**
 * keys/query and keys/claim for users on other servers: grouped per server and asked of that
 * server's POST /_matrix/federation/v1/user/keys/query and /user/keys/claim (server-server-api
 * "End-to-End Encryption"). No remote device cache: every query goes to the remote server, so
 * answers are never stale. A server that cannot be reached within `timeout` is listed in
 * `failures`; a server's answer only counts for its own users.
 */
import type { Env } from "../../platform/env.js";
import { federationRequest, FederationError } from "../../federation-client/request.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../protocol/json.js";
import { serverNameOf } from "../../protocol/identifiers.js";

/** The spec's default keys/query and keys/claim timeout. */
export const DEFAULT_KEYS_TIMEOUT_MS = 10_000;

export function keysTimeout(body: JsonObject): number {
  const t = body.timeout;
  return typeof t === "number" && t > 0 ? Math.min(t, 60_000) : DEFAULT_KEYS_TIMEOUT_MS;
}

/** Groups a per-user map by the users' servers. */
export function byServer<T>(entries: [string, T][]): Map<string, Record<string, T>> {
  const out = new Map<string, Record<string, T>>();
  for (const [userId, v] of entries) {
    const s = serverNameOf(userId);
    const m = out.get(s) ?? {};
    m[userId] = v;
    out.set(s, m);
  }
  return out;
}

function failureOf(e: unknown): JsonObject {
  if (e instanceof FederationError) return { errcode: e.errcode ?? "M_UNKNOWN", error: e.message, status: e.status };
  return { errcode: "M_UNKNOWN", error: e instanceof Error ? e.message : String(e) };
}

export interface RemoteKeysResult {
  device_keys: Record<string, JsonObject>;
  master_keys: Record<string, JsonObject>;
  self_signing_keys: Record<string, JsonObject>;
  failures: Record<string, JsonObject>;
}

/** Asks each server for its users' keys and merges the answers into `out`. */
export async function queryRemoteKeys(env: Env, wanted: Map<string, Record<string, string[]>>, timeoutMs: number, out: RemoteKeysResult): Promise<void> {
  await Promise.all(
    [...wanted].map(async ([server, deviceKeys]) => {
      try {
        const r = await federationRequest(env, server, "POST", "/_matrix/federation/v1/user/keys/query", { device_keys: deviceKeys }, { timeoutMs });
        const mine = (userId: string) => userId in deviceKeys && serverNameOf(userId) === server;
        for (const [field, target] of [
          ["device_keys", out.device_keys],
          ["master_keys", out.master_keys],
          ["self_signing_keys", out.self_signing_keys],
        ] as const) {
          const got = r[field];
          if (!isJsonObject(got)) continue;
          for (const [userId, v] of Object.entries(got)) {
            if (!mine(userId) || !isJsonObject(v)) continue;
            target[userId] = field === "device_keys" ? ownDevicesOnly(userId, v) : v;
          }
        }
      } catch (e) {
        out.failures[server] = failureOf(e);
      }
    }),
  );
}

/** Device keys whose user_id and device_id match where they are filed. */
function ownDevicesOnly(userId: string, devices: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [deviceId, k] of Object.entries(devices)) {
    if (isJsonObject(k) && k.user_id === userId && k.device_id === deviceId) out[deviceId] = k;
  }
  return out;
}

/** Claims one-time keys from each server; merges them into `out`, unreachable servers into `failures`. */
export async function claimRemoteKeys(
  env: Env,
  wanted: Map<string, Record<string, Record<string, string>>>,
  timeoutMs: number,
  out: Record<string, Record<string, Record<string, JsonValue>>>,
  failures: Record<string, JsonObject>,
): Promise<void> {
  await Promise.all(
    [...wanted].map(async ([server, oneTimeKeys]) => {
      try {
        const r = await federationRequest(env, server, "POST", "/_matrix/federation/v1/user/keys/claim", { one_time_keys: oneTimeKeys }, { timeoutMs });
        if (!isJsonObject(r.one_time_keys)) return;
        for (const [userId, devices] of Object.entries(r.one_time_keys)) {
          if (!(userId in oneTimeKeys) || !isJsonObject(devices)) continue;
          const keep: Record<string, Record<string, JsonValue>> = {};
          for (const [deviceId, keys] of Object.entries(devices)) if (isJsonObject(keys)) keep[deviceId] = keys;
          out[userId] = keep;
        }
      } catch (e) {
        failures[server] = failureOf(e);
      }
    }),
  );
}
