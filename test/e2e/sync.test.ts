/** /sync long-polling as clients rely on it: woken by events, idle polls, full_state, bad tokens. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, registerUser, call, type RunningServer, type TestUser } from "./harness.js";

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
let roomId: string;
const enc = encodeURIComponent;

before(async () => {
  server = await startServer();
  alice = await registerUser(server.baseUrl, "alice");
  bob = await registerUser(server.baseUrl, "bob");
  const r = await call(server.baseUrl, "POST", "/_matrix/client/v3/createRoom", { token: alice.accessToken, body: { invite: [bob.userId] } });
  roomId = String(r.body.room_id);
  await call(server.baseUrl, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, { token: bob.accessToken, body: {} });
});
after(async () => server?.stop());

async function settle(user: TestUser): Promise<string> {
  // Sync until nothing new is pending (fan-out of earlier events is asynchronous).
  let token = String((await call(server.baseUrl, "GET", "/_matrix/client/v3/sync", { token: user.accessToken })).body.next_batch);
  for (let i = 0; i < 20; i++) {
    const r = await call(server.baseUrl, "GET", `/_matrix/client/v3/sync?timeout=300&since=${enc(token)}`, { token: user.accessToken });
    if (r.body.next_batch === token) return token;
    token = String(r.body.next_batch);
  }
  return token;
}

test("a waiting sync is woken by a message, long before its timeout", async () => {
  const since = await settle(bob);
  const waiting = call(server.baseUrl, "GET", `/_matrix/client/v3/sync?timeout=30000&since=${enc(since)}`, { token: bob.accessToken });
  await new Promise((r) => setTimeout(r, 300));
  const sent = await call(server.baseUrl, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/w1`, { token: alice.accessToken, body: { msgtype: "m.text", body: "wake up" } });
  const guard = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 15_000).unref());
  const res = await Promise.race([waiting, guard]);
  assert.notEqual(res, "timeout", "the sync returned only at its timeout");
  const body = (res as { body: Record<string, unknown> }).body;
  const events = (body.rooms as { join: Record<string, { timeline: { events: Array<{ event_id: string }> } }> }).join[roomId].timeline.events;
  assert.ok(events.some((e) => e.event_id === sent.body.event_id));
  assert.notEqual(body.next_batch, since);
});

test("an idle long-poll returns the same token and the device's key counts", async () => {
  const since = await settle(bob);
  const r = await call(server.baseUrl, "GET", `/_matrix/client/v3/sync?timeout=1000&since=${enc(since)}`, { token: bob.accessToken });
  assert.equal(r.status, 200);
  assert.equal(r.body.next_batch, since);
  assert.deepEqual((r.body.rooms as { join: object }).join, {});
  assert.ok(typeof r.body.device_one_time_keys_count === "object");
});

test("a bad since token or a bad access token is refused while long-polling", async () => {
  const bad = await call(server.baseUrl, "GET", "/_matrix/client/v3/sync?timeout=1000&since=garbage", { token: bob.accessToken });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.errcode, "M_INVALID_PARAM");
  const since = await settle(bob);
  const forged = await call(server.baseUrl, "GET", `/_matrix/client/v3/sync?timeout=1000&since=${enc(since)}`, { token: `${bob.accessToken.slice(0, -4)}AAAA` });
  assert.equal(forged.status, 401);
  assert.equal(forged.body.errcode, "M_UNKNOWN_TOKEN");
});

test("full_state returns the state of rooms with no new events", async () => {
  const since = await settle(bob);
  const r = await call(server.baseUrl, "GET", `/_matrix/client/v3/sync?full_state=true&since=${enc(since)}`, { token: bob.accessToken });
  const room = (r.body.rooms as { join: Record<string, { state: { events: Array<{ type: string }> }; timeline: { events: Array<{ type: string }> } }> }).join[roomId];
  const types = new Set([...room.state.events, ...room.timeline.events].map((e) => e.type));
  for (const t of ["m.room.create", "m.room.power_levels", "m.room.member", "m.room.join_rules"]) assert.ok(types.has(t), `missing ${t}`);
});
