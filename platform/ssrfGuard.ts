/**
 * The server-side request forgery guard for URLs users give the server (URL previews, push
 * gateways): a user must not be able to make the homeserver fetch internal services (loopback,
 * private networks, cloud metadata endpoints), and, for previews, read the answer back.
 *
 * What it can and cannot check on Workers: it refuses URLs whose host is a literal IP in any
 * non-public range (IPv4 and IPv6, including IPv4-mapped, NAT64 and 6to4 forms that embed a
 * private IPv4 address) and names that only make sense internally (localhost, *.local,
 * *.internal, single-label names). A Worker cannot resolve DNS itself, so a public-looking name
 * that resolves to a private address cannot be checked before the fetch; in production that is
 * covered by Cloudflare's fetch, which does not reach private networks. Every redirect hop goes
 * through the same check (see previewFetch.ts).
 */
import { forbidden } from "./errors.js";

type Cidr4 = [number, number, number, number, number];

/** Non-public IPv4 ranges (RFC 6890 special-purpose registry and friends). */
const BLOCKED_V4: Cidr4[] = [
  [0, 0, 0, 0, 8], // "this network"
  [10, 0, 0, 0, 8], // private
  [100, 64, 0, 0, 10], // carrier-grade NAT
  [127, 0, 0, 0, 8], // loopback
  [169, 254, 0, 0, 16], // link-local, including 169.254.169.254 cloud metadata
  [172, 16, 0, 0, 12], // private
  [192, 0, 0, 0, 24], // IETF protocol assignments
  [192, 0, 2, 0, 24], // documentation
  [192, 88, 99, 0, 24], // 6to4 relay anycast
  [192, 168, 0, 0, 16], // private
  [198, 18, 0, 0, 15], // benchmarking
  [198, 51, 100, 0, 24], // documentation
  [203, 0, 113, 0, 24], // documentation
  [224, 0, 0, 0, 4], // multicast
  [240, 0, 0, 0, 4], // reserved, broadcast
];

const BLOCKED_NAME_SUFFIXES = [".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".lan", ".intranet", ".corp"];

export function isBlockedIPv4(a: number[]): boolean {
  const n = ((a[0] << 24) >>> 0) + (a[1] << 16) + (a[2] << 8) + a[3];
  return BLOCKED_V4.some(([p0, p1, p2, p3, bits]) => {
    const base = ((p0 << 24) >>> 0) + (p1 << 16) + (p2 << 8) + p3;
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    return ((n & mask) >>> 0) === ((base & mask) >>> 0);
  });
}

function parseIPv4(host: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : undefined;
}

/** Parses an IPv6 literal (without brackets) into 16 bytes. */
export function parseIPv6(text: string): number[] | undefined {
  let s = text.toLowerCase();
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  let tail: number[] = [];
  const v4 = /(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(s);
  if (v4) {
    const p = parseIPv4(v4[1]);
    if (!p) return undefined;
    tail = p;
    s = s.slice(0, -v4[1].length) + "0:0";
  }
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const groups = (x: string) => (x === "" ? [] : x.split(":"));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  const bytes: number[] = [];
  for (const g of all) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined;
    const v = parseInt(g, 16);
    bytes.push(v >> 8, v & 0xff);
  }
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

export function isBlockedIPv6(b: number[]): boolean {
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zeros(0, 15) && (b[15] === 0 || b[15] === 1)) return true; // :: and ::1
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return isBlockedIPv4(b.slice(12)); // ::ffff:a.b.c.d
  if (zeros(0, 12)) return true; // deprecated IPv4-compatible ::a.b.c.d
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return isBlockedIPv4(b.slice(12)); // NAT64
  if (b[0] === 0x20 && b[1] === 0x02) return isBlockedIPv4(b.slice(2, 6)); // 6to4
  if ((b[0] & 0xfe) === 0xfc) return true; // fc00::/7 unique local (incl. fd00:ec2::254 metadata)
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return true; // fe80::/10 link-local
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0xc0) return true; // fec0::/10 site-local
  if (b[0] === 0xff) return true; // multicast
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return true; // documentation
  if (b[0] === 0x01 && zeros(1, 8)) return true; // 100::/64 discard
  return false;
}

/** Why a URL may not be fetched from the server's side; undefined when it may. */
export type OutboundTargetProblem = "scheme" | "credentials" | "address" | "host";

/**
 * Whether the server may fetch a URL a user gave it (a page to preview, a push gateway): only
 * http(s), no credentials, and no host that is private, loopback, link-local or internal-only,
 * unless the host is listed in `allowHosts` (lowercased hostnames; tests only).
 */
export function outboundTargetProblem(url: URL, allowHosts: readonly string[]): OutboundTargetProblem | undefined {
  if (url.protocol !== "http:" && url.protocol !== "https:") return "scheme";
  if (url.username || url.password) return "credentials";
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (allowHosts.includes(host)) return undefined;
  if (host.startsWith("[")) {
    const bytes = parseIPv6(host.slice(1, -1));
    return !bytes || isBlockedIPv6(bytes) ? "address" : undefined;
  }
  const v4 = parseIPv4(host);
  if (v4) return isBlockedIPv4(v4) ? "address" : undefined;
  // The WHATWG URL parser already turned numeric forms (2130706433, 0x7f.1) into dotted quads;
  // anything else all-numeric-ish is not a name we want to hand to a resolver.
  if (/^[0-9.]+$/.test(host) || /^0x/.test(host)) return "address";
  if (host === "localhost" || !host.includes(".") || BLOCKED_NAME_SUFFIXES.some((s) => host.endsWith(s))) return "host";
  return undefined;
}

const PREVIEW_REFUSALS: Record<OutboundTargetProblem, string> = {
  scheme: "Only http and https URLs can be previewed",
  credentials: "URLs with credentials cannot be previewed",
  address: "This address cannot be previewed",
  host: "This host cannot be previewed",
};

/** Throws 403 M_FORBIDDEN unless the URL may be fetched for a preview. */
export function checkPreviewTarget(url: URL, allowHosts: readonly string[]): void {
  const problem = outboundTargetProblem(url, allowHosts);
  if (problem) throw forbidden(PREVIEW_REFUSALS[problem]);
}
