/**
 * Client-Server API benchmark (issue 2): latency, throughput and cost per operation of a running
 * Lattice, measured with raw fetch. bench/run.ts starts the server and calls these functions;
 * bench/README.md explains each figure.
 *
 * Cost figures read the opt-in counters at GET /_lattice/metrics (LATTICE_METRICS = "on"):
 * Worker requests, and Durable Object calls per class and method with the caller's wall time.
 * Counters are global, so each cost figure is a difference of two snapshots taken while nothing
 * else runs, after the server has gone quiet (fan-out to members happens after a send returns).
 */
import { call, registerUser, type TestUser } from "../test/e2e/harness.js";

/** Sizes, all bounded so the whole run stays well under three minutes. */
const SEND_SAMPLES = 300;
const MEMBERS = 10;
const THROUGHPUT_PER_SENDER = 60;
const WAKE_SAMPLES = 100;
const INITIAL_SYNC_ROOMS = 20;
const INITIAL_SYNC_MESSAGES = 50;
const INITIAL_SYNC_RUNS = 5;
const LOGIN_RUNS = 10;
const COST_SENDS = 20;
const DIAGNOSTIC_SAMPLES = 100;

export interface Metrics {
  counts: Record<string, number>;
  ms: Record<string, number>;
}

/** What one operation costs: Worker requests, DO calls (total, per class and method), DO ms. */
export interface Cost {
  worker_requests: number;
  do_calls: number;
  do_calls_by_method: Record<string, number>;
  /** Summed caller-side wall time of the DO calls (an upper bound on billed DO duration). */
  do_call_ms: number;
  /** The same per class and method: where the time of the operation goes. */
  do_ms_by_method: Record<string, number>;
}

let seq = 0;
const nonce = (): string => `${Date.now().toString(36)}-${(seq++).toString(36)}`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** The seconds each phase of a benchmark took (its timings_s), and the whole run's as `total`. */
export function phaseTimer(): { phases: Record<string, number>; mark: (name: string, since: number) => void; end: () => Record<string, number> } {
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  const mark = (name: string, since: number): void => {
    phases[name] = round((performance.now() - since) / 1000, 1);
  };
  const end = (): Record<string, number> => {
    mark("total", t0);
    return phases;
  };
  return { phases, mark, end };
}

export function summarize(samples: number[]): { n: number; p50_ms: number; p95_ms: number; mean_ms: number; max_ms: number } {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, p50_ms: round(percentile(s, 50)), p95_ms: round(percentile(s, 95)), mean_ms: round(mean), max_ms: round(s[s.length - 1] ?? NaN) };
}

async function ok(base: string, method: string, path: string, opts: { token?: string; body?: unknown }): Promise<Record<string, unknown>> {
  const r = await call(base, method, path, opts);
  if (r.status !== 200) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function createRoom(base: string, user: TestUser): Promise<string> {
  const body = await ok(base, "POST", "/_matrix/client/v3/createRoom", { token: user.accessToken, body: { preset: "public_chat", name: `bench ${nonce()}` } });
  return String(body.room_id);
}

async function join(base: string, user: TestUser, roomId: string): Promise<void> {
  await ok(base, "POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, { token: user.accessToken, body: {} });
}

async function sendText(base: string, user: TestUser, roomId: string, body: string): Promise<string> {
  const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${nonce()}`;
  const r = await ok(base, "PUT", path, { token: user.accessToken, body: { msgtype: "m.text", body } });
  return String(r.event_id);
}

interface SyncBody {
  next_batch: string;
  rooms?: { join?: Record<string, { timeline?: { events?: Array<{ content?: { body?: unknown } }> } }> };
}

async function syncOnce(base: string, user: TestUser, query: string): Promise<SyncBody> {
  const r = await fetch(`${base}/_matrix/client/v3/sync${query}`, { headers: { Authorization: `Bearer ${user.accessToken}` } });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`sync → ${r.status} ${text}`);
  return JSON.parse(text) as SyncBody;
}

function syncHasBody(s: SyncBody, roomId: string, body: string): boolean {
  return (s.rooms?.join?.[roomId]?.timeline?.events ?? []).some((e) => e.content?.body === body);
}

// ---- metrics ---------------------------------------------------------------------------------

export async function readMetrics(base: string): Promise<Metrics | undefined> {
  const r = await fetch(`${base}/_lattice/metrics`);
  if (r.status !== 200) {
    await r.text();
    return undefined;
  }
  return (await r.json()) as Metrics;
}

const doTotal = (m: Metrics): number => Object.entries(m.counts).reduce((a, [k, v]) => a + (/^do\.[^.]+$/.test(k) ? v : 0), 0);

/** Waits until no Durable Object call or request has happened for a while (fan-out done). */
export async function quiet(base: string, quietMs = 300, maxMs = 10_000): Promise<Metrics | undefined> {
  const end = Date.now() + maxMs;
  let last = await readMetrics(base);
  if (!last) {
    await new Promise((r) => setTimeout(r, quietMs * 2));
    return undefined;
  }
  let stableSince = Date.now();
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    const now = await readMetrics(base);
    if (!now) return undefined;
    if (doTotal(now) !== doTotal(last) || (now.counts["worker.requests"] ?? 0) !== (last.counts["worker.requests"] ?? 0)) stableSince = Date.now();
    else if (Date.now() - stableSince >= quietMs) return now;
    last = now;
  }
  return last;
}

/** The difference of two snapshots divided by the number of operations. */
export function costPer(before: Metrics, after: Metrics, ops: number): Cost {
  const byMethod: Record<string, number> = {};
  let calls = 0;
  let ms = 0;
  for (const [k, v] of Object.entries(after.counts)) {
    const d = v - (before.counts[k] ?? 0);
    if (d === 0 || !k.startsWith("do.")) continue;
    if (/^do\.[^.]+$/.test(k)) calls += d;
    else byMethod[k.slice(3)] = round(d / ops);
  }
  const msByMethod: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.ms)) {
    const d = v - (before.ms[k] ?? 0);
    ms += d;
    if (d !== 0) msByMethod[k.slice(3)] = round(d / ops);
  }
  return {
    worker_requests: round(((after.counts["worker.requests"] ?? 0) - (before.counts["worker.requests"] ?? 0)) / ops),
    do_calls: round(calls / ops),
    do_calls_by_method: byMethod,
    do_call_ms: round(ms / ops),
    do_ms_by_method: msByMethod,
  };
}

/** Runs fn between two quiet snapshots; the cost of one of `ops` operations. */
export async function measureCost(base: string, ops: number, fn: () => Promise<void>): Promise<Cost | undefined> {
  const before = await quiet(base);
  await fn();
  const after = await quiet(base);
  return before && after ? costPer(before, after, ops) : undefined;
}

/** Resolves once the user's long-poll is parked in the UserDO (its WebSocket fetch counted). */
export async function waitParked(base: string, parkedBefore: number | undefined): Promise<void> {
  if (parkedBefore === undefined) {
    await new Promise((r) => setTimeout(r, 30));
    return;
  }
  const end = Date.now() + 2000;
  while (Date.now() < end) {
    const m = await readMetrics(base);
    if ((m?.counts["do.UserDO.fetch"] ?? 0) > parkedBefore) return;
    await new Promise((r) => setTimeout(r, 2));
  }
}

// ---- the benchmark ---------------------------------------------------------------------------

export interface ClientServerFigures {
  send_latency: ReturnType<typeof summarize>;
  throughput_one_room: { senders: number; events: number; seconds: number; events_per_second: number };
  throughput_ten_rooms: { senders: number; rooms: number; events: number; seconds: number; events_per_second: number };
  sync_wakeup: ReturnType<typeof summarize> & { send_p50_ms: number };
  initial_sync: ReturnType<typeof summarize> & { rooms: number; messages_per_room: number; response_bytes: number };
  login: ReturnType<typeof summarize>;
  diagnostics: { whoami_request_floor: ReturnType<typeof summarize>; send_latency_room_of_1: ReturnType<typeof summarize> };
  cost?: {
    message_to_room_of_10: Cost | undefined;
    initial_sync_20_rooms: Cost | undefined;
    incremental_sync_no_wait: Cost | undefined;
    long_poll_woken_by_message_excluding_send: Cost | undefined;
  };
  timings_s: Record<string, number>;
}

export async function benchClientServer(base: string): Promise<ClientServerFigures> {
  const { phases: phase, mark, end } = phaseTimer();
  const metricsOn = (await readMetrics(base)) !== undefined;

  // Setup: 10 users in one public room.
  let t = performance.now();
  const users = await Promise.all(Array.from({ length: MEMBERS }, (_, i) => registerUser(base, `bench${nonce()}u${i}`)));
  const [alice, bob] = users;
  const room = await createRoom(base, alice);
  for (const u of users.slice(1)) await join(base, u, room);
  mark("setup", t);

  // Warm-up: a few sends so the objects are loaded and compiled.
  for (let i = 0; i < 10; i++) await sendText(base, alice, room, `warm ${i}`);
  await quiet(base);

  // 1. Send latency, one sender, room of 10 local members.
  t = performance.now();
  const sendSamples: number[] = [];
  for (let i = 0; i < SEND_SAMPLES; i++) {
    const s = performance.now();
    await sendText(base, alice, room, `latency ${i}`);
    sendSamples.push(performance.now() - s);
  }
  mark("send_latency", t);

  // Diagnostics: the floor of one authenticated request (whoami: Worker + one UserDO call), and
  // send latency in a room where the sender is the only member (no fan-out to others).
  const floorSamples: number[] = [];
  for (let i = 0; i < DIAGNOSTIC_SAMPLES; i++) {
    const s = performance.now();
    await ok(base, "GET", "/_matrix/client/v3/account/whoami", { token: alice.accessToken });
    floorSamples.push(performance.now() - s);
  }
  const soloRoom = await createRoom(base, alice);
  for (let i = 0; i < 10; i++) await sendText(base, alice, soloRoom, `warm ${i}`);
  await quiet(base);
  const soloSamples: number[] = [];
  for (let i = 0; i < DIAGNOSTIC_SAMPLES; i++) {
    const s = performance.now();
    await sendText(base, alice, soloRoom, `solo ${i}`);
    soloSamples.push(performance.now() - s);
  }

  // Cost of one message to a room of 10 local members (send + fan-out to 10 UserDOs).
  const costMessage = metricsOn
    ? await measureCost(base, COST_SENDS, async () => {
        for (let i = 0; i < COST_SENDS; i++) await sendText(base, alice, room, `cost ${i}`);
      })
    : undefined;

  // 2. Throughput: 10 concurrent senders in one room, then each in its own room (10 members each).
  t = performance.now();
  await quiet(base);
  let start = performance.now();
  await Promise.all(users.map(async (u, k) => {
    for (let i = 0; i < THROUGHPUT_PER_SENDER; i++) await sendText(base, u, room, `tp ${k} ${i}`);
  }));
  let secs = (performance.now() - start) / 1000;
  const events = MEMBERS * THROUGHPUT_PER_SENDER;
  const oneRoom = { senders: MEMBERS, events, seconds: round(secs), events_per_second: round(events / secs, 0) };

  const rooms = await Promise.all(users.map((u) => createRoom(base, u)));
  await Promise.all(rooms.map(async (r, k) => {
    for (const u of users) if (u !== users[k]) await join(base, u, r);
  }));
  await quiet(base);
  start = performance.now();
  await Promise.all(users.map(async (u, k) => {
    for (let i = 0; i < THROUGHPUT_PER_SENDER; i++) await sendText(base, u, rooms[k], `tp10 ${k} ${i}`);
  }));
  secs = (performance.now() - start) / 1000;
  const tenRooms = { senders: MEMBERS, rooms: MEMBERS, events, seconds: round(secs), events_per_second: round(events / secs, 0) };
  mark("throughput", t);

  // 3. Sync wake-up: Bob's long-poll is parked; Alice sends; time until Bob's sync has it.
  t = performance.now();
  await quiet(base);
  let since = (await syncOnce(base, bob, "?timeout=0")).next_batch;
  since = (await syncOnce(base, bob, `?since=${encodeURIComponent(since)}&timeout=0`)).next_batch;
  const wakeSamples: number[] = [];
  const wakeSendSamples: number[] = [];
  let costWake: Cost | undefined;
  for (let i = 0; i < WAKE_SAMPLES; i++) {
    const text = `wake ${i} ${nonce()}`;
    const before = !metricsOn ? undefined : i === 0 ? await quiet(base) : await readMetrics(base);
    const parked = before?.counts["do.UserDO.fetch"] ?? (metricsOn ? 0 : undefined);
    let poll = syncOnce(base, bob, `?since=${encodeURIComponent(since)}&timeout=30000`);
    await waitParked(base, parked);
    const parkedSnap = i === 0 && metricsOn ? await readMetrics(base) : undefined;
    const s = performance.now();
    const sent = sendText(base, alice, room, text).then(() => performance.now() - s);
    for (;;) {
      const r = await poll;
      since = r.next_batch;
      if (syncHasBody(r, room, text)) break;
      poll = syncOnce(base, bob, `?since=${encodeURIComponent(since)}&timeout=30000`);
    }
    wakeSamples.push(performance.now() - s);
    wakeSendSamples.push(await sent);
    if (i === 0 && before && parkedSnap) {
      const after = await quiet(base);
      if (after && costMessage) {
        // The whole cycle minus one message's cost: what the long-poll itself used.
        const whole = costPer(before, after, 1);
        const minus: Record<string, number> = {};
        for (const [k, v] of Object.entries(whole.do_calls_by_method)) {
          const d = round(v - (costMessage.do_calls_by_method[k] ?? 0));
          if (d !== 0) minus[k] = d;
        }
        // Time only of the calls the long-poll itself added (the send's time varies too much
        // between samples to subtract).
        const msByMethod: Record<string, number> = {};
        for (const k of Object.keys(minus)) if (whole.do_ms_by_method[k] !== undefined) msByMethod[k] = whole.do_ms_by_method[k];
        costWake = {
          worker_requests: round(whole.worker_requests - costMessage.worker_requests),
          do_calls: round(whole.do_calls - costMessage.do_calls),
          do_calls_by_method: minus,
          do_call_ms: round(Object.values(msByMethod).reduce((a, b) => a + b, 0)),
          do_ms_by_method: msByMethod,
        };
      }
    }
  }
  mark("sync_wakeup", t);

  // Incremental sync that returns at once (nothing new, timeout 0).
  const costIncremental = metricsOn
    ? await measureCost(base, 10, async () => {
        for (let i = 0; i < 10; i++) await syncOnce(base, bob, `?since=${encodeURIComponent(since)}&timeout=0`);
      })
    : undefined;

  // 4. Initial sync of a user in 20 rooms with 50 messages each.
  t = performance.now();
  const carol = await registerUser(base, `bench${nonce()}carol`);
  const carolRooms: string[] = [];
  for (let i = 0; i < INITIAL_SYNC_ROOMS; i++) carolRooms.push(await createRoom(base, carol));
  await Promise.all(carolRooms.map(async (r) => {
    for (let i = 0; i < INITIAL_SYNC_MESSAGES; i++) await sendText(base, carol, r, `history ${i}`);
  }));
  await quiet(base);
  mark("initial_sync_setup", t);
  t = performance.now();
  await syncOnce(base, carol, "?timeout=0"); // warm the objects once, as a returning client would
  const initialSamples: number[] = [];
  let bytes = 0;
  for (let i = 0; i < INITIAL_SYNC_RUNS; i++) {
    const s = performance.now();
    const r = await fetch(`${base}/_matrix/client/v3/sync?timeout=0`, { headers: { Authorization: `Bearer ${carol.accessToken}` } });
    const text = await r.text();
    initialSamples.push(performance.now() - s);
    bytes = text.length;
    const joined = Object.keys((JSON.parse(text) as SyncBody).rooms?.join ?? {}).length;
    if (joined !== INITIAL_SYNC_ROOMS) throw new Error(`initial sync had ${joined} rooms, expected ${INITIAL_SYNC_ROOMS}`);
  }
  const costInitial = metricsOn
    ? await measureCost(base, 1, async () => {
        await syncOnce(base, carol, "?timeout=0");
      })
    : undefined;
  mark("initial_sync", t);

  // 5. Login with password (PBKDF2 by design, so slow on purpose).
  t = performance.now();
  const loginSamples: number[] = [];
  for (let i = 0; i < LOGIN_RUNS; i++) {
    const s = performance.now();
    const localpart = alice.userId.slice(1, alice.userId.indexOf(":"));
    await ok(base, "POST", "/_matrix/client/v3/login", {
      body: { type: "m.login.password", identifier: { type: "m.id.user", user: localpart }, password: alice.password },
    });
    loginSamples.push(performance.now() - s);
  }
  mark("login", t);
  end();

  return {
    send_latency: summarize(sendSamples),
    throughput_one_room: oneRoom,
    throughput_ten_rooms: tenRooms,
    sync_wakeup: { ...summarize(wakeSamples), send_p50_ms: summarize(wakeSendSamples).p50_ms },
    initial_sync: { ...summarize(initialSamples), rooms: INITIAL_SYNC_ROOMS, messages_per_room: INITIAL_SYNC_MESSAGES, response_bytes: bytes },
    login: summarize(loginSamples),
    diagnostics: { whoami_request_floor: summarize(floorSamples), send_latency_room_of_1: summarize(soloSamples) },
    cost: metricsOn
      ? {
          message_to_room_of_10: costMessage,
          initial_sync_20_rooms: costInitial,
          incremental_sync_no_wait: costIncremental,
          long_poll_woken_by_message_excluding_send: costWake,
        }
      : undefined,
    timings_s: phase,
  };
}

/**
 * One real idle long-poll cycle (nothing happens for `timeoutMs`) and what it costs, extrapolated
 * to an hour: a client re-polls as soon as a sync returns, so an idle device makes about
 * 3600 / timeout cycles an hour.
 */
export async function benchIdleLongPoll(base: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const user = await registerUser(base, `bench${nonce()}idle`);
  const first = await syncOnce(base, user, "?timeout=0");
  const before = await quiet(base);
  const s = performance.now();
  const r = await syncOnce(base, user, `?since=${encodeURIComponent(first.next_batch)}&timeout=${timeoutMs}`);
  const cycleMs = performance.now() - s;
  const after = await readMetrics(base);
  void r;
  const cyclesPerHour = 3_600_000 / cycleMs;
  const out: Record<string, unknown> = { timeout_ms: timeoutMs, cycle_ms: round(cycleMs, 0), cycles_per_hour: round(cyclesPerHour, 1) };
  if (before && after) {
    const cycle = costPer(before, after, 1);
    out.per_cycle = cycle;
    out.per_idle_device_hour = {
      worker_requests: round(cycle.worker_requests * cyclesPerHour, 0),
      do_calls: round(cycle.do_calls * cyclesPerHour, 0),
      do_call_ms: round(cycle.do_call_ms * cyclesPerHour, 0),
    };
  }
  return out;
}

/** Used by bench/run.ts to compare figures with the targets of issue 2. */
export function targets(f: ClientServerFigures): Record<string, { target: string; value: number; met: boolean }> {
  return {
    send_p50: { target: "≤ 5 ms", value: f.send_latency.p50_ms, met: f.send_latency.p50_ms <= 5 },
    sync_wakeup_p50: { target: "≤ 10 ms", value: f.sync_wakeup.p50_ms, met: f.sync_wakeup.p50_ms <= 10 },
    initial_sync_p50: { target: "≤ 250 ms", value: f.initial_sync.p50_ms, met: f.initial_sync.p50_ms <= 250 },
    one_room_events_per_second: { target: "≥ 300", value: f.throughput_one_room.events_per_second, met: f.throughput_one_room.events_per_second >= 300 },
  };
}
