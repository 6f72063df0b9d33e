/**
 * Server discovery (spec: server-server API, "Resolving server names"): turns a server name into
 * the base URL its federation API is reached at.
 *
 * 1. IP literal → that address with the given port or 8448.
 * 2. Explicit port → the hostname at that port.
 * 3. `https://<hostname>/.well-known/matrix/server` (redirects followed, loops avoided, responses
 *    and failures cached) → the delegated name, resolved by the same IP/port/SRV/8448 steps.
 * 4–5. SRV `_matrix-fed._tcp.<hostname>`, then the deprecated `_matrix._tcp.<hostname>`, looked
 *    up through DNS-over-HTTPS because Workers have no DNS API.
 * 6. `<hostname>:8448`.
 *
 * Workers cannot pin a connection to a resolved IP address while presenting a different TLS name,
 * so an SRV target is fetched by its own hostname (its certificate is checked for that name, not
 * for the server name) and `hostHeader` is informational: the runtime sets Host from the URL.
 *
 * Loopback, private and link-local targets are refused unless FEDERATION_ALLOW_PRIVATE = "true";
 * with FEDERATION_INSECURE_HTTP = "true" as well, loopback names with a port ("127.0.0.1:8448",
 * "localhost:8448") are reached over plain HTTP, for several local servers in tests.
 *
 * This file is the Cloudflare-free core: `resolveServerWith` takes its fetch and clock as
 * arguments so the unit tests can drive every step; discovery.ts binds it to the Worker.
 */
import { parseServerName, type ServerName } from "../protocol/identifiers.js";

export interface ResolvedServer {
  baseUrl: string;
  hostHeader: string;
}

export class DiscoveryError extends Error {
  override name = "DiscoveryError";
}

export interface DiscoveryDeps {
  fetch: (input: string, init?: RequestInit) => Promise<Response>;
  now: () => number;
  allowPrivate: boolean;
  insecureHttp: boolean;
  /** Shared caches of .well-known and SRV answers (per isolate in production). */
  cache: DiscoveryCache;
  dohUrl?: string;
}

interface Cached<T> {
  value: T;
  expires: number;
}

export class DiscoveryCache {
  readonly wellKnown = new Map<string, Cached<string | null>>();
  readonly srv = new Map<string, Cached<SrvTarget | null>>();
  /** Keeps the maps bounded: drops the oldest entries beyond `limit`. */
  trim(limit = 1000): void {
    for (const map of [this.wellKnown, this.srv] as Map<string, unknown>[]) {
      while (map.size > limit) {
        const first = map.keys().next();
        if (first.done) break;
        map.delete(first.value);
      }
    }
  }
}

interface SrvTarget {
  host: string;
  port: number;
}

const DEFAULT_PORT = 8448;
const DOH_URL = "https://cloudflare-dns.com/dns-query";
const WELL_KNOWN_DEFAULT_MS = 24 * 3600_000;
const WELL_KNOWN_MAX_MS = 48 * 3600_000;
const WELL_KNOWN_ERROR_MS = 3600_000;
const SRV_DEFAULT_MS = 3600_000;
const MAX_REDIRECTS = 5;
const MAX_WELL_KNOWN_BYTES = 64 * 1024;
const LOOKUP_TIMEOUT_MS = 10_000;

// ---------------------------------------------------------------------------------------------
// Address classification

function ipv4Octets(host: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  return o.every((x) => x <= 255) ? o : undefined;
}

function isPrivateIPv4(o: number[]): boolean {
  const [a, b] = o;
  return (
    a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 192 && b === 0 && o[2] === 0) ||
    (a === 198 && (b === 18 || b === 19)) || a >= 224
  );
}

/** Expands an IPv6 literal (no brackets) to 8 groups; undefined if it is not one. */
function ipv6Groups(host: string): number[] | undefined {
  let text = host.toLowerCase();
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  // An embedded IPv4 tail (::ffff:10.0.0.1) becomes two hex groups.
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    const v4 = ipv4Octets(text.slice(lastColon + 1));
    if (!v4) return undefined;
    text = `${text.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const parse = (p: string) => (p === "" ? [] : p.split(":").map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const total = head.length + rest.length;
  if ([...head, ...rest].some(Number.isNaN)) return undefined;
  if (halves.length === 1 && total !== 8) return undefined;
  if (total > 8) return undefined;
  return [...head, ...new Array<number>(8 - total).fill(0), ...rest];
}

function isPrivateIPv6(g: number[]): boolean {
  if (g.every((x) => x === 0)) return true; // ::
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return true; // ::1
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return isPrivateIPv4([g[6] >> 8, g[6] & 255, g[7] >> 8, g[7] & 255]);
  if ((g[0] & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((g[0] & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((g[0] & 0xff00) === 0xff00) return true; // multicast
  return false;
}

/** Whether a hostname (IPv6 with or without brackets) names a loopback, private or link-local target. */
export function isPrivateHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  if (h === "localhost" || h.endsWith(".localhost") || h.endsWith(".local") || h.endsWith(".internal")) return true;
  const v4 = ipv4Octets(h);
  if (v4) return isPrivateIPv4(v4);
  const v6 = h.includes(":") ? ipv6Groups(h) : undefined;
  if (v6) return isPrivateIPv6(v6);
  return false;
}

function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\./.test(h);
}

// ---------------------------------------------------------------------------------------------
// Steps

function hostWithPort(host: string, port: number | undefined): string {
  return port === undefined ? host : `${host}:${port}`;
}

function target(deps: DiscoveryDeps, host: string, port: number, hostHeader: string): ResolvedServer {
  if (isPrivateHost(host) && !deps.allowPrivate) {
    throw new DiscoveryError(`refusing to contact private address ${host}`);
  }
  return { baseUrl: `https://${host}:${port}`, hostHeader };
}

function withTimeout(deps: DiscoveryDeps, url: string, init: RequestInit = {}): Promise<Response> {
  return deps.fetch(url, { ...init, signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) });
}

/** max-age from Cache-Control, clamped; the default when absent. */
function cacheMs(res: Response): number {
  const cc = res.headers.get("Cache-Control") ?? "";
  if (/no-store|no-cache/i.test(cc)) return 0;
  const m = /max-age=(\d+)/i.exec(cc);
  const ms = m ? Number(m[1]) * 1000 : WELL_KNOWN_DEFAULT_MS;
  return Math.min(ms, WELL_KNOWN_MAX_MS);
}

/** The `m.server` of https://host/.well-known/matrix/server, or null (cached either way). */
async function wellKnown(deps: DiscoveryDeps, hostname: string): Promise<string | null> {
  const cached = deps.cache.wellKnown.get(hostname);
  if (cached && cached.expires > deps.now()) return cached.value;
  let value: string | null = null;
  let ttl = WELL_KNOWN_ERROR_MS;
  try {
    let url = `https://${hostname}/.well-known/matrix/server`;
    const seen = new Set<string>();
    for (let hop = 0; ; hop++) {
      if (seen.has(url) || hop > MAX_REDIRECTS) throw new DiscoveryError("redirect loop");
      seen.add(url);
      const u = new URL(url);
      if (u.protocol !== "https:" || (isPrivateHost(u.hostname) && !deps.allowPrivate)) throw new DiscoveryError("unsafe redirect");
      const res = await withTimeout(deps, url, { redirect: "manual", headers: { Accept: "application/json" } });
      if (res.status >= 300 && res.status < 400) {
        const loc = res.headers.get("Location");
        await res.body?.cancel();
        if (!loc) throw new DiscoveryError("redirect without Location");
        url = new URL(loc, url).toString();
        continue;
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        break;
      }
      const text = await res.text();
      if (text.length > MAX_WELL_KNOWN_BYTES) break;
      const body = JSON.parse(text) as unknown;
      const server = typeof body === "object" && body !== null ? (body as Record<string, unknown>)["m.server"] : undefined;
      if (typeof server === "string") {
        parseServerName(server); // throws if invalid
        value = server;
        ttl = cacheMs(res);
      }
      break;
    }
  } catch {
    value = null;
    ttl = WELL_KNOWN_ERROR_MS;
  }
  if (ttl > 0) {
    deps.cache.wellKnown.set(hostname, { value, expires: deps.now() + ttl });
    deps.cache.trim();
  }
  return value;
}

/** One SRV answer through DNS-over-HTTPS (JSON API): the best-priority, heaviest target. */
async function srvLookup(deps: DiscoveryDeps, name: string): Promise<SrvTarget | null> {
  const cached = deps.cache.srv.get(name);
  if (cached && cached.expires > deps.now()) return cached.value;
  let value: SrvTarget | null = null;
  let ttl = SRV_DEFAULT_MS;
  try {
    const url = `${deps.dohUrl ?? DOH_URL}?name=${encodeURIComponent(name)}&type=SRV`;
    const res = await withTimeout(deps, url, { headers: { Accept: "application/dns-json" } });
    if (res.ok) {
      const body = (await res.json()) as { Answer?: { type?: number; TTL?: number; data?: string }[] };
      const answers = (body.Answer ?? [])
        .filter((a) => a.type === 33 && typeof a.data === "string")
        .map((a) => {
          const [priority, weight, port, host] = (a.data as string).trim().split(/\s+/);
          return { priority: Number(priority), weight: Number(weight), port: Number(port), host: (host ?? "").replace(/\.$/, ""), ttl: a.TTL ?? 3600 };
        })
        .filter((a) => Number.isInteger(a.port) && a.port > 0 && a.port < 65536 && a.host !== "" && a.host !== ".");
      answers.sort((x, y) => x.priority - y.priority || y.weight - x.weight);
      const best = answers[0];
      if (best) {
        value = { host: best.host, port: best.port };
        ttl = Math.max(60, Math.min(best.ttl, 86400)) * 1000;
      }
    } else {
      await res.body?.cancel();
    }
  } catch {
    value = null;
    ttl = 5 * 60_000;
  }
  deps.cache.srv.set(name, { value, expires: deps.now() + ttl });
  deps.cache.trim();
  return value;
}

/** Steps 3.1–3.5 (delegated) and 4–6 (no delegation): IP, port, SRV, 8448. */
async function resolveHost(deps: DiscoveryDeps, name: ServerName, hostHeader: string): Promise<ResolvedServer> {
  if (name.hostKind !== "dns") return target(deps, name.host, name.port ?? DEFAULT_PORT, hostHeader);
  if (name.port !== undefined) return target(deps, name.host, name.port, hostHeader);
  for (const service of ["_matrix-fed._tcp", "_matrix._tcp"]) {
    const srv = await srvLookup(deps, `${service}.${name.host}`);
    if (srv) return target(deps, srv.host, srv.port, hostHeader);
  }
  return target(deps, name.host, DEFAULT_PORT, hostHeader);
}

/** Resolves `serverName` with explicit dependencies (see the module comment). */
export async function resolveServerWith(deps: DiscoveryDeps, serverName: string): Promise<ResolvedServer> {
  let name: ServerName;
  try {
    name = parseServerName(serverName);
  } catch {
    throw new DiscoveryError(`invalid server name ${JSON.stringify(serverName)}`);
  }
  if (deps.allowPrivate && deps.insecureHttp && name.port !== undefined && isLoopbackHost(name.host)) {
    return { baseUrl: `http://${name.hostKind === "ipv6" ? name.host : "127.0.0.1"}:${name.port}`, hostHeader: serverName };
  }
  // Steps 1 and 2: IP literals and explicit ports need no lookup.
  if (name.hostKind !== "dns" || name.port !== undefined) return resolveHost(deps, name, serverName);
  // Step 3: .well-known delegation.
  if (isPrivateHost(name.host) && !deps.allowPrivate) throw new DiscoveryError(`refusing to contact private address ${name.host}`);
  const delegated = await wellKnown(deps, name.host);
  if (delegated !== null) {
    const d = parseServerName(delegated);
    return resolveHost(deps, d, hostWithPort(d.host, d.port));
  }
  // Steps 4–6.
  return resolveHost(deps, name, name.host);
}

