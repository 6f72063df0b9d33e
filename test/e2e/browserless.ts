/**
 * A browser played over raw HTTP for the OAuth pages: cookies kept by hand from each Set-Cookie,
 * the CSRF token read off each page's form, redirects not followed (the tests read Location).
 */
import assert from "node:assert/strict";

/** What a page request answered; redirects are not followed. */
export interface PageResponse {
  status: number;
  location: string | null;
  headers: Headers;
  text: string;
}

/** How a post strays from what the page's own form would send: the ways an attacker posts. */
export interface PostOptions {
  /** The Origin header (default: the server's own). */
  origin?: string;
  /** false: leave the page's CSRF token out of the form. */
  csrf?: boolean;
  /** Request headers sent on top, e.g. Sec-Fetch-Site. */
  headers?: Record<string, string>;
  /** Cookies this browser holds but does not send with this post. */
  withoutCookies?: readonly string[];
  /** The fields as a JSON body instead of a form. */
  json?: boolean;
}

export class Browserless {
  private readonly cookies = new Map<string, string>();
  csrf = "";

  constructor(private readonly base: string) {}

  private keep(r: Response): void {
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const at = pair.indexOf("=");
      this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
  }

  private cookieHeader(without: readonly string[] = []): string {
    return [...this.cookies]
      .filter(([k, v]) => v !== "" && !without.includes(k))
      .map(([k, v]) => `${k}=${v}`)
      .join("; ");
  }

  /** A cookie's current value, if this browser holds it. */
  cookie(name: string): string | undefined {
    return this.cookies.get(name) || undefined;
  }

  private async answer(r: Response): Promise<PageResponse> {
    this.keep(r);
    const text = await r.text();
    // The next post uses the token of the form last shown, as a person's browser would.
    const csrf = /name="csrf" value="([^"]+)"/.exec(text)?.[1];
    if (csrf) this.csrf = csrf;
    return { status: r.status, location: r.headers.get("location"), headers: r.headers, text };
  }

  /** A page load; `headers` are sent on top (e.g. Accept-Language). */
  async get(path: string, headers: Record<string, string> = {}): Promise<PageResponse> {
    return this.answer(await fetch(`${this.base}${path}`, { redirect: "manual", headers: { ...headers, Cookie: this.cookieHeader() } }));
  }

  /** A form post as the page would send it; the options play an attacker. */
  async post(path: string, fields: Record<string, string>, opts: PostOptions = {}): Promise<PageResponse> {
    const all = { ...(opts.csrf === false ? {} : { csrf: this.csrf }), ...fields };
    const r = await fetch(`${this.base}${path}`, {
      method: "POST",
      redirect: "manual",
      headers: {
        Cookie: this.cookieHeader(opts.withoutCookies),
        Origin: opts.origin ?? this.base,
        "Content-Type": opts.json ? "application/json" : "application/x-www-form-urlencoded",
        ...opts.headers,
      },
      body: opts.json ? JSON.stringify(all) : new URLSearchParams(all).toString(),
    });
    return this.answer(r);
  }

  /** Signs up on the page (which also signs this browser in). */
  async signUp(username: string): Promise<void> {
    await this.get("/account/register");
    const r = await this.post("/account/register", { username, password: "a long enough password", password_confirm: "a long enough password" });
    assert.equal(r.status, 303, r.text);
  }

  /** Signs in on the sign-in page, as a person would: the page first (its CSRF token), then the form. */
  async signIn(username: string, password: string): Promise<void> {
    await this.get("/account/login");
    const r = await this.post("/account/login", { username, password, next: "/account/" });
    assert.equal(r.status, 303, r.text);
    assert.ok(this.cookie("lattice_session"), "signed in");
  }
}
