/**
 * End-to-end encryption benchmark over raw HTTP against a running Lattice:
 * - keys/claim: one one-time key from each of 50 users, one request per user, sequential
 *   (latency percentiles), then all 50 users in one request;
 * - keys/query: all 50 users' device keys in one request, and one user per request;
 * - to-device fan-out: one sendToDevice to 25 users × 4 devices = 100 devices, until the last
 *   device has it in /sync.
 *
 *   node --import tsx bench/e2ee.ts        (starts its own server, prints JSON)
 */
import { pathToFileURL } from "node:url";
import { startServer, call, registerUser, type TestUser } from "../test/e2e/harness.js";
import { uploadDevice } from "../test/e2e/e2eeRawHelpers.js";

const C = "/_matrix/client/v3";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function stats(samples: number[], prefix: string): Record<string, number> {
  const s = [...samples].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    [`${prefix}_p50_ms`]: r(percentile(s, 50)),
    [`${prefix}_p95_ms`]: r(percentile(s, 95)),
    [`${prefix}_max_ms`]: r(s[s.length - 1]),
  };
}

async function timed(fn: () => Promise<{ status: number; body: Record<string, unknown> }>): Promise<number> {
  const t = performance.now();
  const r = await fn();
  if (r.status !== 200) throw new Error(`unexpected ${r.status}: ${JSON.stringify(r.body)}`);
  return performance.now() - t;
}

async function inBatches<T, R>(items: T[], size: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

async function login(base: string, user: TestUser): Promise<TestUser> {
  const r = await call(base, "POST", `${C}/login`, { body: { type: "m.login.password", identifier: { type: "m.id.user", user: user.userId }, password: user.password } });
  if (r.status !== 200) throw new Error(`login failed: ${r.status}`);
  return { ...user, deviceId: String(r.body.device_id), accessToken: String(r.body.access_token) };
}

export async function benchE2ee(baseUrl: string): Promise<Record<string, number>> {
  const tag = Date.now().toString(36);
  const users = await inBatches(Array.from({ length: 50 }, (_, i) => i), 10, (i) => registerUser(baseUrl, `e2eebench${tag}u${i}`));
  await inBatches(users, 10, (u) => uploadDevice(baseUrl, u, 20));
  const requester = users[0];

  const claimOne: number[] = [];
  for (const u of users) {
    claimOne.push(await timed(() => call(baseUrl, "POST", `${C}/keys/claim`, { token: requester.accessToken, body: { one_time_keys: { [u.userId]: { [u.deviceId]: "signed_curve25519" } } } })));
  }
  const all = Object.fromEntries(users.map((u) => [u.userId, { [u.deviceId]: "signed_curve25519" }]));
  const claimAll: number[] = [];
  for (let i = 0; i < 10; i++) claimAll.push(await timed(() => call(baseUrl, "POST", `${C}/keys/claim`, { token: requester.accessToken, body: { one_time_keys: all } })));

  const queryOne: number[] = [];
  for (const u of users) queryOne.push(await timed(() => call(baseUrl, "POST", `${C}/keys/query`, { token: requester.accessToken, body: { device_keys: { [u.userId]: [] } } })));
  const everyone = Object.fromEntries(users.map((u) => [u.userId, []]));
  const queryAll: number[] = [];
  for (let i = 0; i < 20; i++) queryAll.push(await timed(() => call(baseUrl, "POST", `${C}/keys/query`, { token: requester.accessToken, body: { device_keys: everyone } })));

  // To-device fan-out: 25 users with 4 devices each.
  const targets = users.slice(25);
  const devices: TestUser[] = [...targets];
  for (const t of targets) devices.push(...(await inBatches([0, 1, 2], 3, () => login(baseUrl, t))));
  const sinceOf = new Map<string, string>();
  await inBatches(devices, 10, async (d) => {
    const r = await call(baseUrl, "GET", `${C}/sync?timeout=0`, { token: d.accessToken });
    sinceOf.set(d.accessToken, String(r.body.next_batch));
  });
  const fanout: number[] = [];
  const delivered: number[] = [];
  for (let round = 0; round < 5; round++) {
    const messages = Object.fromEntries(targets.map((t) => [t.userId, { "*": { round, body: "x".repeat(200) } }]));
    const start = performance.now();
    fanout.push(await timed(() => call(baseUrl, "PUT", `${C}/sendToDevice/m.bench/${tag}r${round}`, { token: requester.accessToken, body: { messages } })));
    // Every device syncs once: each must see the message.
    await inBatches(devices, 20, async (d) => {
      const r = await call(baseUrl, "GET", `${C}/sync?timeout=0&since=${encodeURIComponent(sinceOf.get(d.accessToken) ?? "")}`, { token: d.accessToken });
      const events = (r.body.to_device as { events: { content: { round: number } }[] }).events;
      if (!events.some((e) => e.content.round === round)) throw new Error(`device ${d.deviceId} missed round ${round}`);
      sinceOf.set(d.accessToken, String(r.body.next_batch));
    });
    delivered.push(performance.now() - start);
  }

  return {
    users: users.length,
    ...stats(claimOne, "keys_claim_one_user"),
    ...stats(claimAll, "keys_claim_50_users_one_request"),
    ...stats(queryOne, "keys_query_one_user"),
    ...stats(queryAll, "keys_query_50_users_one_request"),
    to_device_fanout_devices: devices.length,
    ...stats(fanout, "to_device_fanout_100_devices_send"),
    ...stats(delivered, "to_device_fanout_100_devices_all_synced"),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await startServer({ vars: { RATE_LIMITS: "off" } });
  try {
    console.log(JSON.stringify(await benchE2ee(server.baseUrl), null, 2));
  } finally {
    await server.stop();
  }
}
