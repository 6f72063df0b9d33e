/**
 * Inbound transactions from a fake peer F whose user joined a room on Lattice server A: PDUs
 * that cite events A has never seen (missing auth events, missing prev events) are completed by
 * asking F for what is missing, and one bad PDU never sinks the others of its transaction. F
 * also reads the room's state back (/state_ids, /state).
 */
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { registerUser, messageBodies, type RunningServer, type TestUser } from "./harness.js";
import { startFederatedServer, api as userApi } from "./federationHelpers.js";
import { FakeServer, type Reply } from "./fakeServer.js";
import type { JsonObject } from "../../protocol/json.js";
import { generateSigningKey } from "../../protocol/signing.js";
import { signRequest } from "../../federation-client/requestSigning.js";


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

function resultsOf(reply: Reply): Record<string, { error?: string }> {
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body.pdus as Record<string, { error?: string }>;
}

const timelineBodies = (roomId: string) => messageBodies(A, alice, roomId);

for (const roomVersion of ["12", "10"]) {
  describe(`room version ${roomVersion}`, () => {
    let roomId: string;
    const mallory = () => F.userId("mallory");

    before(async () => {
      const r = await userApi(A, alice, "POST", "/createRoom", { preset: "public_chat", room_version: roomVersion });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      roomId = String(r.body.room_id);
      await F.join(A, roomId, "mallory");
    });

    /**
     * mallory changes her display name on F, which A is never sent; then a message of hers cites
     * that membership as an auth event but builds on an event A has (so only auth is missing).
     */
    async function messageCitingUnseenMembership(body: string, name: string) {
      const head = F.room(roomId).head;
      const member = await F.pdu(roomId, { sender: mallory(), type: "m.room.member", state_key: mallory(), content: { membership: "join", displayname: name } });
      F.record(roomId, member);
      const msg = await F.pdu(roomId, { sender: mallory(), type: "m.room.message", content: { msgtype: "m.text", body }, prev_events: [head.event_id] });
      assert.ok(msg.auth_events.includes(member.event_id));
      F.record(roomId, msg);
      return { member, msg };
    }

    test("a PDU whose auth events A lacks is accepted once they are fetched from its origin (event_auth)", async () => {
      const { msg } = await messageCitingUnseenMembership("auth fetched by event_auth", "Mallory Two");
      const results = resultsOf(await F.sendTxn(A, [F.wire(roomId, msg)]));
      assert.deepEqual(results[msg.event_id], {});
      assert.ok((await timelineBodies(roomId)).includes("auth fetched by event_auth"));
    });

    test("without event_auth at the origin, the missing auth events are fetched one by one (GET /event)", async () => {
      F.serveEventAuth = false;
      try {
        const { msg } = await messageCitingUnseenMembership("auth fetched by /event", "Mallory Three");
        const results = resultsOf(await F.sendTxn(A, [F.wire(roomId, msg)]));
        assert.deepEqual(results[msg.event_id], {});
        assert.ok((await timelineBodies(roomId)).includes("auth fetched by /event"));
      } finally {
        F.serveEventAuth = true;
      }
    });

    test("fetched auth events are checked too: one that fails auth rejects the PDU that cites it", async () => {
      const room = F.room(roomId);
      // mallory (power 0) grants herself power 100: F hands this out but never uses it as state.
      const plId = room.state.get("m.room.power_levels\u0000") as string;
      const pl = room.events.get(plId);
      assert.ok(pl);
      const forged = await F.pdu(roomId, { sender: mallory(), type: "m.room.power_levels", state_key: "", content: { ...pl.content, users: { ...(pl.content.users as object), [mallory()]: 100 } } });
      room.events.set(forged.event_id, forged);
      const auth = F.authEventsFor(roomId, { sender: mallory(), type: "m.room.message", content: {} }).map((id) => (id === plId ? forged.event_id : id));
      const msg = await F.pdu(roomId, { sender: mallory(), type: "m.room.message", content: { msgtype: "m.text", body: "cites a forged power level" }, auth_events: auth });
      room.events.set(msg.event_id, msg);
      const results = resultsOf(await F.sendTxn(A, [F.wire(roomId, msg)]));
      assert.match(String(results[msg.event_id]?.error), /rejected/);
      assert.ok(!(await timelineBodies(roomId)).includes("cites a forged power level"));
    });

    test("missing prev events fetched by get_missing_events, whose answer repeats PDUs of the transaction, don't sink it", async () => {
      // F's messages g0..g5 in a chain; A is sent g5, g2 and g3 only, so g5 and g2 need their
      // gaps filled. F's get_missing_events also returns the events asked about (some servers do).
      const chain = [];
      for (let i = 0; i < 6; i++) {
        const { pdu } = await F.message(roomId, "mallory", `gap ${i}`);
        F.record(roomId, pdu);
        chain.push(pdu);
      }
      F.missingEventsIncludeLatest = true;
      try {
        const sent = [chain[5], chain[2], chain[3]];
        const results = resultsOf(await F.sendTxn(A, sent.map((p) => F.wire(roomId, p))));
        for (const p of sent) assert.deepEqual(results[p.event_id], {}, `${String(p.content.body)}: ${JSON.stringify(results)}`);
      } finally {
        F.missingEventsIncludeLatest = false;
      }
      const bodies = await timelineBodies(roomId);
      for (let i = 0; i < 6; i++) assert.ok(bodies.includes(`gap ${i}`), `gap ${i} in ${bodies.join(" | ")}`);
    });

    test("one bad PDU gets its own entry and the others of the transaction are processed", async () => {
      const good1 = await F.message(roomId, "mallory", "good before");
      F.record(roomId, good1.pdu);
      const badSig = await F.pdu(roomId, { sender: mallory(), type: "m.room.message", content: { msgtype: "m.text", body: "bad signature" } }, generateSigningKey("fake"));
      const failsAuth = await F.pdu(roomId, { sender: mallory(), type: "m.room.name", state_key: "", content: { name: "mallory's room" } });
      const badHash = await F.message(roomId, "mallory", "hashed words");
      const good2 = await F.message(roomId, "mallory", "good after", { prev_events: [good1.pdu.event_id] });
      F.record(roomId, good2.pdu);
      const wires: JsonObject[] = [
        good1.wire,
        F.wire(roomId, badSig),
        F.wire(roomId, failsAuth),
        { ...badHash.wire, content: { msgtype: "m.text", body: "swapped words" } },
        good2.wire,
      ];
      const results = resultsOf(await F.sendTxn(A, wires));
      assert.deepEqual(results[good1.pdu.event_id], {});
      assert.deepEqual(results[good2.pdu.event_id], {});
      assert.ok(results[badSig.event_id]?.error, JSON.stringify(results));
      assert.match(String(results[failsAuth.event_id]?.error), /reject/);
      // Spec: a PDU that fails its content hash is redacted, not rejected.
      assert.deepEqual(results[badHash.pdu.event_id], {});
      const bodies = await timelineBodies(roomId);
      assert.ok(bodies.includes("good before") && bodies.includes("good after"), bodies.join(" | "));
      for (const b of ["bad signature", "swapped words", "hashed words"]) assert.ok(!bodies.includes(b), `${b} in ${bodies.join(" | ")}`);
    });

    test("/state_ids and /state at the create event answer 200 with no state and no auth chain (the state before it)", async () => {
      const room = F.room(roomId);
      const createId = room.state.get("m.room.create\u0000") as string;
      const stateIds = await F.request(A, "GET", `/_matrix/federation/v1/state_ids/${encodeURIComponent(roomId)}?event_id=${encodeURIComponent(createId)}`);
      assert.equal(stateIds.status, 200, JSON.stringify(stateIds.body));
      assert.deepEqual(stateIds.body, { pdu_ids: [], auth_chain_ids: [] });
      const state = await F.request(A, "GET", `/_matrix/federation/v1/state/${encodeURIComponent(roomId)}?event_id=${encodeURIComponent(createId)}`);
      assert.equal(state.status, 200, JSON.stringify(state.body));
      assert.deepEqual(state.body, { pdus: [], auth_chain: [] });
      // The event after it, alice's join, has the create event as the whole state before it.
      const aliceJoin = room.state.get(`m.room.member\u0000${alice.userId}`) as string;
      const atJoin = await F.request(A, "GET", `/_matrix/federation/v1/state_ids/${encodeURIComponent(roomId)}?event_id=${encodeURIComponent(aliceJoin)}`);
      assert.equal(atJoin.status, 200, JSON.stringify(atJoin.body));
      assert.deepEqual(atJoin.body.pdu_ids, [createId]);
    });

    test("a transaction with a float in one PDU is authenticated as its sender signed it; only that PDU is rejected", async () => {
      // Synapse's canonical JSON writes floats (as Python does) where Lattice's refuses them.
      const good = await F.message(roomId, "mallory", "good beside a float");
      F.record(roomId, good.pdu);
      const float = await F.message(roomId, "mallory", "float carrier", { prev_events: [good.pdu.event_id] });
      const withFloat: JsonObject = { ...float.wire, content: { msgtype: "m.text", body: "float carrier", amount: 1.5, tiny: 0.00005 } };
      const results = resultsOf(await F.sendTxn(A, [good.wire, withFloat]));
      assert.deepEqual(results[good.pdu.event_id], {});
      assert.match(String(results[float.pdu.event_id]?.error), /float/, `the float PDU has its own error: ${JSON.stringify(results)}`);
      const bodies = await timelineBodies(roomId);
      assert.ok(bodies.includes("good beside a float") && !bodies.includes("float carrier"), bodies.join(" | "));
    });

    /**
     * Five messages of mallory's, each on the one before, whose depths F numbers backwards: the
     * first claims the greatest depth. F knows them all (for GET /event and get_missing_events)
     * but, like servers that don't, answers no /state_ids: an event A checks before its prev
     * event can only fail.
     */
    async function chainWithDepthsBackwards(label: string) {
      const room = F.room(roomId);
      const start = room.head;
      const chain = [];
      let prev = start;
      for (let i = 0; i < 5; i++) {
        const { pdu, wire } = await F.message(roomId, "mallory", `${label} ${i}`, { prev_events: [prev.event_id], depth: start.depth + 50 - 10 * i });
        F.record(roomId, pdu);
        chain.push({ pdu, wire });
        prev = pdu;
      }
      // F's next event builds on the newest, whatever its depth says.
      room.head = prev;
      return chain;
    }

    test("a transaction's PDUs are taken in prev/auth order, not by the depths they claim: all are accepted", async () => {
      const chain = await chainWithDepthsBackwards("backwards depth");
      const results = resultsOf(await F.sendTxn(A, [...chain].reverse().map((c) => c.wire)));
      for (const { pdu } of chain) assert.deepEqual(results[pdu.event_id], {}, `${String(pdu.content.body)}: ${JSON.stringify(results)}`);
      const bodies = await timelineBodies(roomId);
      for (let i = 0; i < 5; i++) assert.ok(bodies.includes(`backwards depth ${i}`), `backwards depth ${i} in ${bodies.join(" | ")}`);
    });

    test("events from get_missing_events are taken in prev/auth order, not by the depths they claim: all are accepted", async () => {
      const chain = await chainWithDepthsBackwards("missing backwards");
      const last = chain[chain.length - 1].pdu;
      // A is sent the newest only and asks F for the four before it, which F lists by depth.
      const results = resultsOf(await F.sendTxn(A, [F.wire(roomId, last)]));
      assert.deepEqual(results[last.event_id], {}, JSON.stringify(results));
      const bodies = await timelineBodies(roomId);
      for (let i = 0; i < 5; i++) assert.ok(bodies.includes(`missing backwards ${i}`), `missing backwards ${i} in ${bodies.join(" | ")}`);
    });
  });
}

test("PDUs for rooms A is not in each get an error entry in the reply, under the ID their room version gives them", async () => {
  // Rooms hosted on F that A has never heard of: v1 events carry their ID, v10 and v12 events
  // are named by their reference hash (v12's room ID has no server name).
  const sent: Array<{ id: string; wire: JsonObject }> = [];
  for (const version of ["1", "10", "12"]) {
    const roomId = await F.hostRoom(version, "stranger", []);
    const { pdu, wire } = await F.message(roomId, "stranger", `into room version ${version} A is not in`);
    if (version !== "1") assert.equal(wire.event_id, undefined, "v3+ PDUs carry no event_id");
    sent.push({ id: pdu.event_id, wire });
  }
  const results = resultsOf(await F.sendTxn(A, sent.map((s) => s.wire)));
  assert.equal(Object.keys(results).length, sent.length, JSON.stringify(results));
  for (const { id } of sent) assert.match(String(results[id]?.error), /unknown room/i, `${id}: ${JSON.stringify(results)}`);
});

test("a federation body nested 20,000 deep is 401 M_UNAUTHORIZED (no signature can cover it), not an internal error, and the server carries on", async () => {
  const deep = '{"a":'.repeat(20_000) + "1" + "}".repeat(20_000);
  const path = "/_matrix/federation/v1/send/deep1";
  // The header is signed over a small body: no canonical JSON can encode the real one to sign it.
  const auth = await signRequest({ method: "PUT", uri: path, origin: F.serverName, destination: A.serverName, content: { a: 1 } }, F.key);
  const r = await fetch(`${A.baseUrl}${path}`, { method: "PUT", headers: { Authorization: auth, "Content-Type": "application/json" }, body: `{"origin":"${F.serverName}","origin_server_ts":1,"pdus":[],"n":${deep}}` });
  assert.equal(r.status, 401, await r.clone().text());
  assert.equal(((await r.json()) as { errcode: string }).errcode, "M_UNAUTHORIZED");
  const ok = await F.request(A, "GET", "/_matrix/federation/v1/version");
  assert.equal(ok.status, 200);
});
