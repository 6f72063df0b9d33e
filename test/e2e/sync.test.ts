/** /sync long-polling as clients rely on it: woken by events, idle polls, full_state, bad tokens. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, registerUser, registerUsers, call, api, type RunningServer, type TestUser } from "./harness.js";

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
let roomId: string;
const enc = encodeURIComponent;

before(async () => {
  server = await startServer();
  [alice, bob] = await registerUsers(server.baseUrl, "alice", "bob");
  const r = await api(server, alice, "POST", "/createRoom", { invite: [bob.userId] });
  roomId = String(r.body.room_id);
  await api(server, bob, "POST", `/join/${enc(roomId)}`, {});
});
after(async () => server?.stop());

async function settle(user: TestUser): Promise<string> {
  // Sync until nothing new is pending (fan-out of earlier events is asynchronous).
  let token = String((await api(server, user, "GET", "/sync")).body.next_batch);
  for (let i = 0; i < 20; i++) {
    const r = await api(server, user, "GET", `/sync?timeout=300&since=${enc(token)}`);
    if (r.body.next_batch === token) return token;
    token = String(r.body.next_batch);
  }
  return token;
}

test("a waiting sync is woken by a message, long before its timeout", async () => {
  const since = await settle(bob);
  const waiting = api(server, bob, "GET", `/sync?timeout=30000&since=${enc(since)}`);
  await new Promise((r) => setTimeout(r, 300));
  const sent = await api(server, alice, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/w1`, { msgtype: "m.text", body: "wake up" });
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
  const r = await api(server, bob, "GET", `/sync?timeout=1000&since=${enc(since)}`);
  assert.equal(r.status, 200);
  assert.equal(r.body.next_batch, since);
  assert.deepEqual((r.body.rooms as { join: object }).join, {});
  assert.ok(typeof r.body.device_one_time_keys_count === "object");
});

test("a bad since token or a bad access token is refused while long-polling", async () => {
  const bad = await api(server, bob, "GET", "/sync?timeout=1000&since=garbage");
  assert.equal(bad.status, 400);
  assert.equal(bad.body.errcode, "M_INVALID_PARAM");
  const since = await settle(bob);
  const forged = await call(server.baseUrl, "GET", `/_matrix/client/v3/sync?timeout=1000&since=${enc(since)}`, { token: `${bob.accessToken.slice(0, -4)}AAAA` });
  assert.equal(forged.status, 401);
  assert.equal(forged.body.errcode, "M_UNKNOWN_TOKEN");
});

test("full_state returns the state of rooms with no new events", async () => {
  const since = await settle(bob);
  const r = await api(server, bob, "GET", `/sync?full_state=true&since=${enc(since)}`);
  const room = (r.body.rooms as { join: Record<string, { state: { events: Array<{ type: string }> }; timeline: { events: Array<{ type: string }> } }> }).join[roomId];
  const types = new Set([...room.state.events, ...room.timeline.events].map((e) => e.type));
  for (const t of ["m.room.create", "m.room.power_levels", "m.room.member", "m.room.join_rules"]) assert.ok(types.has(t), `missing ${t}`);
});

test("ignored users: their messages and invites are not synced, their state events are", async () => {
  const carol = await registerUser(server.baseUrl, "carol");
  const r = await api(server, carol, "POST", "/createRoom", { preset: "public_chat" });
  const shared = String(r.body.room_id);
  await api(server, bob, "POST", `/join/${enc(shared)}`, {});
  await api(server, bob, "PUT", `/user/${enc(bob.userId)}/account_data/m.ignored_user_list`, { ignored_users: { [carol.userId]: {} } });
  const since = await settle(bob);
  await api(server, carol, "PUT", `/rooms/${enc(shared)}/send/m.room.message/ig1`, { msgtype: "m.text", body: "ignore me" });
  await api(server, carol, "PUT", `/rooms/${enc(shared)}/state/m.room.topic`, { topic: "still shown" });
  const other = await api(server, carol, "POST", "/createRoom", { invite: [bob.userId] });
  let body: Record<string, unknown> = {};
  let token = since;
  const seen: Array<{ type: string; content: { body?: string; topic?: string } }> = [];
  for (let i = 0; i < 20; i++) {
    body = (await api(server, bob, "GET", `/sync?timeout=500&since=${enc(token)}`)).body;
    token = String(body.next_batch);
    const room = (body.rooms as { join: Record<string, { timeline: { events: typeof seen } }> }).join[shared];
    if (room) seen.push(...room.timeline.events);
    assert.equal((body.rooms as { invite: Record<string, unknown> }).invite[String(other.body.room_id)], undefined, "an invite from an ignored user reached the client");
    if (seen.some((e) => e.type === "m.room.topic")) break;
  }
  assert.ok(seen.some((e) => e.type === "m.room.topic" && e.content.topic === "still shown"));
  assert.ok(!seen.some((e) => e.content.body === "ignore me"));
  // /messages and /context leave out the ignored user's messages too, and keep their state.
  const page = await api(server, bob, "GET", `/rooms/${enc(shared)}/messages?dir=b&limit=50`);
  const paged = page.body.chunk as Array<{ type: string; event_id: string; content: { body?: string; topic?: string } }>;
  assert.ok(!paged.some((e) => e.content.body === "ignore me"));
  assert.ok(paged.some((e) => e.type === "m.room.topic" && e.content.topic === "still shown"));
  const topic = paged.find((e) => e.type === "m.room.topic");
  const ctx = await api(server, bob, "GET", `/rooms/${enc(shared)}/context/${enc(String(topic?.event_id))}?limit=10`);
  assert.ok(!(ctx.body.events_before as Array<{ content: { body?: string } }>).some((e) => e.content.body === "ignore me"));
  // The invite did reach bob's server: it is hidden from a full sync while carol is ignored, and
  // shown once she no longer is.
  const inviteId = String(other.body.room_id);
  const invitedNow = async () => ((await api(server, bob, "GET", "/sync")).body.rooms as { invite: Record<string, unknown> }).invite[inviteId];
  const joinedRooms = await api(server, carol, "GET", `/rooms/${enc(inviteId)}/members`);
  assert.ok((joinedRooms.body.chunk as Array<{ state_key: string; content: { membership: string } }>).some((e) => e.state_key === bob.userId && e.content.membership === "invite"));
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await invitedNow(), undefined);
  await api(server, bob, "PUT", `/user/${enc(bob.userId)}/account_data/m.ignored_user_list`, { ignored_users: {} });
  assert.ok(await invitedNow(), "the invite shows once carol is no longer ignored");
});
