/**
 * Redirect URIs (spec: client-server "Redirect URI validation", MSC2966, RFC 8252 §7): which ones
 * a client may register, and whether the URI of an authorization request is a registered one.
 *
 * The checks read the URI text as well as its WHATWG parse: the parser normalises away exactly
 * what the rules forbid (an empty "#", ":80" on http, "//" before an empty authority), so a rule
 * checked on the parsed URL alone would let those through.
 */

/** Spec: `application_type`, `web` when omitted. */
export type ApplicationType = "web" | "native";

/** The loopback hosts a native client may redirect to over plain http (RFC 8252 §7.3). */
const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"];

function parse(uri: string): URL | undefined {
  try {
    return new URL(uri);
  } catch {
    return undefined;
  }
}

/** The raw authority of `scheme://authority…`, or undefined when the text has none. */
function rawAuthority(uri: string): string | undefined {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(uri)?.[1];
}

/**
 * Spec: the other URIs "MUST be either on the same host or on a subdomain of the host of the
 * `client_uri`. The port number, path and query components MAY be different."
 */
function isOnClientHost(uri: URL, clientUri: URL): boolean {
  return uri.hostname === clientUri.hostname || uri.hostname.endsWith(`.${clientUri.hostname}`);
}

/** An https URI on the client's host or a subdomain, without user or password: why not, or null. */
export function httpsUriUnderClientProblem(uri: string, clientUri: URL): string | null {
  const url = parse(uri);
  if (!url) return "is not a URI";
  if (url.protocol !== "https:") return "must use https";
  if (url.username !== "" || url.password !== "" || (rawAuthority(uri) ?? "").includes("@")) return "must not carry a user or password";
  if (!isOnClientHost(url, clientUri)) return `must be on the host of client_uri (${clientUri.hostname}) or a subdomain of it`;
  return null;
}

/**
 * Whether the text is an http URI on a loopback host, with or without a port. Scheme and host are
 * case-insensitive (RFC 3986 §3.1, §3.2.2), as registration's check is: the host comes back
 * lower-cased so `http://LOCALHOST/cb` and `http://localhost:8080/cb` compare equal.
 */
function loopbackParts(uri: string): { host: string; port: string | undefined; rest: string } | undefined {
  const m = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?([/?].*)?$/i.exec(uri);
  if (!m) return undefined;
  return { host: m[1].toLowerCase(), port: m[2], rest: m[3] ?? "" };
}

/** "example.com" → "com.example": the client's host in reverse-DNS notation. */
export function reverseDns(hostname: string): string {
  return hostname.split(".").reverse().join(".");
}

/**
 * Why a redirect URI may not be registered by a client of `applicationType` whose `client_uri`
 * is `clientUri`, or null when it may.
 */
export function redirectUriProblem(uri: string, clientUri: URL, applicationType: ApplicationType): string | null {
  // Spec: "In all cases, the redirect URI MUST NOT have a fragment component" (an empty one too).
  if (uri.includes("#")) return "must not have a fragment";
  const url = parse(uri);
  if (!url) return "is not a URI";
  if (applicationType === "web") return httpsUriUnderClientProblem(uri, clientUri);

  // Native clients: a loopback http URI, a claimed https URI, or a private-use scheme.
  if (url.protocol === "http:") {
    const authority = rawAuthority(uri) ?? "";
    if (!LOOPBACK_HOSTS.includes(authority.toLowerCase())) {
      if (loopbackParts(uri)?.port !== undefined) return "must not name a port (any port is accepted when authorising)";
      return "over http must be on localhost, 127.0.0.1 or [::1]";
    }
    return null;
  }
  if (url.protocol === "https:") return httpsUriUnderClientProblem(uri, clientUri);
  const scheme = url.protocol.slice(0, -1);
  const prefix = reverseDns(clientUri.hostname);
  // The scheme is the reversed host itself or extends it by whole labels ("com.example.app").
  if (scheme !== prefix && !scheme.startsWith(`${prefix}.`)) return `must use a scheme that starts with ${prefix} (client_uri's host in reverse-DNS notation)`;
  // Spec: "either a single slash or none immediately following the scheme".
  if (uri.slice(scheme.length + 1).startsWith("//")) return "must not have an authority component";
  return null;
}

/**
 * Whether the redirect URI of an authorization request is one the client registered: the exact
 * string (RFC 6749 §3.1.2.3, no normalisation), except that a registered loopback URI, which has
 * no port, matches the same URI with any port (spec: "The homeserver MUST then accept any port
 * number during the authorisation flow"; RFC 8252 §7.3).
 */
export function redirectUriMatches(registered: readonly string[], requested: string): boolean {
  if (registered.includes(requested)) return true;
  const loopback = loopbackParts(requested);
  if (!loopback || loopback.port === undefined) return false;
  const port = Number(loopback.port);
  if (port < 1 || port > 65535) return false;
  return registered.some((uri) => {
    const r = loopbackParts(uri);
    return r !== undefined && r.port === undefined && r.host === loopback.host && r.rest === loopback.rest;
  });
}
