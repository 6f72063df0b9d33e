/**
 * Federation figures (issue 6): how long a user on server B takes to join a room on server A that
 * has 1,000 members and about 5,000 state events, and the latency of a message from A's user
 * until B's user's waiting /sync returns it. Two real Lattice servers on loopback plus the test
 * suite's fake server, which supplies the 1,000 remote members (signed joins sent over /send).
 * Runnable alone: `node --import tsx bench/federation.ts`.
 */
import { startServer, registerUser, call, type RunningServer } from "../test/e2e/harness.js";
import { FakeServer } from "../test/e2e/fakeServer.js";
import type { JsonObject } from "../protocol/json.js";

const FED_VARS = { FEDERATION_ALLOW_PRIVATE: "true", FEDERATION_INSECURE_HTTP: "true", RATE_LIMITS: "off" };
const enc = encodeURIComponent;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function benchFederation(opts: { members?: number; customState?: number; samples?: number } = {}): Promise<Record<string, unknown>> {
  const members = opts.members ?? 1000;
  const customState = opts.customState ?? 4000;
  const samples = opts.samples ?? 30;
  const servers: RunningServer[] = await Promise.all([0, 1].map(() => startServer({ serverNameFor: (port) => `127.0.0.1:${port}`, vars: FED_VARS })));
  const [A, B] = servers;
  const fake = await FakeServer.start();
  try {
    const alice = await registerUser(A.baseUrl, "alice");
    const bob = await registerUser(B.baseUrl, "bob");

    // The big room: custom state from the creator, then `members - 1` remote members from the fake server.
    const t0 = performance.now();
    const initial_state = Array.from({ length: customState }, (_, i) => ({ type: "org.lattice.bench.state", state_key: `s${i}`, content: { i } }));
    const created = await call(A.baseUrl, "POST", "/_matrix/client/v3/createRoom", { token: alice.accessToken, body: { preset: "public_chat", initial_state } });
    if (created.status !== 200) throw new Error(`createRoom: ${created.status} ${JSON.stringify(created.body).slice(0, 300)}`);
    const roomId = String(created.body.room_id);
    const peerA = { baseUrl: A.baseUrl, serverName: A.serverName };
    await fake.join(peerA, roomId, "m0");
    const setupCreateSeconds = (performance.now() - t0) / 1000;

    const t1 = performance.now();
    let batch: JsonObject[] = [];
    for (let i = 1; i < members - 1; i++) {
      const userId = fake.userId(`m${i}`);
      const pdu = await fake.pdu(roomId, { sender: userId, type: "m.room.member", state_key: userId, content: { membership: "join" } });
      fake.record(roomId, pdu);
      batch.push(fake.wire(roomId, pdu));
      if (batch.length === 50) {
        const r = await fake.sendTxn(peerA, batch);
        if (r.status !== 200) throw new Error(`send: ${r.status}`);
        batch = [];
      }
    }
    if (batch.length > 0) await fake.sendTxn(peerA, batch);
    const remoteJoinsSeconds = (performance.now() - t1) / 1000;
    const before = await call(A.baseUrl, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/joined_members`, { token: alice.accessToken });
    const membersOnA = Object.keys((before.body.joined as object) ?? {}).length;

    // The measured join: bob on B joins the room on A.
    const t2 = performance.now();
    const joined = await call(B.baseUrl, "POST", `/_matrix/client/v3/join/${enc(roomId)}?via=${enc(A.serverName)}`, { token: bob.accessToken, body: {} });
    const joinMs = performance.now() - t2;
    if (joined.status !== 200) throw new Error(`join: ${joined.status} ${JSON.stringify(joined.body).slice(0, 300)}`);
    const state = await call(B.baseUrl, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/state`, { token: bob.accessToken });
    const stateOnB = Array.isArray(state.body) ? (state.body as unknown[]).length : 0;

    // Message latency A → B: bob parks a /sync, alice sends, time until it returns with the event.
    let since = String((await call(B.baseUrl, "GET", "/_matrix/client/v3/sync?timeout=0", { token: bob.accessToken })).body.next_batch);
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const waiting = call(B.baseUrl, "GET", `/_matrix/client/v3/sync?timeout=30000&since=${enc(since)}`, { token: bob.accessToken });
      await new Promise((r) => setTimeout(r, 50));
      const start = performance.now();
      const sent = await call(A.baseUrl, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/lat${i}`, { token: alice.accessToken, body: { msgtype: "m.text", body: `latency ${i}` } });
      let got = await waiting;
      // A wake for something else (a receipt, a presence change) returns first: poll on until the event is there.
      for (;;) {
        since = String(got.body.next_batch);
        const join = (got.body.rooms as { join?: Record<string, { timeline?: { events?: Array<{ event_id: string }> } }> } | undefined)?.join?.[roomId];
        if (join?.timeline?.events?.some((e) => e.event_id === sent.body.event_id)) break;
        got = await call(B.baseUrl, "GET", `/_matrix/client/v3/sync?timeout=30000&since=${enc(since)}`, { token: bob.accessToken });
      }
      latencies.push(performance.now() - start);
    }
    latencies.sort((a, b) => a - b);
    return {
      room: { members_on_A: membersOnA, state_events_on_B_after_join: stateOnB, custom_state_events: customState },
      setup_seconds: { create_room_with_state: Math.round(setupCreateSeconds * 10) / 10, remote_member_joins_over_send: Math.round(remoteJoinsSeconds * 10) / 10 },
      join_remote_room_ms: Math.round(joinMs),
      message_latency_A_to_B: {
        n: latencies.length,
        p50_ms: Math.round(percentile(latencies, 50) * 10) / 10,
        p95_ms: Math.round(percentile(latencies, 95) * 10) / 10,
        max_ms: Math.round(latencies[latencies.length - 1] * 10) / 10,
      },
    };
  } finally {
    await fake.close();
    await Promise.all(servers.map((s) => s.stop()));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchFederation().then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      process.exit(0);
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
