/**
 * Key publication and notary service (spec: "Retrieving server keys", keys_server.yaml and
 * keys_query.yaml). These endpoints are not authenticated: they are how servers get the keys
 * that authenticate everything else.
 */
import type { IRequest } from "itty-router";
import { route, param, type Ctx } from "../router.js";
import { json, readJsonObject } from "../http.js";
import { badJson, invalidParam } from "../../platform/errors.js";
import type { Env } from "../../platform/env.js";
import { serverStub, remoteStub } from "../../platform/stubs.js";
import { encodeBase64 } from "../../protocol/base64.js";
import { signJson } from "../../protocol/signing.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { isValidServerName } from "../../protocol/identifiers.js";
import { ownSigningKey } from "../../federation-client/ownKey.js";

/** How long others may cache our key response. */
const KEY_VALIDITY_MS = 7 * 24 * 3600_000;
/** Servers answered per notary query (each may cost a fetch). */
const MAX_SERVERS_PER_QUERY = 20;

let cachedOwn: { name: string; keyId: string; until: number; body: JsonObject } | undefined;

/** Our self-signed key response, rebuilt hourly so valid_until_ts stays about a week ahead. */
export async function ownKeyResponse(env: Env): Promise<JsonObject> {
  const { serverName, key } = await ownSigningKey(env);
  const now = Date.now();
  if (cachedOwn && cachedOwn.name === serverName && cachedOwn.keyId === key.keyId && cachedOwn.until > now) return cachedOwn.body;
  const old: JsonObject = {};
  for (const k of await serverStub(env).oldVerifyKeys()) old[k.keyId] = { key: k.publicKey, expired_ts: k.expiredTs };
  const body = await signJson(
    {
      server_name: serverName,
      verify_keys: { [key.keyId]: { key: encodeBase64(key.publicKey) } },
      old_verify_keys: old,
      valid_until_ts: now + KEY_VALIDITY_MS,
    } as JsonObject,
    serverName,
    key,
  );
  cachedOwn = { name: serverName, keyId: key.keyId, until: now + 3600_000, body: body as JsonObject };
  return body as JsonObject;
}

async function keyServer(_req: IRequest, ctx: Ctx): Promise<Response> {
  return json(await ownKeyResponse(ctx.env), 200, { "Cache-Control": "max-age=3600" });
}

/** Key responses for one server, each countersigned by us as the notary. */
async function notarise(ctx: Ctx, serverName: string, minimumValidUntilTs: number | undefined): Promise<JsonObject[]> {
  const { serverName: ours, key } = await ownSigningKey(ctx.env);
  if (serverName === ours) return [await ownKeyResponse(ctx.env)];
  if (!isValidServerName(serverName)) return [];
  let responses: JsonObject[];
  try {
    responses = await remoteStub(ctx.env, serverName).serverKeys(minimumValidUntilTs);
  } catch (e) {
    console.warn(`notary: keys of ${serverName} unavailable: ${e instanceof Error ? e.message : String(e)}`);
    return [];
  }
  return Promise.all(responses.map(async (r) => (await signJson(r, ours, key)) as JsonObject));
}

async function queryOne(req: IRequest, ctx: Ctx): Promise<Response> {
  const serverName = param(req, "serverName");
  const raw = ctx.url.searchParams.get("minimum_valid_until_ts");
  if (raw !== null && !/^\d+$/.test(raw)) throw invalidParam("'minimum_valid_until_ts' must be an integer");
  return json({ server_keys: await notarise(ctx, serverName, raw === null ? undefined : Number(raw)) });
}

async function queryMany(req: IRequest, ctx: Ctx): Promise<Response> {
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const wanted = body.server_keys;
  if (!isJsonObject(wanted)) throw badJson("'server_keys' must be an object");
  const names = Object.keys(wanted).slice(0, MAX_SERVERS_PER_QUERY);
  const results = await Promise.all(
    names.map((name) => {
      // The strictest minimum_valid_until_ts asked for any of the server's keys.
      const criteria = wanted[name];
      let min: number | undefined;
      if (isJsonObject(criteria)) {
        for (const c of Object.values(criteria)) {
          if (isJsonObject(c) && typeof c.minimum_valid_until_ts === "number") min = Math.max(min ?? 0, c.minimum_valid_until_ts);
        }
      }
      return notarise(ctx, name, min);
    }),
  );
  return json({ server_keys: results.flat() });
}

export function registerKeyRoutes(): void {
  route("GET", "/_matrix/key/v2/server", keyServer);
  // Deprecated form with a key ID; the whole response is returned regardless.
  route("GET", "/_matrix/key/v2/server/:keyId", keyServer);
  route("GET", "/_matrix/key/v2/query/:serverName", queryOne);
  route("POST", "/_matrix/key/v2/query", queryMany);
}
