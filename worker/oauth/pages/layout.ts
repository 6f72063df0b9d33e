/**
 * The frame of every account page (sign-in, sign-up, consent, device link, account) and the
 * headers that keep those pages safe to show: they hold passwords and grant access to accounts.
 */
import { html, type Html } from "./html.js";
import { LATTICE_MARK } from "./mark.js";

/** What a page render function returns; `htmlPage` wraps it in the document. */
export interface Page {
  title: string;
  body: Html;
  /** Exact image URLs the page shows besides its own (a client's logo on the consent page). */
  imgSrc?: readonly string[];
  /** The account page lays out several cards and a session list: a wider column on desktops. */
  wide?: boolean;
}

export interface HtmlPageInit extends Page {
  status?: number;
  headers?: Record<string, string>;
  /** Set-Cookie values; several may be needed at once (session and CSRF cookies). */
  setCookies?: readonly string[];
}

export const STYLESHEET_PATH = "/account/style.css";

/**
 * A CSP source expression may not hold whitespace, `;` or `,` (they separate sources and
 * directives); a URL with one could add a directive of its own. Such a logo is just not shown.
 */
export function isCspSafeUrl(url: string): boolean {
  if (/[\s;,'"]/.test(url)) return false;
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:";
  } catch {
    return false;
  }
}

/**
 * The Content-Security-Policy: nothing runs (no script-src at all: the pages need no
 * JavaScript), styles only from our stylesheet, images from us or data: URLs (the Lattice mark)
 * plus the exact logo URLs given, and no framing (clickjacking a consent button).
 *
 * There is deliberately no `form-action` directive. Chromium checks form-action against every
 * redirect that follows a form POST, so `form-action 'self'` would block the 302 from
 * POST /account/consent to the client's redirect URI — and for a native app that is a URI such
 * as `io.element.app:/cb` that no source list can name. Forms only ever post to our own paths
 * (all written in this code), so the directive would add little.
 */
export function contentSecurityPolicy(imgSrc: readonly string[] = []): string {
  const images = ["'self'", "data:", ...imgSrc.filter(isCspSafeUrl)].join(" ");
  return [
    "default-src 'none'",
    "style-src 'self'",
    `img-src ${images}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

/** Headers every page carries, whatever its status. */
function pageHeaders(imgSrc: readonly string[] = []): Record<string, string> {
  return {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": contentSecurityPolicy(imgSrc),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    // Page URLs carry authorization parameters (state, codes in the next= link): no Referer to
    // any other site. Not "no-referrer": under it Chromium sends `Origin: null` with the pages'
    // own form posts, which the CSRF check (rightly) refuses.
    "Referrer-Policy": "same-origin",
    // Pages hold CSRF tokens and account details: never from a shared or back-button cache.
    "Cache-Control": "no-store",
  };
}

export function documentHtml(page: Page): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${page.title}</title>
<link rel="icon" href="${LATTICE_MARK}">
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<main class="${page.wide ? "page page-wide" : "page"}">
${page.body}
</main>
<footer class="page-footer">Powered by Lattice, a Matrix homeserver</footer>
</body>
</html>
`;
}

export function htmlPage(init: HtmlPageInit): Response {
  const headers = new Headers(init.headers ?? {});
  // set() replaces whatever the caller gave under any spelling of the name: these always win.
  for (const [name, value] of Object.entries(pageHeaders(init.imgSrc))) headers.set(name, value);
  for (const cookie of init.setCookies ?? []) headers.append("Set-Cookie", cookie);
  return new Response(documentHtml(init).value, { status: init.status ?? 200, headers });
}
