/**
 * Push notification benchmark (bench/README.md "Push figures"): how long a message takes to reach
 * a push gateway, and what each pushed message costs.
 *
 * A push gateway runs in this process (node:http on 127.0.0.1, POST /_matrix/push/v1/notify,
 * answering {"rejected": []}) and records when each device entry of each event arrives. The
 * server must allow it: run.ts starts Lattice with PUSH_ALLOW_HOSTS = "127.0.0.1".
 *
 * A room of 10 local users: one sender and 9 recipients, each recipient with one HTTP pusher to
 * the gateway, two of them with a second pusher on the same URL and format. A user's pushers on
 * one gateway URL and format go out as one request listing several devices, so each message
 * should cost 9 gateway requests carrying 11 devices. The same sends are measured first in the
 * same room before any pusher exists, for what pushing adds.
 */
import { pathToFileURL } from "node:url";
import { call, registerUser, startServer, type TestUser } from "../test/e2e/harness.js";
import { startPushGateway, type PushGateway, type ReceivedNotify } from "../test/e2e/pushGateway.js";
import { costPer, measureCost, quiet, round, phaseTimer, readMetrics, summarize, type Cost, type Metrics } from "./clientServer.js";

const RECIPIENTS = 9;
/** Recipients (by index) that get a second pusher on the same gateway URL and format. */
const TWO_PUSHERS = new Set([0, 1]);
const WARMUP_MESSAGES = 3;
const LATENCY_MESSAGES = 30;
const COST_MESSAGES = 20;
/**
 * Between two messages sent one at a time the server settles: no DO call for this long (or, with
 * metrics off, a pause of twice it). Without it a send overlaps the end of the previous message's
 * alarms (the UserDOs reading the gateway's answers), which tripled its latency here.
 */
const SETTLE_MS = 100;
/** How long one event's notifications may take to all arrive before the bench gives up. */
const NOTIFY_TIMEOUT_MS = 15_000;
const APP_ID = "org.lattice.bench";

export interface PushFigures {
  setup: { recipients: number; pushers: number; gateway_url: string };
  /** From just before PUT /send until the first / the last device's notify for that event arrived. */
  notify_latency_first: ReturnType<typeof summarize>;
  notify_latency_last: ReturnType<typeof summarize>;
  /** The PUT /send itself, for comparison (delivery runs after it answers). */
  send_latency: ReturnType<typeof summarize>;
  /** The same before any pusher existed, also one at a time with the server settled in between. */
  send_latency_without_pushers: ReturnType<typeof summarize>;
  /** From the PUT /send's answer until the first notify: the queue and the alarm's share. */
  send_answer_to_first_notify: ReturnType<typeof summarize>;
  /** What the gateway saw per message while the cost was measured (needs no metrics). */
  gateway_per_message: { requests: number; devices: number; duplicate_devices: number };
  cost?: {
    messages: number;
    per_message: Cost;
    /** push.requests delta / messages: POSTs to a gateway, retries included. */
    push_requests_per_message: number | undefined;
    /** push.devices delta / messages: device entries sent. */
    push_devices_per_message: number | undefined;
    /** The same batch to the same room before anyone had a pusher: what pushing adds. */
    per_message_without_pushers: Cost | undefined;
    /**
     * The latency phase's messages, and as many sent the same way before any pusher existed: with
     * no message overlapping another, DO call ms is closer to the work each delivery does.
     */
    per_message_one_at_a_time: Cost | undefined;
    per_message_one_at_a_time_without_pushers: Cost | undefined;
  };
  timings_s: Record<string, number>;
}

// ---- the gateway -----------------------------------------------------------------------------

interface Arrival {
  /** performance.now() when the request carrying this device arrived. */
  at: number;
  pushkey: string;
}

/**
 * The test suite's push gateway (test/e2e/pushGateway.ts), with each (event, pushkey) arrival
 * timed with performance.now() and waits woken by each arrival rather than polled.
 */
class Gateway {
  /** Requests received, device entries received, and entries for an (event, pushkey) already seen. */
  requests = 0;
  devices = 0;
  duplicates = 0;
  private readonly arrivals = new Map<string, Arrival[]>();
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly gateway: PushGateway) {
    gateway.onNotify((n) => this.record(performance.now(), n));
  }

  get url(): string {
    return this.gateway.url;
  }

  static async start(): Promise<Gateway> {
    return new Gateway(await startPushGateway());
  }

  private record(at: number, received: ReceivedNotify): void {
    const n = received.notification;
    this.requests++;
    this.devices += n.devices.length;
    // Badge-only notifications (no event_id) are counted above but are no event's arrival.
    if (n.event_id === undefined) return;
    const list = this.arrivals.get(n.event_id) ?? [];
    for (const d of n.devices) {
      if (list.some((a) => a.pushkey === d.pushkey)) this.duplicates++;
      else list.push({ at, pushkey: d.pushkey });
    }
    this.arrivals.set(n.event_id, list);
    for (const w of this.waiters) w();
  }

  /** Resolves with the event's arrivals once every one of `pushkeys` has arrived for it. */
  async waitFor(eventId: string, pushkeys: readonly string[], timeoutMs = NOTIFY_TIMEOUT_MS): Promise<Arrival[]> {
    const done = (): Arrival[] | undefined => {
      const list = this.arrivals.get(eventId) ?? [];
      return pushkeys.every((k) => list.some((a) => a.pushkey === k)) ? list : undefined;
    };
    const now = done();
    if (now) return now;
    return new Promise<Arrival[]>((resolve, reject) => {
      const check = (): void => {
        const list = done();
        if (!list) return;
        cleanup();
        resolve(list);
      };
      const timer = setTimeout(() => {
        cleanup();
        const got = (this.arrivals.get(eventId) ?? []).map((a) => a.pushkey);
        reject(new Error(`notifications for ${eventId} incomplete after ${timeoutMs} ms: got ${got.length}/${pushkeys.length} (${got.join(", ") || "none"})`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  close(): Promise<void> {
    return this.gateway.close();
  }
}


// ---- client calls ----------------------------------------------------------------------------

let seq = 0;
const nonce = (): string => `${Date.now().toString(36)}${(seq++).toString(36)}`;

async function ok(base: string, method: string, path: string, opts: { token?: string; body?: unknown }): Promise<Record<string, unknown>> {
  const r = await call(base, method, path, opts);
  if (r.status !== 200) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function setPusher(base: string, user: TestUser, pushkey: string, url: string): Promise<void> {
  await ok(base, "POST", "/_matrix/client/v3/pushers/set", {
    token: user.accessToken,
    body: {
      kind: "http",
      app_id: APP_ID,
      pushkey,
      app_display_name: "Lattice bench",
      device_display_name: "bench device",
      lang: "en",
      data: { url },
    },
  });
}

async function sendText(base: string, user: TestUser, roomId: string, body: string): Promise<string> {
  const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${nonce()}`;
  const r = await ok(base, "PUT", path, { token: user.accessToken, body: { msgtype: "m.text", body } });
  return String(r.event_id);
}

// ---- the benchmark ---------------------------------------------------------------------------

export async function benchPush(base: string): Promise<PushFigures> {
  const { phases, mark, end } = phaseTimer();
  const metricsOn = (await readMetrics(base)) !== undefined;
  const settle = async (): Promise<void> => {
    if (metricsOn) await quiet(base, SETTLE_MS);
    else await new Promise((r) => setTimeout(r, 2 * SETTLE_MS));
  };
  const gateway = await Gateway.start();
  try {
    let t = performance.now();
    const tag = nonce();
    const sender = await registerUser(base, `benchpush${tag}s`);
    const recipients = await Promise.all(Array.from({ length: RECIPIENTS }, (_, i) => registerUser(base, `benchpush${tag}r${i}`)));
    const created = await ok(base, "POST", "/_matrix/client/v3/createRoom", { token: sender.accessToken, body: { preset: "public_chat", name: `push bench ${tag}` } });
    const room = String(created.room_id);
    for (const u of recipients) await ok(base, "POST", `/_matrix/client/v3/join/${encodeURIComponent(room)}`, { token: u.accessToken, body: {} });
    mark("setup", t);

    // Baseline, before any recipient has a pusher: the cost batch, and the messages one at a time.
    t = performance.now();
    for (let i = 0; i < WARMUP_MESSAGES; i++) await sendText(base, sender, room, `warm ${i}`);
    const baseline = metricsOn
      ? await measureCost(base, COST_MESSAGES, async () => {
          for (let i = 0; i < COST_MESSAGES; i++) await sendText(base, sender, room, `baseline ${i}`);
        })
      : undefined;
    const baselineSends: number[] = [];
    const oneAtATime = async (): Promise<void> => {
      for (let i = 0; i < LATENCY_MESSAGES; i++) {
        const s = performance.now();
        await sendText(base, sender, room, `baseline one ${i}`);
        baselineSends.push(performance.now() - s);
        await settle();
      }
    };
    let baselineOneAtATime: Cost | undefined;
    if (metricsOn) baselineOneAtATime = await measureCost(base, LATENCY_MESSAGES, oneAtATime);
    else await oneAtATime();
    mark("baseline", t);

    t = performance.now();
    const pushkeys: string[] = [];
    for (const [i, u] of recipients.entries()) {
      const keys = TWO_PUSHERS.has(i) ? [`${tag}-r${i}-a`, `${tag}-r${i}-b`] : [`${tag}-r${i}`];
      for (const k of keys) await setPusher(base, u, k, gateway.url);
      const listed = await ok(base, "GET", "/_matrix/client/v3/pushers", { token: u.accessToken });
      const n = Array.isArray(listed.pushers) ? listed.pushers.length : 0;
      if (n !== keys.length) throw new Error(`recipient ${i} lists ${n} pushers after setting ${keys.length}`);
      pushkeys.push(...keys);
    }
    mark("pushers", t);

    // Warm-up: the objects load, and each recipient's push path runs once.
    t = performance.now();
    for (let i = 0; i < WARMUP_MESSAGES; i++) await gateway.waitFor(await sendText(base, sender, room, `warm ${i}`), pushkeys);
    const beforeLatency = metricsOn ? await quiet(base) : undefined;
    mark("warmup", t);

    // 1. Send → notify latency, one message at a time: each waits for all its notifications, then
    // for the server to settle.
    t = performance.now();
    const first: number[] = [];
    const last: number[] = [];
    const sends: number[] = [];
    const afterAnswer: number[] = [];
    for (let i = 0; i < LATENCY_MESSAGES; i++) {
      const s = performance.now();
      const eventId = await sendText(base, sender, room, `latency ${i}`);
      sends.push(performance.now() - s);
      const arrivals = await gateway.waitFor(eventId, pushkeys);
      const times = arrivals.map((a) => a.at - s);
      first.push(Math.min(...times));
      afterAnswer.push(Math.min(...times) - sends[sends.length - 1]);
      last.push(Math.max(...times));
      await settle();
    }
    const afterLatency = metricsOn ? await quiet(base) : undefined;
    mark("latency", t);

    // 2. Cost of a batch of messages, until every notification of the batch has arrived.
    t = performance.now();
    const before = metricsOn ? await quiet(base) : undefined;
    const gwBefore = { requests: gateway.requests, devices: gateway.devices, duplicates: gateway.duplicates };
    const eventIds: string[] = [];
    for (let i = 0; i < COST_MESSAGES; i++) eventIds.push(await sendText(base, sender, room, `cost ${i}`));
    for (const id of eventIds) await gateway.waitFor(id, pushkeys);
    const after = metricsOn ? await quiet(base) : undefined;
    const gatewayPerMessage = {
      requests: round((gateway.requests - gwBefore.requests) / COST_MESSAGES),
      devices: round((gateway.devices - gwBefore.devices) / COST_MESSAGES),
      duplicate_devices: round((gateway.duplicates - gwBefore.duplicates) / COST_MESSAGES),
    };
    mark("cost", t);
    end();

    return {
      setup: { recipients: RECIPIENTS, pushers: pushkeys.length, gateway_url: gateway.url },
      notify_latency_first: summarize(first),
      notify_latency_last: summarize(last),
      send_latency: summarize(sends),
      send_latency_without_pushers: summarize(baselineSends),
      send_answer_to_first_notify: summarize(afterAnswer),
      gateway_per_message: gatewayPerMessage,
      cost:
        before && after
          ? {
              messages: COST_MESSAGES,
              per_message: costPer(before, after, COST_MESSAGES),
              push_requests_per_message: counterPer(before, after, "push.requests", COST_MESSAGES),
              push_devices_per_message: counterPer(before, after, "push.devices", COST_MESSAGES),
              per_message_without_pushers: baseline,
              per_message_one_at_a_time: beforeLatency && afterLatency ? costPer(beforeLatency, afterLatency, LATENCY_MESSAGES) : undefined,
              per_message_one_at_a_time_without_pushers: baselineOneAtATime,
            }
          : undefined,
      timings_s: phases,
    };
  } finally {
    await gateway.close();
  }
}

/** A counter's growth between two snapshots per operation; undefined when the server has no such counter. */
function counterPer(before: Metrics, after: Metrics, name: string, ops: number): number | undefined {
  const a = after.counts[name];
  if (a === undefined) return undefined;
  return round((a - (before.counts[name] ?? 0)) / ops);
}

/** One line for a person reading the run: the latencies and the per-message cost. */
export function pushSummary(f: PushFigures): string {
  const c = f.cost;
  const cost = c
    ? `; per message ${c.per_message.do_calls} DO requests (${c.per_message_without_pushers?.do_calls ?? "?"} without pushers), ` +
      `${c.push_requests_per_message ?? "?"} push requests, ${c.push_devices_per_message ?? "?"} devices`
    : "";
  return (
    `push: send → notify p50/p95 first ${f.notify_latency_first.p50_ms}/${f.notify_latency_first.p95_ms} ms, ` +
    `last ${f.notify_latency_last.p50_ms}/${f.notify_latency_last.p95_ms} ms (${f.setup.recipients} recipients, ${f.setup.pushers} pushers)` +
    `; gateway saw ${f.gateway_per_message.requests} requests, ${f.gateway_per_message.devices} devices per message${cost}`
  );
}

/** The server vars the push bench needs on top of the usual ones. */
export const PUSH_SERVER_VARS: Record<string, string> = { PUSH_ALLOW_HOSTS: "127.0.0.1" };

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const server = await startServer({ vars: { RATE_LIMITS: "off", LATTICE_METRICS: "on", ...PUSH_SERVER_VARS } });
  try {
    const figures = await benchPush(server.baseUrl);
    console.log(JSON.stringify(figures, null, 2));
    console.error(pushSummary(figures));
  } finally {
    await server.stop();
  }
}
