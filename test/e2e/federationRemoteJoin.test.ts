/**
 * A user of Lattice server A joins rooms hosted by a fake peer F (make_join/send_join against F).
 * F answers send_join the way real servers do, which is not always tidy: Synapse 1.67 gives the
 * creator's join and the room's m.room.power_levels the same depth although power levels cites
 * the join as an auth event, and nothing makes a server list the auth chain in any order. The
 * spec says depth is not to be trusted, so A must order what it receives by the auth events
 * themselves: every one of these joins succeeds.
 */
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { registerUser, pageBackToTheStart, type RunningServer, type TestUser } from "./harness.js";
import { startFederatedServer, api as userApi } from "./federationHelpers.js";
import { FakeServer } from "./fakeServer.js";
import type { PDU } from "../../protocol/pdu.js";

const enc = encodeURIComponent;

let A: RunningServer;
let F: FakeServer;
let alice: TestUser;

before(async () => {
  [A, F] = await Promise.all([startFederatedServer(), FakeServer.start()]);
  alice = await registerUser(A.baseUrl, "alice");
});

after(async () => {
  await Promise.all([A?.stop(), F?.close()]);
});

/** A room on F as Synapse 1.67 makes it: power levels at the creator's join's depth (2). */
async function synapseLikeRoom(roomVersion: string): Promise<string> {
  const creator = F.userId("creator");
  // From v12 the creator's power is implied and must not be listed.
  const users = roomVersion === "12" ? {} : { [creator]: 100 };
  return F.hostRoom(roomVersion, "creator", [
    { type: "m.room.power_levels", state_key: "", content: { users }, depth: 2 },
    { type: "m.room.join_rules", state_key: "", content: { join_rule: "public" } },
    { type: "m.room.history_visibility", state_key: "", content: { history_visibility: "shared" } },
    { type: "m.room.name", state_key: "", content: { name: "Hosted on F" } },
  ]);
}

/** alice joins through F and the room's state, as she sees it, is F's with her join added. */
async function joinAndCheck(roomId: string): Promise<void> {
  const joined = await userApi(A, alice, "POST", `/join/${enc(roomId)}?server_name=${enc(F.serverName)}`, {});
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  const s = await userApi(A, alice, "GET", `/rooms/${enc(roomId)}/state`);
  assert.equal(s.status, 200, JSON.stringify(s.body));
  const state = s.body as unknown as Array<{ type: string; state_key: string; event_id: string; content: { membership?: string } }>;
  const members = state.filter((e) => e.type === "m.room.member" && e.content.membership === "join").map((e) => e.state_key).sort();
  assert.deepEqual(members, [alice.userId, F.userId("creator")].sort());
  const room = F.room(roomId);
  for (const type of ["m.room.create", "m.room.power_levels", "m.room.join_rules", "m.room.name"]) {
    assert.equal(state.find((e) => e.type === type)?.event_id, room.state.get(`${type}\u0000`), `${type} is F's`);
  }
}

/** A fixed permutation (a small linear congruential generator), so a failure can be replayed. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

for (const roomVersion of ["10", "12"]) {
  describe(`room version ${roomVersion}`, () => {
    test("joins a room whose power levels has its auth event's depth and is listed before it", async () => {
      const roomId = await synapseLikeRoom(roomVersion);
      const room = F.room(roomId);
      const pl = room.events.get(room.state.get("m.room.power_levels\u0000") as string) as PDU;
      const creatorJoin = room.events.get(room.state.get(`m.room.member\u0000${F.userId("creator")}`) as string) as PDU;
      assert.equal(pl.depth, creatorJoin.depth, "the fixture copies Synapse's equal depths");
      assert.ok(pl.auth_events.includes(creatorJoin.event_id));
      room.arrangeAuthChain = (events) => [...events].sort((a, b) => a.depth - b.depth || (a.type === "m.room.power_levels" ? -1 : b.type === "m.room.power_levels" ? 1 : 0));
      await joinAndCheck(roomId);
    });

    test("after the join, /state_ids and /state at the create event (an outlier on A) are 200 and empty", async () => {
      const roomId = await synapseLikeRoom(roomVersion);
      await joinAndCheck(roomId);
      const createId = F.room(roomId).state.get("m.room.create\u0000") as string;
      const ids = await F.request(A, "GET", `/_matrix/federation/v1/state_ids/${enc(roomId)}?event_id=${enc(createId)}`);
      assert.equal(ids.status, 200, JSON.stringify(ids.body));
      assert.deepEqual(ids.body, { pdu_ids: [], auth_chain_ids: [] });
      const full = await F.request(A, "GET", `/_matrix/federation/v1/state/${enc(roomId)}?event_id=${enc(createId)}`);
      assert.equal(full.status, 200, JSON.stringify(full.body));
      assert.deepEqual(full.body, { pdus: [], auth_chain: [] });
    });

    test("history backfilled from F lands in DAG order even when F numbers its depths backwards", async () => {
      const roomId = await synapseLikeRoom(roomVersion);
      const room = F.room(roomId);
      const start = room.head;
      let prev = start;
      for (let i = 0; i < 5; i++) {
        // Each message builds on the one before but claims a smaller depth.
        const { pdu } = await F.message(roomId, "creator", `backwards ${i}`, { prev_events: [prev.event_id], depth: start.depth + 50 - 10 * i });
        F.record(roomId, pdu);
        prev = pdu;
      }
      room.head = prev;
      await joinAndCheck(roomId);
      const { events } = await pageBackToTheStart(A, alice, roomId, 4);
      const bodies = events.filter((e) => e.type === "m.room.message").map((e) => String(e.content.body));
      assert.deepEqual(bodies, [4, 3, 2, 1, 0].map((i) => `backwards ${i}`), "newest first, as they were sent");
      assert.equal(events.at(-1)?.type, "m.room.create");
    });

    test("joins whatever order the auth chain arrives in", async () => {
      const orders: Array<[string, (events: PDU[]) => PDU[]]> = [
        ["newest first", (events) => [...events].reverse()],
        ["shuffled (seed 1)", (events) => shuffled(events, 1)],
        ["shuffled (seed 7)", (events) => shuffled(events, 7)],
      ];
      for (const [, arrange] of orders) {
        const roomId = await synapseLikeRoom(roomVersion);
        F.room(roomId).arrangeAuthChain = arrange;
        await joinAndCheck(roomId);
      }
    });
  });
}
