/**
 * Directories and per-user data as a client uses them: aliases, the public room list, user
 * search, account data and tags, push rules, presence, filters.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, registerUsers, call, api, type RunningServer, type TestUser } from "./harness.js";

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
const enc = encodeURIComponent;

before(async () => {
  server = await startServer();
  [alice, bob] = await registerUsers(server.baseUrl, "alice", "bob");
});
after(async () => server?.stop());

test("a public room with an alias is listed, resolvable and joinable by alias", async () => {
  const created = await api(server, alice, "POST", "/createRoom", { visibility: "public", room_alias_name: "lobby", name: "Lobby", topic: "Say hi" });
  assert.equal(created.status, 200);
  const roomId = String(created.body.room_id);
  const resolved = await call(server.baseUrl, "GET", `/_matrix/client/v3/directory/room/${enc("#lobby:localhost")}`);
  assert.deepEqual(resolved.body, { room_id: roomId, servers: ["localhost"] });
  const dup = await api(server, bob, "POST", "/createRoom", { room_alias_name: "lobby" });
  assert.equal(dup.status, 400);
  assert.equal(dup.body.errcode, "M_ROOM_IN_USE");

  const list = await call(server.baseUrl, "GET", "/_matrix/client/v3/publicRooms");
  const chunk = list.body.chunk as Array<Record<string, unknown>>;
  assert.equal(chunk.length, 1);
  assert.equal(chunk[0].room_id, roomId);
  assert.equal(chunk[0].name, "Lobby");
  assert.equal(chunk[0].canonical_alias, "#lobby:localhost");

  const joined = await api(server, bob, "POST", `/join/${enc("#lobby:localhost")}`, {});
  assert.equal(joined.body.room_id, roomId);
  // The directory's member count follows the join.
  for (let i = 0; i < 50; i++) {
    const l = await api(server, bob, "POST", "/publicRooms", { filter: { generic_search_term: "lob" } });
    if ((l.body.chunk as Array<Record<string, unknown>>)[0]?.num_joined_members === 2) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail("public room member count did not reach 2");
});

test("user directory search finds users who share a room or are in a public room", async () => {
  const r = await api(server, bob, "POST", "/user_directory/search", { search_term: "ali" });
  assert.equal(r.status, 200);
  assert.deepEqual((r.body.results as Array<{ user_id: string }>).map((u) => u.user_id), [alice.userId]);
});

test("global and room account data, and tags, round-trip", async () => {
  const put = await api(server, alice, "PUT", `/user/${enc(alice.userId)}/account_data/org.example.settings`, { theme: "dark" });
  assert.equal(put.status, 200);
  const got = await api(server, alice, "GET", `/user/${enc(alice.userId)}/account_data/org.example.settings`);
  assert.deepEqual(got.body, { theme: "dark" });
  const other = await api(server, bob, "GET", `/user/${enc(alice.userId)}/account_data/org.example.settings`);
  assert.equal(other.status, 403);
  const room = await api(server, alice, "POST", "/createRoom", {});
  const roomId = String(room.body.room_id);
  await api(server, alice, "PUT", `/user/${enc(alice.userId)}/rooms/${enc(roomId)}/tags/m.favourite`, { order: 0.5 });
  const tags = await api(server, alice, "GET", `/user/${enc(alice.userId)}/rooms/${enc(roomId)}/tags`);
  assert.deepEqual(tags.body, { tags: { "m.favourite": { order: 0.5 } } });
  const sync = await api(server, alice, "GET", "/sync");
  const globals = (sync.body.account_data as { events: Array<{ type: string }> }).events.map((e) => e.type);
  assert.ok(globals.includes("org.example.settings"));
  const roomData = ((sync.body.rooms as Record<string, Record<string, { account_data: { events: Array<{ type: string }> } }>>).join[roomId]).account_data.events;
  assert.ok(roomData.some((e) => e.type === "m.tag"));
});

test("push rules: defaults are served and a user rule can be added, disabled and deleted", async () => {
  const all = await api(server, alice, "GET", "/pushrules/");
  const global = all.body.global as Record<string, Array<{ rule_id: string }>>;
  assert.ok(global.override.some((r) => r.rule_id === ".m.rule.master"));
  assert.ok(global.underride.some((r) => r.rule_id === ".m.rule.message"));
  const rule = "/pushrules/global/content/coffee";
  assert.equal((await api(server, alice, "PUT", rule, { pattern: "coffee", actions: ["notify"] })).status, 200);
  assert.equal((await api(server, alice, "PUT", `${rule}/enabled`, { enabled: false })).status, 200);
  assert.deepEqual((await api(server, alice, "GET", `${rule}/enabled`)).body, { enabled: false });
  assert.equal((await api(server, alice, "DELETE", rule)).status, 200);
  assert.equal((await api(server, alice, "GET", rule)).status, 404);
});

test("a message in a 1:1 room counts as unread for the other user until they read it", async () => {
  const room = await api(server, alice, "POST", "/createRoom", { invite: [bob.userId], is_direct: true });
  const roomId = String(room.body.room_id);
  await api(server, bob, "POST", `/join/${enc(roomId)}`, {});
  const sent = await api(server, alice, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/u1`, { msgtype: "m.text", body: `hello ${bob.userId}`, "m.mentions": { user_ids: [bob.userId] } });
  const eventId = String(sent.body.event_id);
  let counts: { notification_count: number; highlight_count: number } | undefined;
  for (let i = 0; i < 50 && counts?.notification_count !== 1; i++) {
    const s = await api(server, bob, "GET", "/sync");
    counts = (s.body.rooms as { join: Record<string, { unread_notifications: typeof counts }> }).join[roomId]?.unread_notifications;
    if (counts?.notification_count !== 1) await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(counts, { notification_count: 1, highlight_count: 1 });
  await api(server, bob, "POST", `/rooms/${enc(roomId)}/receipt/m.read/${enc(eventId)}`, {});
  const s = await api(server, bob, "GET", "/sync");
  assert.deepEqual((s.body.rooms as { join: Record<string, { unread_notifications: unknown }> }).join[roomId].unread_notifications, { notification_count: 0, highlight_count: 0 });
});

test("a presence change reaches the sync of users who share a room", async () => {
  const room = await api(server, alice, "POST", "/createRoom", { invite: [bob.userId] });
  await api(server, bob, "POST", `/join/${enc(String(room.body.room_id))}`, {});
  const first = await api(server, bob, "GET", "/sync");
  await api(server, alice, "PUT", `/presence/${enc(alice.userId)}/status`, { presence: "online", status_msg: "here" });
  const next = await api(server, bob, "GET", `/sync?timeout=5000&since=${enc(String(first.body.next_batch))}`);
  const events = (next.body.presence as { events: Array<{ sender: string; content: { presence: string; status_msg?: string } }> }).events;
  const mine = events.find((e) => e.sender === alice.userId);
  assert.equal(mine?.content.presence, "online");
  assert.equal(mine?.content.status_msg, "here");
});

test("presence can be set and read", async () => {
  const put = await api(server, alice, "PUT", `/presence/${enc(alice.userId)}/status`, { presence: "unavailable", status_msg: "lunch" });
  assert.equal(put.status, 200);
  const got = await api(server, bob, "GET", `/presence/${enc(alice.userId)}/status`);
  assert.equal(got.body.presence, "unavailable");
  assert.equal(got.body.status_msg, "lunch");
});

test("a stored filter limits the sync timeline", async () => {
  const f = await api(server, alice, "POST", `/user/${enc(alice.userId)}/filter`, { room: { timeline: { limit: 2 } } });
  assert.equal(f.status, 200);
  const room = await api(server, alice, "POST", "/createRoom", {});
  const roomId = String(room.body.room_id);
  for (let i = 0; i < 5; i++) await api(server, alice, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/f${i}`, { msgtype: "m.text", body: `f${i}` });
  let tl: { events: Array<{ content: { body?: string } }>; limited: boolean; prev_batch?: string } | undefined;
  for (let i = 0; i < 50; i++) {
    const s = await api(server, alice, "GET", `/sync?filter=${enc(String(f.body.filter_id))}`);
    tl = (s.body.rooms as { join: Record<string, { timeline: typeof tl }> }).join[roomId]?.timeline;
    if (tl?.events.at(-1)?.content.body === "f4") break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(tl?.events.map((e) => e.content.body), ["f3", "f4"]);
  assert.equal(tl?.limited, true);
  assert.ok(tl?.prev_batch);
});

test("what Element reads on start-up: no 3PIDs, no third-party protocols, no TURN server, no pushers until one is set", async () => {
  assert.deepEqual((await api(server, alice, "GET", "/pushers")).body, { pushers: [] });
  const pusher = { kind: "http", app_id: "x", pushkey: "k", app_display_name: "x", device_display_name: "x", lang: "en", data: { url: "https://push.example/_matrix/push/v1/notify" } };
  const set = await api(server, alice, "POST", "/pushers/set", pusher);
  assert.equal(set.status, 200);
  assert.deepEqual((await api(server, alice, "GET", "/pushers")).body, { pushers: [pusher] });
  assert.equal((await api(server, alice, "POST", "/pushers/set", { ...pusher, kind: null })).status, 200);
  assert.deepEqual((await api(server, alice, "GET", "/pushers")).body, { pushers: [] });
  assert.deepEqual((await api(server, alice, "GET", "/account/3pid")).body, { threepids: [] });
  assert.deepEqual((await api(server, alice, "GET", "/thirdparty/protocols")).body, {});
  const turn = await api(server, alice, "GET", "/voip/turnServer");
  assert.equal(turn.status, 200);
  assert.deepEqual(turn.body, {});
  assert.equal((await call(server.baseUrl, "GET", "/_matrix/client/v3/account/3pid")).status, 401);
});
