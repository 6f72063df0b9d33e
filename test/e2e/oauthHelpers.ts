/**
 * What the OAuth end-to-end tests share: a client's side of the protocol over raw HTTP
 * (registration, PKCE, the authorization URL, token requests) and the headless browser that
 * plays the person on the pages.
 */
import { createHash, randomBytes } from "node:crypto";
import { chromium, type Browser, type Page } from "playwright-core";

/** What Element X registers (test/fixtures/oauthClients.ts). */
export { ELEMENT_X_CLIENT as ELEMENT_X } from "../fixtures/oauthClients.js";

export const API_SCOPE = "urn:matrix:client:api:*";
/** RFC 8628's grant type, for the token endpoint and client registrations. */
export const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
export const deviceScope = (deviceId: string) => `${API_SCOPE} urn:matrix:client:device:${deviceId}`;

export async function registerClient(base: string, metadata: Record<string, unknown>): Promise<string> {
  const r = await fetch(`${base}/oauth2/registration`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(metadata) });
  const body = (await r.json()) as { client_id?: string };
  if (r.status !== 201 || typeof body.client_id !== "string") throw new Error(`registration failed: ${r.status} ${JSON.stringify(body)}`);
  return body.client_id;
}

export interface Pkce {
  verifier: string;
  challenge: string;
}

/** RFC 7636: a 43-character verifier and its S256 challenge. */
export function newPkce(): Pkce {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

export const randomId = (n = 10) => randomBytes(n).toString("hex").toUpperCase().slice(0, n);

/** The query of an authorization request as the spec's sample has it; `extra` adds or overrides. */
export function authorizationParams(clientId: string, redirectUri: string, pkce: Pkce, deviceId: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: deviceScope(deviceId),
    state: randomId(16),
    code_challenge: pkce.challenge,
    code_challenge_method: "S256",
    ...extra,
  };
}

export function authorizationUrl(base: string, params: Record<string, string>): string {
  return `${base}/oauth2/auth?${new URLSearchParams(params).toString()}`;
}

/** A form POST to an OAuth endpoint (token, revoke, device): status and JSON body. */
export async function postForm(base: string, path: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${base}${path}`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form).toString() });
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export async function whoami(base: string, accessToken: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${base}/_matrix/client/v3/account/whoami`, { headers: { Authorization: `Bearer ${accessToken}` } });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

/** The callback's parameters, from the query or the fragment, as the response mode put them. */
export function callbackParams(location: string, mode: "query" | "fragment" = "query"): URLSearchParams {
  if (mode === "fragment") {
    const at = location.indexOf("#");
    return new URLSearchParams(at < 0 ? "" : location.slice(at + 1));
  }
  const q = location.indexOf("?");
  const end = location.indexOf("#");
  return new URLSearchParams(q < 0 ? "" : location.slice(q + 1, end < 0 ? undefined : end));
}

/** Debian's chromium, headless: every browser test and test/tools/pageScreenshots.ts. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
}

/**
 * Clicks a button of the consent form and answers where the server sends the browser: the
 * Location of the form post's 303. The redirect URI never has to load (a private-use scheme
 * cannot in chromium; a web client's host does not exist).
 */
export async function decide(page: Page, button: "Allow" | "Deny"): Promise<string> {
  const response = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/account/consent");
  await page.getByRole("button", { name: button, exact: true }).click({ noWaitAfter: true });
  const r = await response;
  if (r.status() !== 303) throw new Error(`consent answered ${r.status()}`);
  const location = r.headers().location;
  if (!location) throw new Error("consent answered no Location");
  return location;
}

export async function signUpOnPage(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Confirm password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
}
