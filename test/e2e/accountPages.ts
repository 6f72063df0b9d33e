/**
 * Helpers for e2e tests of the account pages: Debian's chromium through playwright-core (one
 * browser per test file, a fresh context — its own cookies — per test), signing in on
 * /account/login by the form's labels, and users with named devices over the Client-Server API.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { call, type TestUser } from "./harness.js";

/** A new browser profile (no cookies) and a page in it. */
export async function freshPage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  return { context, page: await context.newPage() };
}

/** Fills and submits the sign-in form the page is showing, and waits for where it leads. */
export async function submitSignIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/account/login")), page.getByRole("button", { name: "Sign in" }).click()]);
}

/** Signs the browser in on /account/login and lands on the account page. */
export async function signIn(page: Page, base: string, user: TestUser): Promise<void> {
  await page.goto(`${base}/account/login`);
  await submitSignIn(page, localpartOf(user.userId), user.password);
}

export function localpartOf(userId: string): string {
  return userId.slice(1, userId.indexOf(":"));
}

let counter = 0;

/** A user registered over the Client-Server API whose first device is named `firstName`. */
export async function registerNamed(base: string, prefix: string, firstName: string, password = "correct horse battery"): Promise<TestUser> {
  const username = `${prefix}${Date.now().toString(36)}${counter++}`;
  const r = await call(base, "POST", "/_matrix/client/v3/register", {
    body: { username, password, initial_device_display_name: firstName, auth: { type: "m.login.dummy" } },
  });
  if (r.status !== 200) throw new Error(`register failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { userId: String(r.body.user_id), accessToken: String(r.body.access_token), deviceId: String(r.body.device_id), password };
}

/** Another device of `user`, named `name`, by password login. */
export async function loginNamed(base: string, user: TestUser, name: string, password = user.password): Promise<TestUser> {
  const r = await passwordLogin(base, user.userId, password, name);
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { ...user, deviceId: String(r.body.device_id), accessToken: String(r.body.access_token) };
}

export function passwordLogin(base: string, userId: string, password: string, deviceName?: string) {
  return call(base, "POST", "/_matrix/client/v3/login", {
    body: { type: "m.login.password", identifier: { type: "m.id.user", user: userId }, password, initial_device_display_name: deviceName },
  });
}

/** GET /account/whoami's status for an access token: 200 while its session lives, 401 once it is gone. */
export async function whoamiStatus(base: string, token: string): Promise<number> {
  return (await call(base, "GET", "/_matrix/client/v3/account/whoami", { token })).status;
}
