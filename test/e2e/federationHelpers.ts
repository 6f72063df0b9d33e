/** Shared setup for federation tests: Lattice servers named "127.0.0.1:<port>" that federate over plain HTTP on loopback. */
import { startServer, makeEventually, type RunningServer } from "./harness.js";

/** Lets servers federate with each other on loopback, without TLS. */
export const FED_VARS = { FEDERATION_ALLOW_PRIVATE: "true", FEDERATION_INSECURE_HTTP: "true" };

/** A Lattice server named after its port, with federation on loopback allowed; `vars` adds to or overrides FED_VARS. */
export function startFederatedServer(vars: Record<string, string> = {}): Promise<RunningServer> {
  return startServer({ serverNameFor: (port) => `127.0.0.1:${port}`, vars: { ...FED_VARS, ...vars } });
}

/** A Client-Server API call by `user` on `server` (from harness.ts). */
export { api } from "./harness.js";

/** Polls until something has crossed servers: every 100 ms, failing after `ms` (20 s by default). */
export const eventually = makeEventually({ timeout: 20_000, every: 100 });
