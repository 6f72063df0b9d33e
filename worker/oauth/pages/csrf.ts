/**
 * Double-submit CSRF protection for the page forms. A page with a form is served with a random
 * `lattice_csrf` cookie (set once per browser, HttpOnly, SameSite=Strict) and the same value in
 * a hidden `csrf` field. Another site can make a browser POST to us, but it can neither read the
 * cookie nor set it (HttpOnly, our host only), so it cannot put the matching value in the form.
 * On top, browsers say where a POST comes from: a foreign `Origin` or `Sec-Fetch-Site:
 * cross-site` is refused outright, which also covers a sibling subdomain that could plant a
 * cookie (double-submit alone does not).
 */
import { constantTimeEqual } from "../../../platform/bytes.js";
import { randomString } from "../../../platform/tokens.js";
import { CSRF_COOKIE, getCookie, isHttps, serializeCookie } from "./cookies.js";

/** 32 random bytes in base64url: 43 characters. */
export function newCsrfToken(): string {
  return randomString(32);
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface CsrfToken {
  token: string;
  /** The Set-Cookie value to send with the page, when the browser had no (valid) token yet. */
  setCookie: string | null;
}

/** The token for a page with a form: the browser's own, or a new one to set. */
export function csrfToken(request: Request): CsrfToken {
  const existing = getCookie(request, CSRF_COOKIE);
  if (existing && TOKEN_SHAPE.test(existing)) return { token: existing, setCookie: null };
  const token = newCsrfToken();
  // No Max-Age: a browser-session cookie; a page served later sets a new one when it is gone.
  const setCookie = serializeCookie(CSRF_COOKIE, token, { httpOnly: true, secure: isHttps(request), sameSite: "Strict", path: "/" });
  return { token, setCookie };
}

/** A parsed form body: URLSearchParams or FormData (their `get` differ only in File values). */
export interface FormFields {
  get(name: string): unknown;
}

/**
 * Whether a form POST may be acted on. `origin` is the pages' origin (the issuer's); by
 * default the request's own, which is the public one in a Worker.
 */
export function checkCsrf(request: Request, form: FormFields, origin: string = new URL(request.url).origin): boolean {
  if (request.headers.get("Sec-Fetch-Site") === "cross-site") return false;
  const sentOrigin = request.headers.get("Origin");
  // Absent on some older browsers' same-origin POSTs: the token alone decides then. Present
  // (including "null", from sandboxed frames and privacy redirects): it must be ours.
  if (sentOrigin !== null && sentOrigin !== origin) return false;
  const cookie = getCookie(request, CSRF_COOKIE);
  const field = form.get("csrf");
  if (!cookie || typeof field !== "string" || !TOKEN_SHAPE.test(cookie)) return false;
  // The token's length is public (43), so only its characters need a constant-time comparison.
  const enc = new TextEncoder();
  return constantTimeEqual(enc.encode(cookie), enc.encode(field));
}
