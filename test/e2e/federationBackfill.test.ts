/**
 * Paging back through history another server holds (spec: server-server "Backfilling";
 * client-server GET /rooms/{roomId}/messages): a page lacks `end` only when there is truly no
 * more history, i.e. once the room's m.room.create event has been reached. Clients take a missing
 * `end` as "no more history", so a page that merely exhausts what this server holds locally
 * must still carry one.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { registerUser, pageBackToTheStart, type RunningServer, type TestUser } from "./harness.js";
import { startFederatedServer, api } from "./federationHelpers.js";

let A: RunningServer;
let B: RunningServer;
let alice: TestUser; // on A
let bob: TestUser; // on B
const enc = encodeURIComponent;

before(async () => {
  [A, B] = await Promise.all([0, 1].map(() => startFederatedServer()));
  alice = await registerUser(A.baseUrl, "alice");
  bob = await registerUser(B.baseUrl, "bob");
});

after(async () => {
  await Promise.all([A, B].map((s) => s?.stop()));
});

// Limits around the backfill batch size too: a page that ends exactly where the local events end.
for (const limit of [4, 10, 20]) test(`a joiner on another server pages back (limit ${limit}) through all 35 earlier messages to m.room.create`, async () => {
  const created = await api(A, alice, "POST", "/createRoom", { preset: "public_chat", name: "Long history" });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const roomId = String(created.body.room_id);
  const sent: string[] = [];
  for (let i = 0; i < 35; i++) {
    const body = `early ${i}`;
    const r = await api(A, alice, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/l${limit}e${i}`, { msgtype: "m.text", body });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    sent.push(body);
  }
  const joined = await api(B, bob, "POST", `/join/${enc(roomId)}?via=${enc(A.serverName)}`, {});
  assert.equal(joined.status, 200, JSON.stringify(joined.body));

  // Throws unless a page without `end` comes (pagination ends).
  const { events } = await pageBackToTheStart(B, bob, roomId, limit);
  const ids = events.map((e) => e.event_id);
  assert.equal(new Set(ids).size, ids.length, "no event is returned twice");
  const bodies = events.filter((e) => e.type === "m.room.message").map((e) => String(e.content.body));
  assert.deepEqual(bodies, [...sent].reverse(), "every message, newest first");
  assert.equal(events.at(-1)?.type, "m.room.create", `the last event is ${events.at(-1)?.type}`);
  assert.equal(events.filter((e) => e.type === "m.room.create").length, 1);
});
