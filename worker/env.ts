import type { RoomDO } from "../durable-objects/RoomDO.js";
import type { UserDO } from "../durable-objects/UserDO.js";
import type { ServerDO } from "../durable-objects/ServerDO.js";

/** The bindings and variables of wrangler.toml (see README "Configuration"). */
export interface Env {
  ROOM: DurableObjectNamespace<RoomDO>;
  USER: DurableObjectNamespace<UserDO>;
  SERVER: DurableObjectNamespace<ServerDO>;
  MEDIA: R2Bucket;
  SERVER_NAME: string;
  PUBLIC_BASEURL?: string;
  FEDERATION_DELEGATE?: string;
  REGISTRATION?: string;
  GUEST_ACCESS?: string;
  RATE_LIMITS?: string;
  MAX_REQUEST_BYTES?: string;
  /** Secret: enables /_synapse/admin/v1/register (shared-secret registration). */
  REGISTRATION_SHARED_SECRET?: string;
  /** Secret: comma-separated registration tokens accepted when REGISTRATION = "token". */
  REGISTRATION_TOKENS?: string;
  /** Secret: "ed25519:<id> <unpadded base64 seed>"; otherwise a key is generated on first start. */
  SIGNING_KEY?: string;
}

export type RegistrationMode = "open" | "token" | "closed";

/** Configuration read from the environment, with defaults; parsed once per request. */
export interface Config {
  serverName: string;
  registration: RegistrationMode;
  guestAccess: boolean;
  rateLimits: boolean;
  maxRequestBytes: number;
}

export function readConfig(env: Env): Config {
  const mode = env.REGISTRATION ?? "open";
  return {
    serverName: env.SERVER_NAME || "localhost",
    registration: mode === "token" || mode === "closed" ? mode : "open",
    guestAccess: env.GUEST_ACCESS !== "false",
    rateLimits: env.RATE_LIMITS !== "off",
    maxRequestBytes: Number(env.MAX_REQUEST_BYTES) > 0 ? Number(env.MAX_REQUEST_BYTES) : 1048576,
  };
}
