import type { Ctx } from "../router.js";
import type { AppService } from "../../protocol/appservice/registration.js";
import { inNamespace } from "../../protocol/appservice/namespaces.js";
import { serverStub, userStub } from "../../platform/stubs.js";

/**
 * The homeserver's queries to application services (spec: application-service-api "Querying";
 * data/api/application-service/query_user.yaml, query_room.yaml): when a client asks for a user
 * or an alias of this server that does not exist but lies in a service's namespace, the service
 * is asked about it; it creates the user (POST /register) or the room and alias before
 * answering 200, and the lookup is then made again. A 404, any other answer, or no answer means
 * "does not exist", as in Synapse.
 */

/** Synapse's HTTP client waits 60 s; a client waiting on a profile should not wait that long. */
const QUERY_TIMEOUT_MS = 30_000;

type QueryCtx = Pick<Ctx, "env" | "config">;

/** GET {url}{path} with the hs_token; true on 200 only. */
async function ask(service: AppService, path: string): Promise<boolean> {
  if (service.url === null) return false;
  try {
    const res = await fetch(`${service.url}${path}`, {
      headers: { Authorization: `Bearer ${service.hsToken}` },
      signal: AbortSignal.timeout(QUERY_TIMEOUT_MS),
    });
    await res.body?.cancel();
    if (res.status !== 200 && res.status !== 404) console.warn(`application service ${service.id} answered ${res.status} to ${path}`);
    return res.status === 200;
  } catch (e) {
    console.warn(`querying application service ${service.id} (${path}) failed: ${e instanceof Error ? e.message : String(e)}`);
    return false;
  }
}

/**
 * Whether the local user `userId` exists, counting a service's sender_localpart user (which the
 * service never registers) and asking the services whose users namespace holds it. Call only
 * for users of this server.
 */
export async function localUserExists(ctx: QueryCtx, userId: string): Promise<boolean> {
  const stub = userStub(ctx.env, userId);
  if (await stub.exists()) return true;
  const services = ctx.config.appservices.services;
  if (services.some((s) => s.sender === userId)) return true;
  for (const service of services.filter((s) => s.url !== null && inNamespace(s, "users", userId))) {
    if (await ask(service, `/_matrix/app/v1/users/${encodeURIComponent(userId)}`)) return stub.exists();
  }
  return false;
}

/**
 * The room a local alias names; when unknown, the services whose aliases namespace holds it are
 * asked, and after a 200 the alias is looked up again. undefined: no such alias.
 */
export async function resolveLocalAlias(ctx: QueryCtx, alias: string): Promise<string | undefined> {
  const server = serverStub(ctx.env);
  const roomId = await server.resolveAlias(alias);
  if (roomId) return roomId;
  for (const service of ctx.config.appservices.services.filter((s) => s.url !== null && inNamespace(s, "aliases", alias))) {
    if (await ask(service, `/_matrix/app/v1/rooms/${encodeURIComponent(alias)}`)) return (await server.resolveAlias(alias)) ?? undefined;
  }
  return undefined;
}
