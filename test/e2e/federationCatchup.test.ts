/**
 * Catch-up after downtime: two Lattice servers share a room; B goes down (its process stops, its
 * state and port are kept), A's user sends messages while A's queue to B backs off, B comes back,
 * and B's user sees everything in order. A returning server gets its backlog when it next talks
 * to A (any authenticated request wakes A's queue to it), not only when A's backoff runs out.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { registerUser, call, type RunningServer, type TestUser } from "./harness.js";
import { startFederatedServer, api, eventually } from "./federationHelpers.js";

const enc = encodeURIComponent;

let A: RunningServer;
let B: RunningServer;
let alice: TestUser;
let bob: TestUser;

before(async () => {
  [A, B] = await Promise.all([startFederatedServer({ FEDERATION_TEST_HOOKS: "true" }), startFederatedServer()]);
  alice = await registerUser(A.baseUrl, "alice");
  bob = await registerUser(B.baseUrl, "bob");
});

after(async () => {
  await Promise.all([A?.stop(), B?.stop()]);
});

async function bodies(roomId: string): Promise<string[]> {
  const r = await api(B, bob, "GET", `/rooms/${enc(roomId)}/messages?dir=b&limit=100`);
  if (r.status !== 200) return [];
  return (r.body.chunk as Array<{ type: string; content: { body?: string } }>)
    .filter((e) => e.type === "m.room.message")
    .map((e) => String(e.content.body))
    .reverse();
}

/** A's outbound queue to B (test hook); with flush, A tries to send now. */
async function queueToB(flush = false): Promise<{ queuedPdus: number; failures: number; retryAt?: number }> {
  const r = await call(A.baseUrl, "POST", "/_lattice/test/federation/status", { body: { destination: B.serverName, flush } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as { queuedPdus: number; failures: number; retryAt?: number };
}

test("a server that was down gets the messages it missed, in order, soon after it is back", async () => {
  const created = await api(A, alice, "POST", "/createRoom", { preset: "public_chat" });
  assert.equal(created.status, 200);
  const roomId = String(created.body.room_id);
  const joined = await api(B, bob, "POST", `/join/${enc(roomId)}?via=${enc(A.serverName)}`, {});
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  await api(A, alice, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/w`, { msgtype: "m.text", body: "warm-up" });
  await eventually("bob sees the warm-up", async () => (await bodies(roomId)).includes("warm-up"), 20_000);

  await B.halt();
  for (const n of [1, 2, 3]) {
    const r = await api(A, alice, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/m${n}`, { msgtype: "m.text", body: `missed ${n}` });
    assert.equal(r.status, 200);
  }
  // A keeps failing to reach B until its backoff is long: the next attempt is far away.
  let status = await queueToB();
  for (let i = 0; i < 8 && status.failures < 7; i++) status = await queueToB(true);
  assert.ok(status.queuedPdus >= 3, JSON.stringify(status));
  assert.ok(status.retryAt !== undefined && status.retryAt - Date.now() > 45_000, `A backs off: ${JSON.stringify(status)}`);
  const retryAt = status.retryAt;
  // A remembers (per isolate, for a few seconds) that it last heard from B before the downtime.
  await new Promise((r) => setTimeout(r, 5_500));

  await B.resume();
  const back = Date.now();
  // The first thing B sends A (here bob's typing notification) tells A that B is up again.
  assert.equal((await api(B, bob, "PUT", `/rooms/${enc(roomId)}/typing/${enc(bob.userId)}`, { typing: true, timeout: 5000 })).status, 200);
  const seen = await eventually(
    "bob sees the three messages",
    async () => {
      const b = await bodies(roomId);
      return ["missed 1", "missed 2", "missed 3"].every((m) => b.includes(m)) ? b : undefined;
    },
    40_000,
  );
  assert.deepEqual(seen, ["warm-up", "missed 1", "missed 2", "missed 3"]);
  assert.ok(Date.now() < retryAt, "delivered before A's backoff ran out: B's request woke A's queue");
  console.log(`caught up ${Date.now() - back} ms after B was back`);
  const after = await queueToB();
  assert.equal(after.queuedPdus, 0);
  assert.equal(after.failures, 0);
});
