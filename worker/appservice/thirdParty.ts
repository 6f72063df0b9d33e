import type { Ctx } from "../router.js";
import type { AppService } from "../../protocol/appservice/registration.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../protocol/json.js";

/**
 * Third-party networks through the application services (spec: application-service-api
 * "Third-party networks", data/api/application-service/protocols.yaml): the homeserver knows
 * the protocols the registrations list and asks the services for the rest, as Synapse does —
 * metadata from the first service answering for a protocol with its `instances` joined with the
 * other services', each instance's `instance_id` made "{service id}|{network_id}"; lookups
 * forwarded to every service of the protocol and their valid results concatenated. A service
 * that fails or answers nonsense is left out rather than failing the request.
 */

const TIMEOUT_MS = 30_000;
type TpCtx = Pick<Ctx, "config">;

async function getJson(service: AppService, path: string): Promise<JsonValue | undefined> {
  if (service.url === null) return undefined;
  try {
    const res = await fetch(`${service.url}/_matrix/app/v1/thirdparty/${path}`, {
      headers: { Authorization: `Bearer ${service.hsToken}` },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      console.warn(`application service ${service.id} answered ${res.status} to thirdparty/${path}`);
      return undefined;
    }
    return (await res.json()) as JsonValue;
  } catch (e) {
    console.warn(`third-party query to application service ${service.id} failed: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

/** One service's metadata for `protocol`, with instance IDs, or undefined if it has none usable. */
async function protocolOf(service: AppService, protocol: string): Promise<JsonObject | undefined> {
  const info = await getJson(service, `protocol/${encodeURIComponent(protocol)}`);
  if (!isJsonObject(info) || !Array.isArray(info.instances)) return undefined;
  const instances = info.instances.map((i) => (isJsonObject(i) && typeof i.network_id === "string" ? { ...i, instance_id: `${service.id}|${i.network_id}` } : i));
  return { ...info, instances };
}

/** The protocols of all services (only `only` when given), merged per protocol. */
export async function thirdPartyProtocols(ctx: TpCtx, only?: string): Promise<Record<string, JsonObject>> {
  const asks: Array<Promise<[string, JsonObject | undefined]>> = [];
  for (const service of ctx.config.appservices.services) {
    for (const p of service.protocols) if (only === undefined || p === only) asks.push(protocolOf(service, p).then((info) => [p, info]));
  }
  const out: Record<string, JsonObject> = {};
  for (const [p, info] of await Promise.all(asks)) {
    if (!info) continue;
    const first = out[p];
    if (!first) out[p] = info;
    else out[p] = { ...first, instances: [...(first.instances as JsonValue[]), ...(info.instances as JsonValue[])] };
  }
  return out;
}

export type ThirdPartyKind = "user" | "location";

/** Results as the spec's ThirdPartyUser / ThirdPartyLocation: the ID field and protocol strings, fields an object. */
function validResults(kind: ThirdPartyKind, value: JsonValue | undefined): JsonObject[] {
  if (!Array.isArray(value)) return [];
  const idField = kind === "user" ? "userid" : "alias";
  return value.filter((r): r is JsonObject => isJsonObject(r) && typeof r[idField] === "string" && typeof r.protocol === "string" && isJsonObject(r.fields));
}

/**
 * GET /thirdparty/{kind}/{protocol}?fields… (protocol given) or the reverse lookup
 * /thirdparty/{kind}?userid=|alias= (every service with a protocol): results of all services asked.
 */
export async function thirdPartyLookup(ctx: TpCtx, kind: ThirdPartyKind, protocol: string | undefined, query: URLSearchParams): Promise<JsonObject[]> {
  const fields = new URLSearchParams(query);
  fields.delete("access_token"); // the client's, not the service's
  const qs = fields.toString();
  const path = `${kind}${protocol === undefined ? "" : `/${encodeURIComponent(protocol)}`}${qs ? `?${qs}` : ""}`;
  const services = ctx.config.appservices.services.filter((s) => (protocol === undefined ? s.protocols.length > 0 : s.protocols.includes(protocol)));
  const answers = await Promise.all(services.map((s) => getJson(s, path)));
  return answers.flatMap((a) => validResults(kind, a));
}
