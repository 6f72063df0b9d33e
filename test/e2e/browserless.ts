/**
 * A browser played over raw HTTP for the OAuth pages: cookies kept by hand from each Set-Cookie,
 * the CSRF token read off each page's form, redirects not followed (the tests read Location).
 */
import assert from "node:assert/strict";

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

  private cookieHeader(): string {
    return [...this.cookies].filter(([, v]) => v !== "").map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async get(path: string): Promise<{ status: number; location: string | null; headers: Headers; text: string }> {
    const r = await fetch(`${this.base}${path}`, { redirect: "manual", headers: { Cookie: this.cookieHeader() } });
    this.keep(r);
    const text = await r.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(text)?.[1];
    if (csrf) this.csrf = csrf;
    return { status: r.status, location: r.headers.get("location"), headers: r.headers, text };
  }

  /** A form post as the page would send it; `origin` and `csrf: false` play an attacker. */
  async post(path: string, fields: Record<string, string>, opts: { origin?: string; csrf?: boolean } = {}): Promise<{ status: number; location: string | null; headers: Headers; text: string }> {
    const body = new URLSearchParams({ ...(opts.csrf === false ? {} : { csrf: this.csrf }), ...fields });
    const r = await fetch(`${this.base}${path}`, {
      method: "POST",
      redirect: "manual",
      headers: { Cookie: this.cookieHeader(), Origin: opts.origin ?? this.base, "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
    });
    this.keep(r);
    return { status: r.status, location: r.headers.get("location"), headers: r.headers, text: await r.text() };
  }

  /** Signs up on the page (which also signs this browser in). */
  async signUp(username: string): Promise<void> {
    await this.get("/account/register");
    const r = await this.post("/account/register", { username, password: "a long enough password", password_confirm: "a long enough password" });
    assert.equal(r.status, 303, r.text);
  }
}

