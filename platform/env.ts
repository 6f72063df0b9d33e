import { parseRegistrations, type AppServiceRegistrations } from "../protocol/appservice/registration.js";

/** The bindings and variables of wrangler.toml (see README "Configuration"). */
export interface Env {
  // Untyped: the classes live in a higher layer; platform/stubs.ts types each stub as its RPC contract.
  ROOM: DurableObjectNamespace;
  USER: DurableObjectNamespace;
  SERVER: DurableObjectNamespace;
  REMOTE: DurableObjectNamespace;
  APPSERVICE: DurableObjectNamespace;
  MEDIA: R2Bucket;
  SERVER_NAME: string;
  PUBLIC_BASEURL?: string;
  FEDERATION_DELEGATE?: string;
  REGISTRATION?: string;
  GUEST_ACCESS?: string;
  RATE_LIMITS?: string;
  MAX_REQUEST_BYTES?: string;
  /** Largest media upload in bytes (default 50 MB). */
  MAX_UPLOAD_BYTES?: string;
  /** Legacy unauthenticated /_matrix/media/v3/download and thumbnail: "serve" or "frozen". */
  LEGACY_MEDIA?: string;
  /** With LEGACY_MEDIA = "frozen": media uploaded before this time (ms since epoch) stays served. */
  LEGACY_MEDIA_FROZEN_SINCE?: string;
  /** Hosts that URL previews may fetch despite the SSRF guard (tests only), comma-separated. */
  PREVIEW_ALLOW_HOSTS?: string;
  /**
   * Hosts that push gateway URLs may name despite the private-address guard (tests only),
   * comma-separated; for these, plain http is allowed too.
   */
  PUSH_ALLOW_HOSTS?: string;
  /** "on": count requests and Durable Object calls, served at GET /_lattice/metrics (benchmarks). */
  LATTICE_METRICS?: string;
  /** "true": federation may reach loopback, private and link-local addresses (local tests only). */
  FEDERATION_ALLOW_PRIVATE?: string;
  /** "true" (with FEDERATION_ALLOW_PRIVATE): "127.0.0.1:PORT"/"localhost:PORT" over plain HTTP (tests). */
  FEDERATION_INSECURE_HTTP?: string;
  /** Comma-separated notary servers asked for keys a server cannot serve itself; empty: none. */
  TRUSTED_KEY_SERVERS?: string;
  /** "true": test-only endpoints under /_lattice/test/federation (worker/federation/testHooks.ts). Never in production. */
  FEDERATION_TEST_HOOKS?: string;
  /** "true": the test-only GET /_lattice/test/content_reports lists stored reports. Never in production. */
  REPORTS_TEST_HOOK?: string;
  /** Seconds an access token lives when it comes with a refresh token (default 300). */
  ACCESS_TOKEN_LIFETIME?: string;
  /** Secret: enables /_synapse/admin/v1/register (shared-secret registration). */
  REGISTRATION_SHARED_SECRET?: string;
  /** Secret: comma-separated registration tokens accepted when REGISTRATION = "token". */
  REGISTRATION_TOKENS?: string;
  /** The OAuth 2.0 API (Lattice as its own authorization server): "on" (default) or "off". */
  OAUTH?: string;
  /** Secret: "ed25519:<id> <unpadded base64 seed>"; otherwise a key is generated on first start. */
  SIGNING_KEY?: string;
  /** TURN server URIs handed to clients by GET /voip/turnServer, comma-separated. */
  TURN_URIS?: string;
  /** Secret: the coturn `static-auth-secret` that TURN credentials are derived from. */
  TURN_SHARED_SECRET?: string;
  /** Seconds TURN credentials stay valid (default 3600, Synapse's turn_user_lifetime). */
  TURN_TTL?: string;
  /** Secret: a Cloudflare Realtime TURN key ID; with CLOUDFLARE_TURN_KEY_API_TOKEN, credentials come from Cloudflare. */
  CLOUDFLARE_TURN_KEY_ID?: string;
  /** Secret: the API token of that TURN key. */
  CLOUDFLARE_TURN_KEY_API_TOKEN?: string;
  /** Where Cloudflare's TURN API is reached (tests only: a loopback fake); default https://rtc.live.cloudflare.com/v1. */
  CLOUDFLARE_TURN_API_BASE?: string;
  /** Variable or secret: application service registrations, YAML documents separated by `---`. */
  APPSERVICES?: string;
}

export type RegistrationMode = "open" | "token" | "closed";

/** Configuration read from the environment, with defaults; parsed once per request. */
export interface Config {
  serverName: string;
  registration: RegistrationMode;
  guestAccess: boolean;
  rateLimits: boolean;
  maxRequestBytes: number;
  maxUploadBytes: number;
  legacyMedia: "serve" | "frozen";
  /** Media uploaded at or after this time is frozen on the legacy endpoints (0: all). */
  legacyMediaFrozenSince: number;
  previewAllowHosts: string[];
  /** Push gateway hosts exempt from the private-address guard, where http is allowed too (tests). */
  pushAllowHosts: string[];
  /** The OAuth 2.0 API is served (off: its endpoints answer 404 M_UNRECOGNIZED, as the spec's fallback). */
  oauth: boolean;
  /** Lifetime of an access token that comes with a refresh token, in ms; tokens without one never expire. */
  accessTokenLifetimeMs: number;
  /** GET /voip/turnServer: how TURN credentials are made; none when nothing is configured. */
  turn: TurnConfig;
  /** The application services registered through APPSERVICES (bad registrations left out). */
  appservices: AppServiceRegistrations;
}

/** The TURN service clients are sent to (spec: voip.yaml). */
export type TurnConfig =
  | { kind: "none" }
  | { kind: "sharedSecret"; uris: string[]; secret: string; ttlSeconds: number }
  | { kind: "cloudflare"; keyId: string; apiToken: string; apiBase: string; ttlSeconds: number };

const CLOUDFLARE_TURN_API = "https://rtc.live.cloudflare.com/v1";

function readTurn(env: Env): TurnConfig {
  const ttlSeconds = Number(env.TURN_TTL) > 0 ? Math.floor(Number(env.TURN_TTL)) : 3600;
  const uris = (env.TURN_URIS ?? "").split(",").map((u) => u.trim()).filter(Boolean);
  if (uris.length > 0 && env.TURN_SHARED_SECRET) return { kind: "sharedSecret", uris, secret: env.TURN_SHARED_SECRET, ttlSeconds };
  if (env.CLOUDFLARE_TURN_KEY_ID && env.CLOUDFLARE_TURN_KEY_API_TOKEN) {
    const apiBase = (env.CLOUDFLARE_TURN_API_BASE || CLOUDFLARE_TURN_API).replace(/\/+$/, "");
    return { kind: "cloudflare", keyId: env.CLOUDFLARE_TURN_KEY_ID, apiToken: env.CLOUDFLARE_TURN_KEY_API_TOKEN, apiBase, ttlSeconds };
  }
  return { kind: "none" };
}

/** A comma-separated host list, lowercased. */
function hostList(value: string | undefined): string[] {
  return (value ?? "").split(",").map((h) => h.trim().toLowerCase()).filter(Boolean);
}

const NO_APPSERVICES: AppServiceRegistrations = { services: [], problems: [] };
let parsedAppservices: { source: string; serverName: string; value: AppServiceRegistrations } | undefined;

/**
 * APPSERVICES, parsed once per isolate (readConfig runs on every request). Registrations left
 * out are reported once, when first parsed: the server keeps running without them.
 */
function readAppservices(source: string | undefined, serverName: string): AppServiceRegistrations {
  if (!source || source.trim() === "") return NO_APPSERVICES;
  if (parsedAppservices?.source === source && parsedAppservices.serverName === serverName) return parsedAppservices.value;
  const value = parseRegistrations(source, serverName);
  for (const problem of value.problems) console.error(`APPSERVICES: ${problem}`);
  parsedAppservices = { source, serverName, value };
  return value;
}

export function readConfig(env: Env): Config {
  const mode = env.REGISTRATION ?? "open";
  return {
    serverName: env.SERVER_NAME || "localhost",
    registration: mode === "token" || mode === "closed" ? mode : "open",
    guestAccess: env.GUEST_ACCESS !== "false",
    rateLimits: env.RATE_LIMITS !== "off",
    maxRequestBytes: Number(env.MAX_REQUEST_BYTES) > 0 ? Number(env.MAX_REQUEST_BYTES) : 1048576,
    maxUploadBytes: Number(env.MAX_UPLOAD_BYTES) > 0 ? Number(env.MAX_UPLOAD_BYTES) : 50 * 1024 * 1024,
    // Spec v1.12: servers SHOULD freeze the unauthenticated endpoints, so frozen is the default.
    legacyMedia: env.LEGACY_MEDIA === "serve" ? "serve" : "frozen",
    legacyMediaFrozenSince: Number(env.LEGACY_MEDIA_FROZEN_SINCE) > 0 ? Number(env.LEGACY_MEDIA_FROZEN_SINCE) : 0,
    previewAllowHosts: hostList(env.PREVIEW_ALLOW_HOSTS),
    pushAllowHosts: hostList(env.PUSH_ALLOW_HOSTS),
    oauth: env.OAUTH !== "off",
    accessTokenLifetimeMs: (Number(env.ACCESS_TOKEN_LIFETIME) > 0 ? Number(env.ACCESS_TOKEN_LIFETIME) : 300) * 1000,
    turn: readTurn(env),
    appservices: readAppservices(env.APPSERVICES, env.SERVER_NAME || "localhost"),
  };
}
