/**
 * Application service benchmark (bench/README.md "Application service figures"): how long a room
 * message takes to reach a bridge in a transaction, what each bridged message costs, and how long
 * a bridge's ghost's message takes to reach a normal user's /sync.
 *
 * The bridge is the test suite's loopback fake (test/e2e/fakeAppservice.ts), registered through
 * the APPSERVICES var, so it must run before the server starts: run.ts calls
 * startBenchAppservice() first and passes its `vars` to the server.
 *
 * A public room of 3 normal users, the bridge's bot and 3 ghosts (registered with
 * m.login.application_service, joined by the bot's as_token with ?user_id=). Every event of the
 * room interests the service (its users are members), so each message should become one event in
 * a transaction, and sent one at a time one transaction each.
 */
import { pathToFileURL } from "node:url";
import { call, registerUser, startServer, type TestUser } from "../test/e2e/harness.js";
import { startFakeAppservice, type FakeAppservice, type TxnAttempt } from "../test/e2e/fakeAppservice.js";
import { costPer, quiet, readMetrics, round, phaseTimer, summarize, waitParked, type Cost, type Metrics } from "./clientServer.js";

const NORMAL_USERS = 3;
const GHOSTS = 3;
const WARMUP_MESSAGES = 3;
/** Messages sent one at a time, each waited for at the service (the latency and its cost). */
const LATENCY_MESSAGES = 50;
/** Messages sent back to back, then all waited for (the cost when transactions can batch). */
const BATCH_MESSAGES = 50;
/** Ghost messages (masquerading) timed until a normal user's /sync has them. */
const REVERSE_MESSAGES = 30;
/** Between two one-at-a-time messages: no DO call for this long (as bench/push.ts). */
const SETTLE_MS = 100;
const ARRIVAL_TIMEOUT_MS = 15_000;

const AS_TOKEN = "as_bench_bridge";
const HS_TOKEN = "hs_bench_bridge";
const BOT_LOCALPART = "benchbridgebot";
const GHOST_PREFIX = "benchghost_";

export interface BenchAppservice {
  fake: FakeAppservice;
  /** Server vars registering the fake: APPSERVICES. */
  vars: Record<string, string>;
}

/** Starts the fake bridge; its registration goes into the server's vars. */
export async function startBenchAppservice(): Promise<BenchAppservice> {
  const fake = await startFakeAppservice({ hsToken: HS_TOKEN });
  const yaml = `id: benchbridge
url: ${fake.base}
as_token: ${AS_TOKEN}
hs_token: ${HS_TOKEN}
sender_localpart: ${BOT_LOCALPART}
rate_limited: false
namespaces:
  users: [{exclusive: true, regex: "@${GHOST_PREFIX}.*"}]
`;
  return { fake, vars: { APPSERVICES: yaml } };
}

export interface AppserviceFigures {
  setup: { normal_users: number; ghosts: number; bot: string };
  /** From just before a normal user's PUT /send until the transaction carrying it arrived. */
  event_to_transaction: ReturnType<typeof summarize>;
  /** The PUT /send itself, for comparison (the push to the service runs after it answers). */
  send_latency: ReturnType<typeof summarize>;
  /** From a ghost's PUT /send (as_token, ?user_id=) until a normal user's parked /sync returned it. */
  ghost_send_to_sync: ReturnType<typeof summarize>;
  /** What the service saw: sent one at a time (each waited for), and sent back to back. */
  transactions: {
    one_at_a_time: { transactions_per_message: number; events_per_transaction: number };
    batch: { transactions_per_message: number; events_per_transaction: number };
    /** Attempts answered other than 200 (should be 0: the fake accepts everything). */
    failed_attempts: number;
  };
  cost?: {
    /** Per message of the one-at-a-time phase: DO requests, split by class and method. */
    one_at_a_time: Cost & { do_calls_by_class: Record<string, number> };
    /** Per message of the back-to-back batch. */
    batch: Cost & { do_calls_by_class: Record<string, number> };
  };
  timings_s: Record<string, number>;
}

// ---- the service's side ----------------------------------------------------------------------

/** Times each event's first arrival at the fake and wakes waiters on each transaction. */
class Arrivals {
  readonly at = new Map<string, number>();
  transactions = 0;
  events = 0;
  failed = 0;
  private readonly waiters = new Set<() => void>();

  constructor(fake: FakeAppservice) {
    fake.onTransaction = (t) => this.record(performance.now(), t);
  }

  private record(now: number, t: TxnAttempt): void {
    this.transactions++;
    this.events += t.events.length;
    for (const e of t.events) if (typeof e.event_id === "string" && !this.at.has(e.event_id)) this.at.set(e.event_id, now);
    // The answer is decided after this hook; a wrong token would show as 401/403 on the attempt.
    queueMicrotask(() => {
      if (t.status !== 200) this.failed++;
    });
    for (const w of this.waiters) w();
  }

  snapshot(): { transactions: number; events: number } {
    return { transactions: this.transactions, events: this.events };
  }

  async waitFor(eventId: string): Promise<number> {
    const now = this.at.get(eventId);
    if (now !== undefined) return now;
    return new Promise<number>((resolve, reject) => {
      const check = (): void => {
        const at = this.at.get(eventId);
        if (at === undefined) return;
        cleanup();
        resolve(at);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${eventId} did not reach the service within ${ARRIVAL_TIMEOUT_MS} ms`));
      }, ARRIVAL_TIMEOUT_MS);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }
}

// ---- client calls ----------------------------------------------------------------------------

let seq = 0;
const nonce = (): string => `${Date.now().toString(36)}${(seq++).toString(36)}`;
const enc = encodeURIComponent;

async function ok(base: string, method: string, path: string, token: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await call(base, method, path, { token, body });
  if (r.status !== 200) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** PUT /send as a normal user, or as a ghost through the as_token and ?user_id=. */
async function sendText(base: string, roomId: string, body: string, as: { token: string; userId?: string }): Promise<string> {
  const qs = as.userId ? `?user_id=${enc(as.userId)}` : "";
  const r = await ok(base, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/${nonce()}${qs}`, as.token, { msgtype: "m.text", body });
  return String(r.event_id);
}

interface SyncBody {
  next_batch: string;
  rooms?: { join?: Record<string, { timeline?: { events?: Array<{ event_id?: string }> } }> };
}

async function sync(base: string, user: TestUser, query: string): Promise<SyncBody> {
  const r = await fetch(`${base}/_matrix/client/v3/sync${query}`, { headers: { Authorization: `Bearer ${user.accessToken}` } });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`sync → ${r.status} ${text}`);
  return JSON.parse(text) as SyncBody;
}

/** DO requests per operation per class (`do.<Class>` counters), e.g. {RoomDO: 1, AppServiceDO: 1}. */
function byClass(before: Metrics, after: Metrics, ops: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.counts)) {
    const m = /^do\.([^.]+)$/.exec(k);
    const d = v - (before.counts[k] ?? 0);
    if (m && d !== 0) out[m[1]] = round(d / ops);
  }
  return out;
}

const costWithClasses = (before: Metrics, after: Metrics, ops: number) => ({ ...costPer(before, after, ops), do_calls_by_class: byClass(before, after, ops) });

// ---- the benchmark ---------------------------------------------------------------------------

export async function benchAppservice(base: string, fake: FakeAppservice): Promise<AppserviceFigures> {
  const { phases, mark, end } = phaseTimer();
  const metricsOn = (await readMetrics(base)) !== undefined;
  const settle = async (): Promise<void> => {
    if (metricsOn) await quiet(base, SETTLE_MS);
    else await new Promise((r) => setTimeout(r, 2 * SETTLE_MS));
  };
  const arrivals = new Arrivals(fake);

  // Setup: 3 normal users in a public room; the bot is invited and joins; 3 ghosts register and join.
  let t = performance.now();
  const tag = nonce();
  const users = await Promise.all(Array.from({ length: NORMAL_USERS }, (_, i) => registerUser(base, `benchas${tag}u${i}`)));
  const [sender, reader] = users;
  const serverName = sender.userId.split(":").slice(1).join(":");
  const bot = `@${BOT_LOCALPART}:${serverName}`;
  const created = await ok(base, "POST", "/_matrix/client/v3/createRoom", sender.accessToken, { preset: "public_chat", name: `appservice bench ${tag}` });
  const room = String(created.room_id);
  for (const u of users.slice(1)) await ok(base, "POST", `/_matrix/client/v3/join/${enc(room)}`, u.accessToken, {});
  await ok(base, "POST", `/_matrix/client/v3/rooms/${enc(room)}/invite`, sender.accessToken, { user_id: bot });
  await ok(base, "POST", `/_matrix/client/v3/rooms/${enc(room)}/join`, AS_TOKEN, {});
  const ghosts: string[] = [];
  for (let i = 0; i < GHOSTS; i++) {
    const username = `${GHOST_PREFIX}${tag}${i}`;
    const r = await ok(base, "POST", "/_matrix/client/v3/register", AS_TOKEN, { type: "m.login.application_service", username, inhibit_login: true });
    const userId = String(r.user_id);
    await ok(base, "POST", `/_matrix/client/v3/join/${enc(room)}?user_id=${enc(userId)}`, AS_TOKEN, {});
    ghosts.push(userId);
  }
  mark("setup", t);

  // Warm-up: the objects load and the service's queue runs once.
  t = performance.now();
  for (let i = 0; i < WARMUP_MESSAGES; i++) await arrivals.waitFor(await sendText(base, room, `warm ${i}`, { token: sender.accessToken }));
  await settle();
  mark("warmup", t);

  // 1. Event → transaction, one message at a time, the server settled in between.
  t = performance.now();
  const beforeOne = metricsOn ? await quiet(base) : undefined;
  const seenOne = arrivals.snapshot();
  const latency: number[] = [];
  const sends: number[] = [];
  for (let i = 0; i < LATENCY_MESSAGES; i++) {
    const s = performance.now();
    const eventId = await sendText(base, room, `latency ${i}`, { token: sender.accessToken });
    sends.push(performance.now() - s);
    latency.push((await arrivals.waitFor(eventId)) - s);
    await settle();
  }
  const afterOne = metricsOn ? await quiet(base) : undefined;
  const oneTx = arrivals.transactions - seenOne.transactions;
  const oneEv = arrivals.events - seenOne.events;
  mark("latency", t);

  // 2. A batch sent back to back, then every event waited for: transactions may carry several.
  t = performance.now();
  const beforeBatch = metricsOn ? await quiet(base) : undefined;
  const seenBatch = arrivals.snapshot();
  const ids: string[] = [];
  for (let i = 0; i < BATCH_MESSAGES; i++) ids.push(await sendText(base, room, `batch ${i}`, { token: sender.accessToken }));
  for (const id of ids) await arrivals.waitFor(id);
  const afterBatch = metricsOn ? await quiet(base) : undefined;
  const batchTx = arrivals.transactions - seenBatch.transactions;
  const batchEv = arrivals.events - seenBatch.events;
  mark("batch", t);

  // 3. The reverse: a ghost's message (as_token, ?user_id=) until the reader's parked /sync has it.
  t = performance.now();
  let since = (await sync(base, reader, "?timeout=0")).next_batch;
  since = (await sync(base, reader, `?since=${enc(since)}&timeout=0`)).next_batch;
  const reverse: number[] = [];
  for (let i = 0; i < REVERSE_MESSAGES; i++) {
    await settle();
    const m = metricsOn ? await readMetrics(base) : undefined;
    let poll = sync(base, reader, `?since=${enc(since)}&timeout=30000`);
    await waitParked(base, m ? (m.counts["do.UserDO.fetch"] ?? 0) : undefined);
    const s = performance.now();
    const sent = sendText(base, room, `ghost ${i}`, { token: AS_TOKEN, userId: ghosts[i % ghosts.length] });
    const eventId = await sent;
    for (;;) {
      const r = await poll;
      since = r.next_batch;
      if ((r.rooms?.join?.[room]?.timeline?.events ?? []).some((e) => e.event_id === eventId)) break;
      poll = sync(base, reader, `?since=${enc(since)}&timeout=30000`);
    }
    reverse.push(performance.now() - s);
  }
  mark("reverse", t);
  end();

  return {
    setup: { normal_users: NORMAL_USERS, ghosts: GHOSTS, bot },
    event_to_transaction: summarize(latency),
    send_latency: summarize(sends),
    ghost_send_to_sync: summarize(reverse),
    transactions: {
      one_at_a_time: { transactions_per_message: round(oneTx / LATENCY_MESSAGES), events_per_transaction: round(oneEv / Math.max(1, oneTx)) },
      batch: { transactions_per_message: round(batchTx / BATCH_MESSAGES), events_per_transaction: round(batchEv / Math.max(1, batchTx)) },
      failed_attempts: arrivals.failed,
    },
    cost:
      beforeOne && afterOne && beforeBatch && afterBatch
        ? { one_at_a_time: costWithClasses(beforeOne, afterOne, LATENCY_MESSAGES), batch: costWithClasses(beforeBatch, afterBatch, BATCH_MESSAGES) }
        : undefined,
    timings_s: phases,
  };
}

/** One line for a person reading the run. */
export function appserviceSummary(f: AppserviceFigures): string {
  const c = f.cost;
  const cost = c
    ? `; DO requests per bridged message ${c.one_at_a_time.do_calls} one at a time (${JSON.stringify(c.one_at_a_time.do_calls_by_class)}), ${c.batch.do_calls} back to back`
    : "";
  return (
    `appservice: event → transaction p50/p95 ${f.event_to_transaction.p50_ms}/${f.event_to_transaction.p95_ms} ms, ` +
    `ghost send → sync ${f.ghost_send_to_sync.p50_ms}/${f.ghost_send_to_sync.p95_ms} ms; ` +
    `transactions per message ${f.transactions.one_at_a_time.transactions_per_message} (batch ${f.transactions.batch.transactions_per_message}, ` +
    `${f.transactions.batch.events_per_transaction} events each)${cost}`
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const bridge = await startBenchAppservice();
  const server = await startServer({ vars: { RATE_LIMITS: "off", LATTICE_METRICS: "on", ...bridge.vars } });
  try {
    const figures = await benchAppservice(server.baseUrl, bridge.fake);
    console.log(JSON.stringify(figures, null, 2));
    console.error(appserviceSummary(figures));
  } finally {
    await server.stop();
    await bridge.fake.close();
  }
}
