/**
 * `npm run bench`: starts Lattice the way `npm start` does (wrangler dev → workerd, fresh state,
 * a free port, rate limits off, LATTICE_METRICS on), runs every benchmark module and prints one
 * JSON object with all figures and the machine they were measured on. Progress goes to stderr.
 * See bench/README.md for what each figure means.
 *
 * BENCH=push,oauth (comma-separated module names, as the output's keys) runs only those.
 */
import { cpus, loadavg, totalmem, platform, release } from "node:os";
import { startServer } from "../test/e2e/harness.js";
import { registerUser } from "../test/e2e/harness.js";
import { benchClientServer, benchIdleLongPoll, targets } from "./clientServer.js";
import { benchSlidingSync, slidingTargets, type SlidingSyncFigures } from "./slidingSync.js";
import { PUSH_SERVER_VARS, pushSummary, type PushFigures } from "./push.js";
import { appserviceSummary, benchAppservice, startBenchAppservice, type AppserviceFigures, type BenchAppservice } from "./appservice.js";

type Result = { ok: true; figures: unknown; seconds: number } | { ok: false; skipped: string };

const log = (msg: string): void => {
  process.stderr.write(`[bench] ${msg}\n`);
};

/** BENCH=a,b: only these modules (by their key in the output; the others are left out); unset: all. */
const only = process.env.BENCH ? new Set(process.env.BENCH.split(",").map((s) => s.trim())) : undefined;
const want = (name: string): boolean => !only || only.has(name);
const SERVER_MODULES = ["clientServer", "idleLongPoll", "protocol", "stateResolution", "slidingSync", "oauth", "push", "media", "e2ee", "search", "appservice"];

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
  const out: Record<string, unknown> = { machine };
  if (SERVER_MODULES.some(want)) {
    // The application service bench's fake bridge must be up before the server reads APPSERVICES.
    const bridge = want("appservice") ? await startBenchAppservice() : undefined;
    log("starting Lattice (wrangler dev) …");
    const server = await startServer({ vars: { RATE_LIMITS: "off", LATTICE_METRICS: "on", ...PUSH_SERVER_VARS, ...bridge?.vars } });
    log(`server at ${server.baseUrl}`);
    try {
      await runOnServer(server.baseUrl, out, bridge);
    } finally {
      await server.stop();
      await bridge?.fake.close();
    }
  }
  // Federation starts its own two servers (and a fake third) after the single server is gone.
  out.federation = want("federation") ? await optional("./federation.ts", "benchFederation", (fn) => fn(), 300_000) : undefined;
  out.total_seconds = Math.round((performance.now() - started) / 100) / 10;
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

/** The modules that share one server, in an order that keeps each one's counters its own. */
async function runOnServer(base: string, out: Record<string, unknown>, bridge: BenchAppservice | undefined): Promise<void> {
  const cs = want("clientServer") ? await timed("clientServer", () => benchClientServer(base), 150_000) : undefined;
  out.clientServer = cs;
  if (cs?.ok) out.targets = targets(cs.figures as Parameters<typeof targets>[0]);

  // The idle long-poll waits a real 30 s doing nothing; the in-process (CPU-only) benchmarks
  // run meanwhile (they do not touch the server, so its counters stay the idle cycle's own),
  // one after the other so they do not skew each other's timings.
  const idlePromise = want("idleLongPoll") ? timed("idleLongPoll", () => benchIdleLongPoll(base), 90_000) : Promise.resolve(undefined);
  const protocol = want("protocol") ? await optional("./protocol.ts", "benchProtocol", (fn) => fn()) : undefined;
  const stateResolution = want("stateResolution") ? await optional("./stateResolution.ts", "benchStateResolution", (fn) => fn()) : undefined;
  out.idleLongPoll = await idlePromise;
  out.protocol = protocol;
  out.stateResolution = stateResolution;

  // Sliding sync (a user in 500 rooms) after the idle cycle, so its counters stay their own.
  const ss = want("slidingSync") ? await timed("slidingSync", () => benchSlidingSync(base), 150_000) : undefined;
  out.slidingSync = ss;
  if (ss?.ok) out.targets = { ...(out.targets as Record<string, unknown> | undefined), ...slidingTargets(ss.figures as SlidingSyncFigures) };

  out.oauth = want("oauth") ? await optional("./oauth.ts", "benchOAuth", (fn) => fn(base)) : undefined;

  // Push: a gateway in this process; the server allows it through PUSH_ALLOW_HOSTS.
  const push = want("push") ? await optional("./push.ts", "benchPush", (fn) => fn(base)) : undefined;
  out.push = push;
  if (push?.ok) log(pushSummary(push.figures as PushFigures));

  if (want("media")) {
    const mediaUser = await registerUser(base, `benchmedia${Date.now().toString(36)}`);
    out.media = await optional("./media.ts", "benchMedia", (fn) => fn(base, mediaUser.accessToken));
  }
  out.e2ee = want("e2ee") ? await optional("./e2ee.ts", "benchE2ee", (fn) => fn(base)) : undefined;
  // Search: a user in 20 rooms of 200 messages (filling them is most of its time).
  out.search = want("search") ? await optional("./search.ts", "benchSearch", (fn) => fn(base), 300_000) : undefined;

  // Application services: the fake bridge registered through APPSERVICES (started in main).
  const as = bridge ? await timed("appservice", () => benchAppservice(base, bridge.fake), 180_000) : undefined;
  out.appservice = as;
  if (as?.ok) log(appserviceSummary(as.figures as AppserviceFigures));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
