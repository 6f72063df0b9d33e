/**
 * Screenshots of the account pages, to look at them: renders every sample page
 * (test/fixtures/oauthPages/samples.ts) with its real headers (CSP included) from a small HTTP
 * server on 127.0.0.1, opens each in Debian's chromium through playwright-core, and saves PNGs
 * at phone and desktop widths, light and dark.
 *
 *   node --import tsx test/tools/pageScreenshots.ts <outdir> [name-filter]
 *
 * CSP violations and failed requests are printed: a screenshot of a page whose stylesheet was
 * blocked would look plain without saying why. (The hostile-data sample expects none either: its
 * logo URL is one the CSP could not name, so the page does not show it.)
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { launchBrowser } from "../e2e/oauthHelpers.js";
import { htmlPage } from "../../worker/oauth/pages/layout.js";
import { styleResponse, STYLESHEET_PATH } from "../../worker/oauth/pages/style.js";
import { samples } from "../fixtures/oauthPages/samples.js";

const outDir = process.argv[2];
const filter = process.argv[3] ?? "";
if (!outDir) {
  console.error("usage: node --import tsx test/tools/pageScreenshots.ts <outdir> [name-filter]");
  process.exit(2);
}

/**
 * A sample app logo, as a client would host it on its own https site: the browser's request for
 * LOGO_URL is answered by playwright, so nothing leaves the machine.
 */
const LOGO_URL = "https://app.element.io/logo.svg";
const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#0dbd8b"/><g fill="none" stroke="#fff" stroke-width="6" stroke-linecap="round"><path d="M26 16h10a12 12 0 0 1 12 12"/><path d="M38 48H28a12 12 0 0 1-12-12"/><path d="M16 26v10"/><path d="M48 38V28"/></g></svg>`;

async function send(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    if (key !== "set-cookie") headers[key] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies;
  res.writeHead(response.status, headers);
  res.end(Buffer.from(await response.arrayBuffer()));
}

async function main(): Promise<void> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    if (path === STYLESHEET_PATH) return void send(res, styleResponse());
    const sample = samples(LOGO_URL).find((s) => `/p/${s.name}` === path);
    if (!sample) return void send(res, new Response("not found", { status: 404 }));
    return void send(res, htmlPage(sample.page));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const browser = await launchBrowser();
  const variants = [
    { dir: "phone", viewport: { width: 390, height: 844 }, colorScheme: "light" as const, isMobile: true },
    { dir: "desktop", viewport: { width: 1280, height: 800 }, colorScheme: "light" as const, isMobile: false },
    { dir: "phone-dark", viewport: { width: 390, height: 844 }, colorScheme: "dark" as const, isMobile: true },
    { dir: "desktop-dark", viewport: { width: 1280, height: 800 }, colorScheme: "dark" as const, isMobile: false },
  ];
  const problems: string[] = [];
  let count = 0;
  try {
    for (const v of variants) {
      mkdirSync(join(outDir, v.dir), { recursive: true });
      const context = await browser.newContext({ viewport: v.viewport, colorScheme: v.colorScheme, isMobile: v.isMobile, hasTouch: v.isMobile, deviceScaleFactor: 1 });
      // The route added last is tried first: the logo, then nothing else may leave the machine
      // (a page asking for anything else is a bug to see).
      await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
      await context.route(LOGO_URL, (route) => route.fulfill({ status: 200, contentType: "image/svg+xml", body: LOGO }));
      for (const s of samples(LOGO_URL).filter((x) => x.name.includes(filter))) {
        const page = await context.newPage();
        page.on("console", (m) => {
          if (m.type() === "error") problems.push(`${v.dir}/${s.name}: ${m.text()}`);
        });
        page.on("requestfailed", (r) => problems.push(`${v.dir}/${s.name}: ${r.url()} failed (${r.failure()?.errorText})`));
        await page.goto(`${base}/p/${s.name}`, { waitUntil: "load" });
        await page.screenshot({ path: join(outDir, v.dir, `${s.name}.png`), fullPage: true });
        await page.close();
        count++;
      }
      await context.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  console.log(`${count} screenshots in ${outDir}`);
  for (const p of problems) console.log(`problem: ${p}`);
  if (problems.length) process.exitCode = 1;
}

await main();
