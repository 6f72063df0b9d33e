/**
 * Simplified sliding sync (MSC4186) benchmark: what Element X's room list costs a user in many
 * rooms. The first response of a fresh connection, the range growth to the whole list in Element
 * X's steps, the wake-up of a waiting sliding sync next to /sync's for the same user and room,
 * and the Worker and Durable Object requests of an idle and of a woken long-poll cycle, counted
 * as bench/clientServer.ts counts /sync's. bench/README.md explains each figure.
 */
import { call, registerUser, type TestUser } from "../test/e2e/harness.js";
import { costPer, phaseTimer, quiet, readMetrics, round, summarize, type Cost, type Metrics } from "./clientServer.js";
import { ELEMENT_X_ROOM_LIST_STATE, SLIDING_SYNC_PATH } from "../test/elementX.js";

/** Sizes, chosen so the whole module stays around half a minute. */
const ROOMS = 500;
const CREATE_CONCURRENCY = 8;
const FIRST_RUNS = 10;
const GROWTH_RUNS = 3;
/** Element X's room list grows its range in batches of 100 (matrix-sdk-ui room_list_service). */
const GROWTH_STEP = 100;
const WAKE_SAMPLES = 30;
const IDLE_CYCLES = 2;
const IDLE_TIMEOUT_MS = 1000;
const COST_SENDS = 10;



/** Element X's "room-list" connection request with one range. */
function roomList(end: number): Record<string, unknown> {
  return {
    conn_id: "room-list",
    lists: { all_rooms: { ranges: [[0, end]], required_state: ELEMENT_X_ROOM_LIST_STATE, filters: {}, timeline_limit: 1 } },
    extensions: { account_data: { enabled: true }, receipts: { enabled: true, rooms: ["*"] }, typing: { enabled: true } },
  };
}

interface SlidingBody {
  pos: string;
  lists: Record<string, { count: number }>;
  rooms: Record<string, { initial?: boolean; timeline?: Array<{ content?: { body?: unknown } }> }>;
}

interface SyncBody {
  next_batch: string;
  rooms?: { join?: Record<string, { timeline?: { events?: Array<{ content?: { body?: unknown } }> } }> };
}

let seq = 0;
const nonce = (): string => `${Date.now().toString(36)}-${(seq++).toString(36)}`;
const enc = encodeURIComponent;

async function slide(base: string, user: TestUser, end: number, query: { pos?: string; timeout: number }): Promise<{ body: SlidingBody; bytes: number }> {
  const q = new URLSearchParams();
  if (query.pos !== undefined) q.set("pos", query.pos);
  q.set("timeout", String(query.timeout));
  const r = await fetch(`${base}${SLIDING_SYNC_PATH}?${q}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${user.accessToken}`, "Content-Type": "application/json" },
    body: JSON.stringify(roomList(end)),
  });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`sliding sync → ${r.status} ${text}`);
  return { body: JSON.parse(text) as SlidingBody, bytes: text.length };
}

/** /sync with a one-event timeline (a user in 500 rooms; the default 10 would only slow the setup). */
const SYNC_FILTER = enc(JSON.stringify({ room: { timeline: { limit: 1 } } }));

async function syncOnce(base: string, user: TestUser, query: string): Promise<SyncBody> {
  const r = await fetch(`${base}/_matrix/client/v3/sync?filter=${SYNC_FILTER}&${query}`, { headers: { Authorization: `Bearer ${user.accessToken}` } });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`sync → ${r.status} ${text}`);
  return JSON.parse(text) as SyncBody;
}

async function ok(base: string, method: string, path: string, token: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await call(base, method, path, { token, body });
  if (r.status !== 200) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function sendText(base: string, user: TestUser, roomId: string, body: string): Promise<void> {
  await ok(base, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/${nonce()}`, user.accessToken, { msgtype: "m.text", body });
}

/**
 * Resolves once a long-poll started after `before` is parked: its WebSocket fetch to the UserDO
 * has been made and has settled (the 101 came back, so the UserDO has built the response that
 * was empty and accepted the socket). The metrics time a call when it settles.
 */
async function waitParked(base: string, before: Metrics | undefined): Promise<void> {
  if (!before) {
    await new Promise((r) => setTimeout(r, 100));
    return;
  }
  const calls = before.counts["do.UserDO.fetch"] ?? 0;
  const ms = before.ms["do.UserDO.fetch"] ?? 0;
  const end = Date.now() + 3000;
  let seenCall = false;
  while (Date.now() < end) {
    const m = await readMetrics(base);
    if ((m?.counts["do.UserDO.fetch"] ?? 0) > calls) {
      // A settled call adds its (whole-millisecond) time; give one that took under 1 ms a moment.
      if ((m?.ms["do.UserDO.fetch"] ?? 0) > ms) return;
      if (seenCall) {
        await new Promise((r) => setTimeout(r, 5));
        return;
      }
      seenCall = true;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
}

const hasBody = (events: Array<{ content?: { body?: unknown } }> | undefined, body: string): boolean => (events ?? []).some((e) => e.content?.body === body);

/** A cost without the cost of one message (the long-poll's own share of a woken cycle). */
function minusMessage(whole: Cost, message: Cost): Cost {
  const byMethod: Record<string, number> = {};
  for (const [k, v] of Object.entries(whole.do_calls_by_method)) {
    const d = round(v - (message.do_calls_by_method[k] ?? 0));
    if (d !== 0) byMethod[k] = d;
  }
  return {
    worker_requests: round(whole.worker_requests - message.worker_requests),
    do_calls: round(whole.do_calls - message.do_calls),
    do_calls_by_method: byMethod,
    // The time of everything in the cycle (deliverRoomEvents builds the woken response, so its
    // time includes that work): an upper bound, not the poll's share alone.
    do_call_ms: whole.do_call_ms,
    do_ms_by_method: whole.do_ms_by_method,
  };
}

export interface SlidingSyncFigures {
  setup: { rooms: number; seconds: number };
  first_response: ReturnType<typeof summarize> & { range: string; rooms_returned: number; response_bytes: number; list_count: number };
  range_growth: {
    runs: number;
    total: ReturnType<typeof summarize>;
    steps: Array<{ range: string; new_rooms: number; response_bytes: number } & ReturnType<typeof summarize>>;
  };
  wakeup: { sliding_sync: ReturnType<typeof summarize>; sync: ReturnType<typeof summarize>; send_p50_ms: number; range: string };
  cost?: {
    first_response: Cost | undefined;
    idle_cycle: Cost | undefined;
    woken_cycle_excluding_send: Cost | undefined;
    sync_idle_cycle: Cost | undefined;
    sync_woken_cycle_excluding_send: Cost | undefined;
  };
  timings_s: Record<string, number>;
}

export async function benchSlidingSync(base: string): Promise<SlidingSyncFigures> {
  const { phases: phase, mark, end } = phaseTimer();
  const metricsOn = (await readMetrics(base)) !== undefined;

  // Setup: Dave is in 500 rooms: one Alice made and invited him to (the room messages come
  // from), and 499 he made himself, each with a name, created a few at a time.
  let t = performance.now();
  const dave = await registerUser(base, `benchss${nonce()}dave`);
  const alice = await registerUser(base, `benchss${nonce()}alice`);
  const shared = String((await ok(base, "POST", "/_matrix/client/v3/createRoom", alice.accessToken, { preset: "private_chat", name: "shared", invite: [dave.userId] })).room_id);
  await ok(base, "POST", `/_matrix/client/v3/join/${enc(shared)}`, dave.accessToken, {});
  let made = 1;
  await Promise.all(
    Array.from({ length: CREATE_CONCURRENCY }, async () => {
      while (made < ROOMS) {
        const i = made++;
        await ok(base, "POST", "/_matrix/client/v3/createRoom", dave.accessToken, { preset: "private_chat", name: `bench room ${i}` });
      }
    }),
  );
  await quiet(base);
  mark("setup", t);

  // 1. First response of a fresh connection (no pos): Element X's room list, range [0,19].
  t = performance.now();
  await slide(base, dave, 19, { timeout: 0 }); // warm-up: the objects are loaded and compiled
  const firstSamples: number[] = [];
  let first = { body: { pos: "", lists: {}, rooms: {} } as SlidingBody, bytes: 0 };
  for (let i = 0; i < FIRST_RUNS; i++) {
    const s = performance.now();
    first = await slide(base, dave, 19, { timeout: 0 });
    firstSamples.push(performance.now() - s);
  }
  const listCount = first.body.lists.all_rooms?.count ?? 0;
  if (listCount !== ROOMS) throw new Error(`the list counted ${listCount} rooms, expected ${ROOMS}`);
  if (Object.keys(first.body.rooms).length !== 20) throw new Error(`the first response had ${Object.keys(first.body.rooms).length} rooms, expected 20`);
  const costFirst = metricsOn
    ? await (async () => {
        const before = await quiet(base);
        await slide(base, dave, 19, { timeout: 0 });
        const after = await quiet(base);
        return before && after ? costPer(before, after, 1) : undefined;
      })()
    : undefined;
  mark("first_response", t);

  // 2. Range growth as Element X does it: [0,19], then [[0,99]], [[0,199]], … with timeout 0.
  t = performance.now();
  const ends: number[] = [];
  for (let end = GROWTH_STEP - 1; end < ROOMS - 1 + GROWTH_STEP; end += GROWTH_STEP) ends.push(Math.min(end, ROOMS - 1));
  const stepSamples = ends.map(() => [] as number[]);
  const stepNew = ends.map(() => 0);
  const stepBytes = ends.map(() => 0);
  const totals: number[] = [];
  let pos = "";
  for (let run = 0; run < GROWTH_RUNS; run++) {
    pos = (await slide(base, dave, 19, { timeout: 0 })).body.pos;
    let total = 0;
    for (const [k, end] of ends.entries()) {
      const s = performance.now();
      const r = await slide(base, dave, end, { pos, timeout: 0 });
      const ms = performance.now() - s;
      total += ms;
      stepSamples[k].push(ms);
      stepNew[k] = Object.keys(r.body.rooms).length;
      stepBytes[k] = r.bytes;
      pos = r.body.pos;
    }
    totals.push(total);
  }
  mark("range_growth", t);

  // 3. Wake-up: Dave's long-poll waits (the whole list, as Element X's once fully loaded, and
  // /sync's for comparison, one after the other); Alice sends into their room; the time from
  // the start of her send until Dave's request returns with the message.
  t = performance.now();
  const last = ROOMS - 1;
  let since = (await syncOnce(base, dave, "timeout=0")).next_batch;
  since = (await syncOnce(base, dave, `since=${enc(since)}&timeout=0`)).next_batch;
  pos = (await slide(base, dave, last, { pos, timeout: 0 })).body.pos;
  const slidingWake: number[] = [];
  const syncWake: number[] = [];
  const sendTimes: number[] = [];
  const wakeSliding = async (text: string): Promise<number> => {
    const before = await readMetrics(base);
    let poll = slide(base, dave, last, { pos, timeout: 30_000 });
    await waitParked(base, before);
    const s = performance.now();
    const sent = sendText(base, alice, shared, text).then(() => performance.now() - s);
    for (;;) {
      const r = (await poll).body;
      pos = r.pos;
      if (hasBody(r.rooms[shared]?.timeline, text)) break;
      poll = slide(base, dave, last, { pos, timeout: 30_000 });
    }
    const ms = performance.now() - s;
    sendTimes.push(await sent);
    return ms;
  };
  const wakeSync = async (text: string): Promise<number> => {
    const before = await readMetrics(base);
    let poll = syncOnce(base, dave, `since=${enc(since)}&timeout=30000`);
    await waitParked(base, before);
    const s = performance.now();
    const sent = sendText(base, alice, shared, text).then(() => performance.now() - s);
    for (;;) {
      const r = await poll;
      since = r.next_batch;
      if (hasBody(r.rooms?.join?.[shared]?.timeline?.events, text)) break;
      poll = syncOnce(base, dave, `since=${enc(since)}&timeout=30000`);
    }
    const ms = performance.now() - s;
    await sent;
    return ms;
  };
  // Each request first catches up (timeout 0, not timed) on the other's message, so the
  // long-poll timed has nothing new when it parks.
  const catchUp = async (): Promise<void> => {
    pos = (await slide(base, dave, last, { pos, timeout: 0 })).body.pos;
    since = (await syncOnce(base, dave, `since=${enc(since)}&timeout=0`)).next_batch;
  };
  for (let i = 0; i < 3; i++) {
    await catchUp();
    await wakeSliding(`warm ${nonce()}`);
    await catchUp();
    await wakeSync(`warm ${nonce()}`);
  }
  sendTimes.length = 0;
  for (let i = 0; i < WAKE_SAMPLES; i++) {
    // Alternating, so a change of load on the machine touches both alike.
    await catchUp();
    slidingWake.push(await wakeSliding(`wake ${i} ${nonce()}`));
    await catchUp();
    syncWake.push(await wakeSync(`wake ${i} ${nonce()}`));
  }
  mark("wakeup", t);

  // 4. Cost per long-poll cycle, idle (times out with nothing new) and woken by a message.
  t = performance.now();
  let cost: SlidingSyncFigures["cost"];
  if (metricsOn) {
    const cycle = async (n: number, fn: () => Promise<void>): Promise<Cost | undefined> => {
      const before = await quiet(base);
      for (let i = 0; i < n; i++) await fn();
      const after = await quiet(base);
      return before && after ? costPer(before, after, n) : undefined;
    };
    await catchUp();
    const idle = await cycle(IDLE_CYCLES, async () => {
      const r = await slide(base, dave, last, { pos, timeout: IDLE_TIMEOUT_MS });
      if (r.body.pos !== pos || Object.keys(r.body.rooms).length > 0) throw new Error(`the idle sliding sync cycle was not idle: ${pos} ${JSON.stringify(r.body).slice(0, 3000)}`);
    });
    const syncIdle = await cycle(IDLE_CYCLES, async () => {
      const r = await syncOnce(base, dave, `since=${enc(since)}&timeout=${IDLE_TIMEOUT_MS}`);
      if (r.next_batch !== since) throw new Error("the idle /sync cycle was not idle");
    });
    const message = await cycle(COST_SENDS, () => sendText(base, alice, shared, `cost ${nonce()}`));
    // Catch up on those messages (and each woken cycle's), so each long-poll below waits.
    await catchUp();
    const woken = await cycle(1, async () => {
      await wakeSliding(`cost wake ${nonce()}`);
    });
    await catchUp();
    const syncWoken = await cycle(1, async () => {
      await wakeSync(`cost wake ${nonce()}`);
    });
    cost = {
      first_response: costFirst,
      idle_cycle: idle,
      woken_cycle_excluding_send: woken && message ? minusMessage(woken, message) : undefined,
      sync_idle_cycle: syncIdle,
      sync_woken_cycle_excluding_send: syncWoken && message ? minusMessage(syncWoken, message) : undefined,
    };
  }
  mark("cost", t);
  end();

  return {
    setup: { rooms: ROOMS, seconds: phase.setup },
    first_response: { ...summarize(firstSamples), range: "[0,19]", rooms_returned: Object.keys(first.body.rooms).length, response_bytes: first.bytes, list_count: listCount },
    range_growth: {
      runs: GROWTH_RUNS,
      total: summarize(totals),
      steps: ends.map((end, k) => ({ range: `[0,${end}]`, new_rooms: stepNew[k], response_bytes: stepBytes[k], ...summarize(stepSamples[k]) })),
    },
    wakeup: { sliding_sync: summarize(slidingWake), sync: summarize(syncWake), send_p50_ms: summarize(sendTimes).p50_ms, range: `[0,${last}]` },
    cost,
    timings_s: phase,
  };
}

/** Used by bench/run.ts to compare figures with the targets of the sliding sync work. */
export function slidingTargets(f: SlidingSyncFigures): Record<string, { target: string; value: number | string; met: boolean }> {
  const idle = f.cost?.idle_cycle;
  return {
    sliding_first_response_p50: { target: "≤ 50 ms", value: f.first_response.p50_ms, met: f.first_response.p50_ms <= 50 },
    sliding_wakeup_p50: { target: `≤ /sync's (${f.wakeup.sync.p50_ms} ms)`, value: f.wakeup.sliding_sync.p50_ms, met: f.wakeup.sliding_sync.p50_ms <= f.wakeup.sync.p50_ms },
    sliding_idle_cycle: {
      target: "1 Worker + ≤ 1 DO request",
      value: idle ? `${idle.worker_requests} Worker + ${idle.do_calls} DO` : "not measured",
      met: idle !== undefined && idle.worker_requests <= 1 && idle.do_calls <= 1,
    },
  };
}
