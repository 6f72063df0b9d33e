/**
 * Cookies of the account pages: the browser session (`lattice_session`, a `latw_…` token) and
 * the CSRF token (`lattice_csrf`). Both are HttpOnly: no script on any page needs them (the
 * pages have none), so a script injected some day could not read them either.
 */

export const SESSION_COOKIE = "lattice_session";
export const CSRF_COOKIE = "lattice_csrf";

/** Cookie values we set are base64url/alphanumeric tokens; parse anything a browser sends. */
export function parseCookies(header: string | null): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    // The first of two same-named cookies is the most specific path (RFC 6265 5.4); keep it.
    if (name && !out.has(name)) out.set(name, value);
  }
  return out;
}

export function getCookie(request: Request, name: string): string | null {
  return parseCookies(request.headers.get("Cookie")).get(name) ?? null;
}

export interface CookieOptions {
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: "Strict" | "Lax" | "None";
  path?: string;
  /** Seconds; 0 deletes the cookie. Absent: a cookie for the browser's session. */
  maxAge?: number;
}

/** Names and values are tokens we chose; refuse anything that could split the header. */
const COOKIE_TOKEN = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (!COOKIE_TOKEN.test(name)) throw new Error(`bad cookie name ${name}`);
  if (value !== "" && !COOKIE_TOKEN.test(value)) throw new Error(`bad cookie value for ${name}`);
  const parts = [`${name}=${value}`, `Path=${options.path ?? "/"}`];
  if (options.maxAge !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAge))}`);
  if (options.httpOnly) parts.push("HttpOnly");
  if (options.secure) parts.push("Secure");
  if (options.sameSite) parts.push(`SameSite=${options.sameSite}`);
  return parts.join("; ");
}

/**
 * Secure only over https: a local `wrangler dev` on http://localhost would otherwise never get
 * its cookies back (browsers drop Secure cookies set over http, localhost aside in some).
 */
export function isHttps(request: Request): boolean {
  return new URL(request.url).protocol === "https:";
}

/**
 * The browser session cookie. SameSite=Lax, not Strict: a client app sends the browser to
 * /oauth2/auth by a top-level link from its own site, and a signed-in user must arrive signed in.
 */
export function sessionCookie(request: Request, token: string, maxAgeSeconds: number): string {
  return serializeCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    secure: isHttps(request),
    sameSite: "Lax",
    path: "/",
    maxAge: maxAgeSeconds,
  });
}

export function clearSessionCookie(request: Request): string {
  return sessionCookie(request, "", 0);
}
