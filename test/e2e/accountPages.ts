/**
 * Helpers for e2e tests of the account pages: Debian's chromium through playwright-core (one
 * browser per test file, a fresh context — its own cookies — per test), and signing in on
 * /account/login by the form's labels.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { TestUser } from "./harness.js";

/**
 * Runs `run` on a page in a new browser profile (no cookies, as a person opening a link for the
 * first time), and closes the profile whatever happens.
 */
export async function withPage<T>(browser: Browser, run: (page: Page, context: BrowserContext) => Promise<T>): Promise<T> {
  const context = await browser.newContext();
  try {
    return await run(await context.newPage(), context);
  } finally {
    await context.close();
  }
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
