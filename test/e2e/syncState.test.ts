/**
 * /sync room state as the spec defines it: `state` is the state at the start of the timeline
 * (the changes since `since` on an incremental sync, a limited timeline's gap included), never
 * repeats timeline events; the filter's room.state (types, senders, rooms, lazy_load_members,
 * include_redundant_members) is applied; the room summary counts members and names heroes.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient, EventTimeline } from "matrix-js-sdk";
import { startServer, registerUsers, api, type RunningServer, type TestUser } from "./harness.js";
import { eventually } from "./sdkHelpers.js";

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let dave: TestUser;
const enc = encodeURIComponent;

type Ev = { event_id: string; type: string; sender: string; state_key?: string; content: Record<string, unknown> };
type JoinedRoom = { state: { events: Ev[] }; timeline: { events: Ev[]; limited: boolean }; summary: Record<string, unknown> };
type SyncBody = { next_batch: string; rooms: { join: Record<string, JoinedRoom>; leave: Record<string, JoinedRoom>; invite: Record<string, { invite_state: { events: Ev[] } }> } };

before(async () => {
  server = await startServer();
  [alice, bob, carol, dave] = await registerUsers(server.baseUrl, "alice", "bob", "carol", "dave");
});
after(async () => server?.stop());

async function sync(user: TestUser, query: { since?: string; filter?: object | string; fullState?: boolean } = {}): Promise<SyncBody> {
  const q = new URLSearchParams();
  if (query.since) q.set("since", query.since);
  if (query.filter !== undefined) q.set("filter", typeof query.filter === "string" ? query.filter : JSON.stringify(query.filter));
  if (query.fullState) q.set("full_state", "true");
  const r = await api(server, user, "GET", `/sync?${q}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as unknown as SyncBody;
}

/** Waits until `user`'s stream has `eventId` (room events reach each member's stream asynchronously). */
async function delivered(user: TestUser, roomId: string, eventId: string): Promise<void> {
  await eventually(`${eventId} in ${user.userId}'s sync`, async () => (await sync(user, { filter: { room: { rooms: [roomId], timeline: { limit: 50 } } } })).rooms.join[roomId]?.timeline.events.some((e) => e.event_id === eventId));
}

/** A token after everything `user` has been sent so far. */
async function tokenNow(user: TestUser): Promise<string> {
  return (await sync(user, { filter: { room: { timeline: { limit: 1 } } } })).next_batch;
}

async function send(user: TestUser, roomId: string, body: string): Promise<string> {
  const r = await api(server, user, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/${Math.random().toString(36).slice(2)}`, { msgtype: "m.text", body });
  assert.equal(r.status, 200);
  return String(r.body.event_id);
}

async function setState(user: TestUser, roomId: string, type: string, content: object, stateKey = ""): Promise<string> {
  const r = await api(server, user, "PUT", `/rooms/${enc(roomId)}/state/${type}/${stateKey}`, content);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return String(r.body.event_id);
}

async function createRoom(creator: TestUser, joiners: TestUser[], extra: object = {}): Promise<string> {
  const r = await api(server, creator, "POST", "/createRoom", { preset: "public_chat", ...extra });
  const roomId = String(r.body.room_id);
  for (const u of joiners) assert.equal((await api(server, u, "POST", `/join/${enc(roomId)}`, {})).status, 200);
  return roomId;
}

const stateOf = (room: JoinedRoom, type: string, key = "") => room.state.events.find((e) => e.type === type && e.state_key === key);

function assertNoRepeats(room: JoinedRoom): void {
  const inTimeline = new Set(room.timeline.events.map((e) => e.event_id));
  for (const e of room.state.events) assert.ok(!inTimeline.has(e.event_id), `state repeats timeline event ${e.type} ${e.event_id}`);
  const keys = room.state.events.map((e) => `${e.type}|${e.state_key}`);
  assert.equal(new Set(keys).size, keys.length, "state has one event per type and state key");
}

test("initial sync: state is the state at the timeline's start and never repeats timeline events", async () => {
  const roomId = await createRoom(alice, [], { name: "First" });
  for (let i = 0; i < 3; i++) await send(alice, roomId, `m${i}`);
  const name2 = await setState(alice, roomId, "m.room.name", { name: "Second" });
  const last = await send(alice, roomId, "after the rename");
  await delivered(alice, roomId, last);

  const room = (await sync(alice, { filter: { room: { timeline: { limit: 2 } } } })).rooms.join[roomId];
  assert.deepEqual(room.timeline.events.map((e) => e.event_id), [name2, last]);
  assert.equal(room.timeline.limited, true);
  assertNoRepeats(room);
  assert.equal(stateOf(room, "m.room.name")?.content.name, "First", "the name before the timeline's rename");
  assert.ok(stateOf(room, "m.room.create"));
  assert.equal(stateOf(room, "m.room.member", alice.userId)?.content.membership, "join");
});

test("incremental sync, limited: the gap's state changes are in state, unchanged state is not", async () => {
  const roomId = await createRoom(alice, [bob], { name: "Gap room" });
  const joined = await send(alice, roomId, "before");
  await delivered(bob, roomId, joined);
  const since = await tokenNow(bob);

  const topic = await setState(alice, roomId, "m.room.topic", { topic: "set in the gap" });
  const name = await setState(alice, roomId, "m.room.name", { name: "Renamed in the gap" });
  for (let i = 0; i < 3; i++) await send(alice, roomId, `gap ${i}`);
  const last = await send(alice, roomId, "last");
  await delivered(bob, roomId, last);

  const room = (await sync(bob, { since, filter: { room: { timeline: { limit: 2 } } } })).rooms.join[roomId];
  assert.equal(room.timeline.limited, true);
  assert.equal(room.timeline.events.at(-1)?.event_id, last);
  assertNoRepeats(room);
  assert.deepEqual(room.state.events.map((e) => e.event_id).sort(), [name, topic].sort(), "only the gap's changes");
});

test("incremental sync, not limited: state changes the timeline carries are not repeated in state", async () => {
  const roomId = await createRoom(alice, [bob]);
  const first = await send(alice, roomId, "hello");
  await delivered(bob, roomId, first);
  const since = await tokenNow(bob);
  const topic = await setState(alice, roomId, "m.room.topic", { topic: "in the timeline" });
  const last = await send(alice, roomId, "after the topic");
  await delivered(bob, roomId, last);

  const room = (await sync(bob, { since })).rooms.join[roomId];
  assert.equal(room.timeline.limited, false);
  assert.deepEqual(room.timeline.events.map((e) => e.event_id), [topic, last]);
  assert.deepEqual(room.state.events, []);
});

test("a room joined since the last sync comes with the whole state before the timeline", async () => {
  const roomId = await createRoom(alice, [], { name: "Joined later", topic: "the topic" });
  const since = await tokenNow(dave);
  assert.equal((await api(server, dave, "POST", `/join/${enc(roomId)}`, {})).status, 200);
  const room = await eventually("the joined room", async () => (await sync(dave, { since })).rooms.join[roomId]);
  assertNoRepeats(room);
  const join = room.timeline.events.find((e) => e.type === "m.room.member" && e.state_key === dave.userId);
  assert.equal(join?.content.membership, "join");
  for (const t of ["m.room.create", "m.room.name", "m.room.topic", "m.room.power_levels"]) assert.ok(stateOf(room, t) ?? room.timeline.events.find((e) => e.type === t), `missing ${t}`);
  assert.equal(stateOf(room, "m.room.member", alice.userId)?.content.membership, "join");
});

test("lazy loading, limited incremental sync: membership changes in the gap are sent", async () => {
  const roomId = await createRoom(alice, [bob], { name: "Lazy gap" });
  const lazy = { room: { rooms: [roomId], timeline: { limit: 2 }, state: { lazy_load_members: true } } };
  const m = await send(alice, roomId, "x");
  await delivered(alice, roomId, m);
  const since = (await sync(alice, { filter: lazy })).next_batch;
  assert.equal((await api(server, carol, "POST", `/join/${enc(roomId)}`, {})).status, 200);
  for (let i = 0; i < 3; i++) await send(alice, roomId, `gap ${i}`);
  const last = await send(bob, roomId, "last");
  await delivered(alice, roomId, last);
  const room = (await sync(alice, { since, filter: lazy })).rooms.join[roomId];
  assert.equal(room.timeline.limited, true);
  const members = room.state.events.filter((e) => e.type === "m.room.member").map((e) => e.state_key).sort();
  // Carol joined in the gap; bob's membership (he sent the last event) was in the first sync's timeline.
  assert.deepEqual(members, [carol.userId]);
  assert.equal(room.summary["m.joined_member_count"], 3);
});

test("a state change the timeline filter leaves out comes in state", async () => {
  const roomId = await createRoom(alice, [bob], { name: "Unfiltered" });
  const m = await send(alice, roomId, "x");
  await delivered(bob, roomId, m);
  const since = await tokenNow(bob);
  const rename = await setState(alice, roomId, "m.room.name", { name: "Renamed, filtered out" });
  await delivered(bob, roomId, rename);
  const room = (await sync(bob, { since, filter: { room: { rooms: [roomId], timeline: { types: ["m.room.message"] } } } })).rooms.join[roomId];
  assert.ok(room, "the room is in the response though its timeline is empty");
  assert.deepEqual(room.timeline.events, []);
  assert.deepEqual(room.state.events.map((e) => e.event_id), [rename]);
});

test("full_state=true: the whole state at the timeline's start", async () => {
  const roomId = await createRoom(alice, [bob], { name: "Before" });
  const m = await send(alice, roomId, "x");
  await delivered(bob, roomId, m);
  const since = await tokenNow(bob);
  const rename = await setState(alice, roomId, "m.room.name", { name: "After" });
  const last = await send(alice, roomId, "y");
  await delivered(bob, roomId, last);

  const room = (await sync(bob, { since, fullState: true, filter: { room: { timeline: { limit: 2 } } } })).rooms.join[roomId];
  assert.deepEqual(room.timeline.events.map((e) => e.event_id), [rename, last]);
  assertNoRepeats(room);
  assert.equal(stateOf(room, "m.room.name")?.content.name, "Before");
  for (const t of ["m.room.create", "m.room.power_levels", "m.room.join_rules"]) assert.ok(stateOf(room, t), `missing ${t}`);
  assert.equal(stateOf(room, "m.room.member", bob.userId)?.content.membership, "join");
});

test("leave and invite sections: a left room's state does not repeat its timeline; an invite carries stripped state", async () => {
  const roomId = await createRoom(alice, [carol]);
  const m = await send(alice, roomId, "hi carol");
  await delivered(carol, roomId, m);
  const since = await tokenNow(carol);
  await setState(alice, roomId, "m.room.topic", { topic: "before carol leaves" });
  assert.equal((await api(server, carol, "POST", `/rooms/${enc(roomId)}/leave`, {})).status, 200);
  const left = await eventually("the leave section", async () => (await sync(carol, { since })).rooms.leave[roomId]);
  assertNoRepeats(left);
  const leave = left.timeline.events.at(-1);
  assert.equal(leave?.type, "m.room.member");
  assert.equal(leave?.content.membership, "leave");
  assert.ok(!stateOf(left, "m.room.create"), "unchanged state is not resent");

  assert.equal((await api(server, alice, "POST", `/rooms/${enc(roomId)}/invite`, { user_id: dave.userId })).status, 200);
  const invited = await eventually("the invite section", async () => (await sync(dave)).rooms.invite[roomId]);
  assert.ok(invited.invite_state.events.some((e) => e.type === "m.room.member" && e.state_key === dave.userId && e.content.membership === "invite"));
});

test("the filter's room.state: types, not_types, senders, not_senders, rooms, not_rooms", async () => {
  const roomId = await createRoom(alice, [bob], { name: "Filtered" });
  const m = await send(bob, roomId, "x");
  await delivered(alice, roomId, m);
  const only = async (state: object) => (await sync(alice, { filter: { room: { rooms: [roomId], timeline: { limit: 1 }, state } } })).rooms.join[roomId].state.events;

  assert.deepEqual([...new Set((await only({ types: ["m.room.name"] })).map((e) => e.type))], ["m.room.name"]);
  assert.deepEqual([...new Set((await only({ types: ["m.room.j*"] })).map((e) => e.type))], ["m.room.join_rules"]);
  const noMembers = await only({ not_types: ["m.room.member"] });
  assert.ok(noMembers.length > 0 && noMembers.every((e) => e.type !== "m.room.member"));
  assert.deepEqual((await only({ senders: [bob.userId] })).map((e) => `${e.type}|${e.state_key}`), [`m.room.member|${bob.userId}`]);
  assert.ok((await only({ not_senders: [alice.userId] })).every((e) => e.sender !== alice.userId));
  assert.deepEqual(await only({ not_rooms: [roomId] }), []);
  assert.deepEqual(await only({ rooms: ["!elsewhere:example.org"] }), []);
  assert.ok((await only({ rooms: [roomId] })).some((e) => e.type === "m.room.create"));
});

test("lazy_load_members: only the timeline senders' members (and the user's own); later syncs skip what the device has", async () => {
  const roomId = await createRoom(alice, [bob, carol, dave], { name: "Lazy" });
  const lazy = { room: { rooms: [roomId], timeline: { limit: 1 }, state: { lazy_load_members: true } } };
  const members = (room: JoinedRoom) => room.state.events.filter((e) => e.type === "m.room.member").map((e) => e.state_key).sort();

  const b1 = await send(bob, roomId, "from bob");
  await delivered(alice, roomId, b1);
  const initial = await sync(alice, { filter: lazy });
  const first = initial.rooms.join[roomId];
  assert.deepEqual(members(first), [alice.userId, bob.userId].sort());
  assert.ok(stateOf(first, "m.room.create"), "other state is not lazily loaded");
  assert.equal(first.summary["m.joined_member_count"], 4);

  const c1 = await send(carol, roomId, "from carol");
  await delivered(alice, roomId, c1);
  const second = await sync(alice, { since: initial.next_batch, filter: lazy });
  assert.deepEqual(members(second.rooms.join[roomId]), [carol.userId]);
  // A retry from the same token (the first answer may never have arrived) sends it again.
  assert.deepEqual(members((await sync(alice, { since: initial.next_batch, filter: lazy })).rooms.join[roomId]), [carol.userId]);

  const b2 = await send(bob, roomId, "bob again");
  await delivered(alice, roomId, b2);
  const third = await sync(alice, { since: second.next_batch, filter: lazy });
  assert.deepEqual(members(third.rooms.join[roomId]), [], "bob's membership was already sent to this device");
  const redundant = { room: { ...lazy.room, state: { lazy_load_members: true, include_redundant_members: true } } };
  assert.deepEqual(members((await sync(alice, { since: second.next_batch, filter: redundant })).rooms.join[roomId]), [bob.userId]);

  // Without lazy loading a full-state sync has every member.
  assert.deepEqual(members((await sync(alice, { since: third.next_batch, fullState: true, filter: { room: { rooms: [roomId], timeline: { limit: 1 } } } })).rooms.join[roomId]), [alice.userId, bob.userId, carol.userId, dave.userId].sort());
});

test("lazy_load_members: a member sent in an answer the client never used is sent again, even from a later token", async () => {
  const roomId = await createRoom(alice, [bob], { name: "Lost answer" });
  const lazy = { room: { rooms: [roomId], timeline: { limit: 1 }, state: { lazy_load_members: true } } };
  const members = (body: SyncBody) => (body.rooms.join[roomId]?.state.events ?? []).filter((e) => e.type === "m.room.member").map((e) => e.state_key);
  await delivered(alice, roomId, await send(alice, roomId, "a0"));
  const start = await sync(alice, { filter: lazy });
  assert.deepEqual(members(start), [alice.userId]);

  await delivered(alice, roomId, await send(bob, roomId, "b1"));
  // This answer carries bob's membership, but never reaches the client…
  assert.deepEqual(members(await sync(alice, { since: start.next_batch, filter: lazy })), [bob.userId]);
  await delivered(alice, roomId, await send(alice, roomId, "a2"));
  // …which retries from its old token; the limited timeline now shows only alice's message.
  const retry = await sync(alice, { since: start.next_batch, filter: lazy });
  assert.deepEqual(retry.rooms.join[roomId].timeline.events.map((e) => e.sender), [alice.userId]);
  assert.deepEqual(members(retry), []);

  await delivered(alice, roomId, await send(bob, roomId, "b3"));
  const next = await sync(alice, { since: retry.next_batch, filter: lazy });
  assert.deepEqual(members(next), [bob.userId], "bob's membership never reached the client: it is sent");
});

test("summary: member counts and heroes (joined then invited, by join order, never the user; none for a named room)", async () => {
  const roomId = await createRoom(alice, [carol, bob]);
  const m = await send(carol, roomId, "x");
  await delivered(alice, roomId, m);
  assert.equal((await api(server, alice, "POST", `/rooms/${enc(roomId)}/invite`, { user_id: dave.userId })).status, 200);
  const last = await send(alice, roomId, "invited dave");
  await delivered(alice, roomId, last);

  const lazy = await sync(alice, { filter: { room: { rooms: [roomId], timeline: { limit: 1 }, state: { lazy_load_members: true } } } });
  const room = lazy.rooms.join[roomId];
  assert.deepEqual(room.summary, { "m.heroes": [carol.userId, bob.userId, dave.userId], "m.joined_member_count": 3, "m.invited_member_count": 1 });
  // Lazy loading: the heroes' memberships come with the summary.
  for (const u of [carol.userId, bob.userId, dave.userId]) assert.ok(stateOf(room, "m.room.member", u), `no membership for hero ${u}`);

  const since = lazy.next_batch;
  await setState(alice, roomId, "m.room.name", { name: "Named now" });
  const after = await send(alice, roomId, "named");
  await delivered(alice, roomId, after);
  const named = (await sync(alice, { since })).rooms.join[roomId];
  assert.deepEqual(named.summary, { "m.joined_member_count": 3, "m.invited_member_count": 1 });
});

test("summary: an incremental sync leaves it out until the members, name or canonical alias change", async () => {
  const roomId = await createRoom(alice, [bob]);
  const only = { room: { rooms: [roomId], timeline: { limit: 5 } } };
  const start = await sync(alice, { filter: only });
  assert.deepEqual(start.rooms.join[roomId].summary, { "m.heroes": [bob.userId], "m.joined_member_count": 2, "m.invited_member_count": 0 });
  await delivered(alice, roomId, await send(bob, roomId, "hello"));
  const quiet = await sync(alice, { since: start.next_batch, filter: only });
  assert.equal(quiet.rooms.join[roomId].timeline.events.length, 1);
  assert.deepEqual(quiet.rooms.join[roomId].summary, {}, "nothing the summary is made of changed");
  assert.equal((await api(server, carol, "POST", `/join/${enc(roomId)}`, {})).status, 200);
  let joined: SyncBody | undefined;
  await eventually("carol's join reaches alice", async () => {
    joined = await sync(alice, { since: quiet.next_batch, filter: only });
    return joined.rooms.join[roomId]?.timeline.events.some((e) => e.type === "m.room.member" && e.state_key === carol.userId) === true;
  });
  assert.ok(joined);
  assert.deepEqual(joined.rooms.join[roomId].summary, { "m.heroes": [bob.userId, carol.userId], "m.joined_member_count": 3, "m.invited_member_count": 0 });
});

test("a profile change (a fresh full state copy) keeps the state at a timeline's start that reaches back before it", async () => {
  const roomId = await createRoom(alice, [bob], { name: "Old" });
  await delivered(alice, roomId, await send(bob, roomId, "before"));
  const only = { room: { rooms: [roomId], timeline: { limit: 10 } } };
  const start = await sync(alice, { filter: only });
  await setState(alice, roomId, "m.room.name", { name: "New" });
  const profile = await setState(alice, roomId, "m.room.member", { membership: "join", displayname: "Alice Again" }, alice.userId);
  await delivered(alice, roomId, profile);
  const after = (await sync(alice, { since: start.next_batch, filter: only })).rooms.join[roomId];
  const names = after.timeline.events.filter((e) => e.type === "m.room.name").map((e) => e.content.name);
  assert.deepEqual(names, ["New"]);
  assert.equal(stateOf(after, "m.room.name")?.content.name, "Old", "the name before the timeline's rename");
  assertNoRepeats(after);
});

test("a gappy sync across a leave and rejoin: the timeline starts after the leave, so state changed while away wins", async () => {
  const roomId = await createRoom(alice, [bob], { name: "Old" });
  const only = { room: { rooms: [roomId], timeline: { limit: 20 } } };
  await delivered(bob, roomId, await send(alice, roomId, "hi"));
  const start = await sync(bob, { filter: only });
  await delivered(bob, roomId, await setState(alice, roomId, "m.room.name", { name: "A" }));
  assert.equal((await api(server, bob, "POST", `/rooms/${enc(roomId)}/leave`, {})).status, 200);
  await setState(alice, roomId, "m.room.name", { name: "B" });
  assert.equal((await api(server, bob, "POST", `/join/${enc(roomId)}`, {})).status, 200);
  let room: JoinedRoom | undefined;
  await eventually("bob's rejoin reaches bob", async () => {
    room = (await sync(bob, { since: start.next_batch, filter: only })).rooms.join[roomId];
    return room?.timeline.events.some((e) => e.type === "m.room.member" && e.state_key === bob.userId && e.content.membership === "join") === true;
  });
  assert.ok(room);
  assert.equal(room.timeline.limited, true);
  assert.ok(!room.timeline.events.some((e) => e.type === "m.room.name"), "the rename before the leave is not replayed after the state");
  // A client applies the state, then the timeline: it ends with the room's current name.
  let name = stateOf(room, "m.room.name")?.content.name;
  for (const e of room.timeline.events) if (e.type === "m.room.name") name = e.content.name;
  assert.equal(name, "B");
  assertNoRepeats(room);
});

test("a client's room state is right after a limited sync (matrix-js-sdk)", async () => {
  const roomId = await createRoom(alice, [bob], { name: "SDK before" });
  await setState(alice, roomId, "m.room.topic", { topic: "gap topic" });
  await setState(alice, roomId, "m.room.name", { name: "SDK gap" });
  for (let i = 0; i < 12; i++) await send(alice, roomId, `gap ${i}`);
  await setState(alice, roomId, "m.room.name", { name: "SDK after" });
  const last = await send(alice, roomId, "last");
  await delivered(bob, roomId, last);

  // A limited sync: its 5 events start after the topic and the first rename.
  const client = createClient({ baseUrl: server.baseUrl, userId: bob.userId, accessToken: bob.accessToken, deviceId: bob.deviceId });
  try {
    await client.startClient({ initialSyncLimit: 5, lazyLoadMembers: false });
    await eventually("the SDK has the last event", () => client.getRoom(roomId)?.getLiveTimeline().getEvents().some((e) => e.getId() === last));
    const room = client.getRoom(roomId)!;
    const timeline = room.getLiveTimeline();
    assert.equal(timeline.getEvents().length, 5);
    assert.equal(room.currentState.getStateEvents("m.room.topic", "")?.getContent().topic, "gap topic");
    assert.equal(room.name, "SDK after");
    assert.equal(timeline.getState(EventTimeline.BACKWARDS)?.getStateEvents("m.room.name", "")?.getContent().name, "SDK gap", "the state at the timeline's start");
    assert.equal(room.getJoinedMemberCount(), 2);
  } finally {
    client.stopClient();
  }
});

test("use_state_after: rooms carry state_after (the state at the timeline's end), not state", async () => {
  const roomId = await createRoom(alice, [bob], { name: "Old" });
  const m = await send(alice, roomId, "x");
  await delivered(bob, roomId, m);
  const since = await tokenNow(bob);
  const rename = await setState(alice, roomId, "m.room.name", { name: "New" });
  const last = await send(alice, roomId, "y");
  await delivered(bob, roomId, last);

  const get = async (q: string) => {
    const r = await api(server, bob, "GET", `/sync?use_state_after=true&filter=${enc(JSON.stringify({ room: { rooms: [roomId], timeline: { limit: 2 } } }))}${q}`);
    assert.equal(r.status, 200);
    return (r.body as unknown as { rooms: { join: Record<string, Record<string, { events: Ev[] }>> } }).rooms.join[roomId];
  };
  const initial = await get("");
  assert.equal(initial.state, undefined);
  assert.equal(initial.state_after.events.find((e) => e.type === "m.room.name")?.event_id, rename, "the name after the timeline, though the timeline has it");
  assert.ok(initial.state_after.events.some((e) => e.type === "m.room.create"));
  const incremental = await get(`&since=${enc(since)}`);
  assert.equal(incremental.state, undefined);
  assert.deepEqual(incremental.state_after.events.map((e) => e.event_id), [rename]);

  const bad = await api(server, bob, "GET", "/sync?use_state_after=yes");
  assert.equal(bad.status, 400);
  assert.equal(bad.body.errcode, "M_INVALID_PARAM");
});

test("bad room.state filters are refused (M_BAD_JSON / M_INVALID_PARAM) and change nothing", async () => {
  const roomId = await createRoom(alice, []);
  const last = await send(alice, roomId, "x");
  await delivered(alice, roomId, last);
  const since = await tokenNow(alice);
  const bad = async (filter: string, errcode: string) => {
    const r = await api(server, alice, "GET", `/sync?since=${enc(since)}&filter=${enc(filter)}`);
    assert.equal(r.status, 400, filter);
    assert.equal(r.body.errcode, errcode, filter);
  };
  await bad(JSON.stringify({ room: { state: { lazy_load_members: "yes" } } }), "M_BAD_JSON");
  await bad(JSON.stringify({ room: { state: { include_redundant_members: 1 } } }), "M_BAD_JSON");
  await bad(JSON.stringify({ room: { state: { types: "m.room.name" } } }), "M_BAD_JSON");
  await bad(JSON.stringify({ room: { state: { not_senders: [42] } } }), "M_BAD_JSON");
  await bad(JSON.stringify({ room: { state: { senders: ["alice"] } } }), "M_INVALID_PARAM");
  await bad(JSON.stringify({ room: { state: [] } }), "M_BAD_JSON");
  await bad("{not json", "M_NOT_JSON");
  await bad("987654", "M_INVALID_PARAM");
  // Also while long-polling.
  const polled = await api(server, alice, "GET", `/sync?since=${enc(since)}&timeout=500&filter=${enc(JSON.stringify({ room: { state: { lazy_load_members: "yes" } } }))}`);
  assert.equal(polled.status, 400);
  // Uploading such a filter is refused too, and nothing is stored.
  const upload = await api(server, alice, "POST", `/user/${enc(alice.userId)}/filter`, { room: { state: { types: "m.room.name" } } });
  assert.equal(upload.status, 400);
  assert.equal(upload.body.errcode, "M_BAD_JSON");
  // Nothing changed: the stream has nothing new for the token.
  const after = await sync(alice, { since });
  assert.equal(after.next_batch, since);
  assert.deepEqual(after.rooms.join, {});
});
