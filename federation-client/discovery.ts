/**
 * Server discovery bound to the Worker's fetch and configuration; the steps themselves are in
 * serverResolution.ts (spec: "Resolving server names").
 */
import type { Env } from "../platform/env.js";
import { DiscoveryCache, resolveServerWith, type ResolvedServer } from "./serverResolution.js";

export { DiscoveryError, isPrivateHost, type ResolvedServer } from "./serverResolution.js";

const sharedCache = new DiscoveryCache();

/** Resolves a server name to its federation base URL with the Worker's fetch and caches. */
export async function resolveServer(env: Env, serverName: string): Promise<ResolvedServer> {
  return resolveServerWith(
    {
      fetch: (input, init) => fetch(input, init),
      now: Date.now,
      allowPrivate: env.FEDERATION_ALLOW_PRIVATE === "true",
      insecureHttp: env.FEDERATION_INSECURE_HTTP === "true",
      cache: sharedCache,
    },
    serverName,
  );
}
