/**
 * `npm run bench`: starts Lattice the way `npm start` does (wrangler dev → workerd, fresh state,
 * a free port, rate limits off, LATTICE_METRICS on), runs every benchmark module and prints one
 * JSON object with all figures and the machine they were measured on. Progress goes to stderr.
 * See bench/README.md for what each figure means.
 */
import { cpus, loadavg, totalmem, platform, release } from "node:os";
import { startServer } from "../test/e2e/harness.js";
import { registerUser } from "../test/e2e/harness.js";
import { benchClientServer, benchIdleLongPoll, targets } from "./clientServer.js";
import { benchSlidingSync, slidingTargets, type SlidingSyncFigures } from "./slidingSync.js";

type Result = { ok: true; figures: unknown; seconds: number } | { ok: false; skipped: string };

const log = (msg: string): void => {
  process.stderr.write(`[bench] ${msg}\n`);
};

/**
 * Loads an optional module (others may not have written it yet) and runs its named export.
 * A missing module, a missing export or a throw becomes a note in the output instead.
 */
async function optional(file: string, exportName: string, run: (fn: (...args: unknown[]) => Promise<unknown>) => Promise<unknown>, limitMs = 120_000): Promise<Result> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(new URL(file, import.meta.url).href)) as Record<string, unknown>;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { ok: false, skipped: /Cannot find module|ERR_MODULE_NOT_FOUND/.test(msg) ? `${file} does not exist yet` : `${file} failed to load: ${msg}` };
  }
  const fn = mod[exportName];
  if (typeof fn !== "function") return { ok: false, skipped: `${file} has no export ${exportName}` };
  return timed(file, () => run(fn as (...args: unknown[]) => Promise<unknown>), limitMs);
}

async function timed(name: string, run: () => Promise<unknown>, limitMs: number): Promise<Result> {
  const start = performance.now();
  log(`${name} …`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const figures = await Promise.race([
      run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`took longer than ${limitMs / 1000} s`)), limitMs);
      }),
    ]);
    const seconds = Math.round((performance.now() - start) / 100) / 10;
    log(`${name} done in ${seconds} s`);
    return { ok: true, figures, seconds };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    log(`${name} failed: ${msg}`);
    return { ok: false, skipped: `threw: ${msg}` };
  } finally {
    clearTimeout(timer);
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const cpuList = cpus();
  const machine = {
    date: new Date().toISOString(),
    cores: cpuList.length,
    cpu: cpuList[0]?.model ?? "unknown",
    memory_gb: Math.round(totalmem() / 2 ** 30),
    platform: `${platform()} ${release()}`,
    node: process.version,
    /** 1-minute load average before the run: other work on the machine skews every figure. */
    load_average_1m: Math.round(loadavg()[0] * 100) / 100,
  };
  log("starting Lattice (wrangler dev) …");
  const server = await startServer({ vars: { RATE_LIMITS: "off", LATTICE_METRICS: "on" } });
  log(`server at ${server.baseUrl}`);
  const out: Record<string, unknown> = { machine };
  try {
    const cs = await timed("clientServer", () => benchClientServer(server.baseUrl), 150_000);
    out.clientServer = cs;
    if (cs.ok) out.targets = targets(cs.figures as Parameters<typeof targets>[0]);

    // The idle long-poll waits a real 30 s doing nothing; the in-process (CPU-only) benchmarks
    // run meanwhile (they do not touch the server, so its counters stay the idle cycle's own),
    // one after the other so they do not skew each other's timings.
    const idlePromise = timed("idleLongPoll", () => benchIdleLongPoll(server.baseUrl), 90_000);
    const protocol = await optional("./protocol.ts", "benchProtocol", (fn) => fn());
    const stateResolution = await optional("./stateResolution.ts", "benchStateResolution", (fn) => fn());
    const idle = await idlePromise;
    out.idleLongPoll = idle;
    out.protocol = protocol;
    out.stateResolution = stateResolution;

    // Sliding sync (a user in 500 rooms) after the idle cycle, so its counters stay their own.
    const ss = await timed("slidingSync", () => benchSlidingSync(server.baseUrl), 150_000);
    out.slidingSync = ss;
    if (ss.ok) out.targets = { ...(out.targets as Record<string, unknown> | undefined), ...slidingTargets(ss.figures as SlidingSyncFigures) };

    out.oauth = await optional("./oauth.ts", "benchOAuth", (fn) => fn(server.baseUrl));

    const mediaUser = await registerUser(server.baseUrl, `benchmedia${Date.now().toString(36)}`);
    out.media = await optional("./media.ts", "benchMedia", (fn) => fn(server.baseUrl, mediaUser.accessToken));
    out.e2ee = await optional("./e2ee.ts", "benchE2ee", (fn) => fn(server.baseUrl));
  } finally {
    await server.stop();
  }
  // Federation starts its own two servers (and a fake third) after the single server is gone.
  out.federation = await optional("./federation.ts", "benchFederation", (fn) => fn(), 300_000);
  out.total_seconds = Math.round((performance.now() - started) / 100) / 10;
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
