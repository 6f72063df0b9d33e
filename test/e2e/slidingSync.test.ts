/**
 * Simplified sliding sync (MSC4186) over raw HTTP, in the shapes Element X (matrix-rust-sdk)
 * sends: the room-list connection with its pair-form required_state, the encryption connection
 * with to_device and e2ee, range growth, incremental responses, long-polls and M_UNKNOWN_POS.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, registerUsers, callOk, call, loginNewDevice, makeEventually, type RunningServer, type TestUser } from "./harness.js";
import { uploadDevice } from "./e2eeRawHelpers.js";
import { ELEMENT_X_ROOM_LIST_STATE, SLIDING_SYNC_PATH } from "../elementX.js";

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
const enc = encodeURIComponent;
const eventually = makeEventually({ timeout: 10_000, every: 50 });

before(async () => {
  server = await startServer();
  [alice, bob] = await registerUsers(server.baseUrl, "alice", "bob");
});

after(async () => {
  await server?.stop();
});

const ok = (u: TestUser, method: string, path: string, body?: unknown) => callOk(server, u, method, path, body);


type Json = Record<string, unknown>;
type RoomResult = Json & { timeline?: Json[]; required_state?: Json[] };

async function slide(u: TestUser, body: Json, query: { pos?: string; timeout?: number } = {}): Promise<Json & { pos: string; rooms: Record<string, RoomResult>; lists: Record<string, { count: number }>; extensions: Json }> {
  const q = new URLSearchParams();
  if (query.pos) q.set("pos", query.pos);
  q.set("timeout", String(query.timeout ?? 0));
  const r = await call(server.baseUrl, "POST", `${SLIDING_SYNC_PATH}?${q}`, { token: u.accessToken, body });
  if (r.status !== 200) throw new Error(`sliding sync ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as Json & { pos: string; rooms: Record<string, RoomResult>; lists: Record<string, { count: number }>; extensions: Json };
}

function roomList(range: [number, number], extra: Json = {}): Json {
  return {
    conn_id: "room-list",
    lists: { all_rooms: { ranges: [range], required_state: ELEMENT_X_ROOM_LIST_STATE, filters: {}, timeline_limit: 1 } },
    extensions: { account_data: { enabled: true }, receipts: { enabled: true, rooms: ["*"] }, typing: { enabled: true } },
    ...extra,
  };
}

const send = async (u: TestUser, roomId: string, body: string) =>
  String((await ok(u, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/${Math.random().toString(36).slice(2)}`, { msgtype: "m.text", body })).event_id);

/**
 * Waits until `eventId` is the latest event of the room in `u`'s stream: a room hands its events
 * to members' streams just after answering the send, so a test reads them only once they are there.
 */
async function seen(u: TestUser, roomId: string, eventId: string): Promise<void> {
  await eventually(`${eventId} in ${u.userId}'s stream`, async () => {
    const r = await slide(u, { conn_id: "probe", room_subscriptions: { [roomId]: { timeline_limit: 1, required_state: [] } } });
    return r.rooms[roomId]?.timeline?.at(-1)?.event_id === eventId;
  });
}

test("/versions advertises simplified sliding sync", async () => {
  const r = await call(server.baseUrl, "GET", "/_matrix/client/versions");
  assert.equal((r.body.unstable_features as Json)["org.matrix.simplified_msc3575"], true);
});

test("the room list: first response, then only what changed, then a long-poll woken by a message", async () => {
  const roomId = String((await ok(alice, "POST", "/_matrix/client/v3/createRoom", { name: "Garden", invite: [bob.userId] })).room_id);
  await ok(bob, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {});
  const lastId = await send(alice, roomId, "hello bob");
  await seen(bob, roomId, lastId);

  const first = await slide(bob, roomList([0, 19]));
  assert.equal(first.lists.all_rooms.count, 1);
  const room = first.rooms[roomId];
  assert.equal(room.initial, true);
  assert.equal(room.name, "Garden");
  assert.equal(room.joined_count, 2);
  assert.equal(room.timeline?.length, 1);
  assert.equal(room.timeline?.[0].event_id, lastId);
  assert.equal(room.num_live, 0);
  assert.equal(room.limited, true);
  assert.equal(typeof room.bump_stamp, "number");
  const types = new Set(room.required_state?.map((e) => `${String(e.type)}|${String(e.state_key)}`));
  assert.ok(types.has("m.room.create|"));
  assert.ok(types.has("m.room.name|"));
  assert.ok(types.has(`m.room.member|${bob.userId}`), "$ME");
  assert.ok(types.has(`m.room.member|${alice.userId}`), "$LAZY: the sender of the timeline event");
  assert.ok(!types.has("m.room.join_rules|") || true);
  // prev_batch pages back with /messages.
  const page = await ok(bob, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=5&from=${enc(String(room.prev_batch))}`);
  assert.ok((page.chunk as Json[]).length > 0);
  // So does the pos itself (MSC4186: usable like a /sync next_batch), from the latest event back.
  const fromPos = await ok(bob, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=1&from=${enc(first.pos)}`);
  assert.equal((fromPos.chunk as Json[])[0].event_id, lastId);
  await ok(bob, "GET", `/_matrix/client/v1/rooms/${enc(roomId)}/relations/${enc(lastId)}?from=${enc(first.pos)}`);

  // Nothing new: the same pos, no rooms.
  const again = await slide(bob, roomList([0, 19]), { pos: first.pos });
  assert.deepEqual(again.rooms, {});
  assert.equal(again.pos, first.pos);

  const second = await send(alice, roomId, "are you there?");
  await seen(bob, roomId, second);
  const inc = await slide(bob, roomList([0, 19]), { pos: first.pos });
  const r2 = inc.rooms[roomId];
  assert.equal(r2.initial, undefined);
  assert.deepEqual(
    r2.timeline?.map((e) => e.event_id),
    [second],
  );
  assert.equal(r2.num_live, 1);
  assert.equal(r2.name, undefined, "the name did not change");

  // A long-poll parks and is woken by the next message.
  const waiting = slide(bob, roomList([0, 19]), { pos: inc.pos, timeout: 20_000 });
  await new Promise((r) => setTimeout(r, 300));
  const third = await send(alice, roomId, "ping");
  const woken = await waiting;
  assert.deepEqual(
    woken.rooms[roomId].timeline?.map((e) => e.event_id),
    [third],
  );
});

test("a pos that is garbage, of another device, or superseded is M_UNKNOWN_POS", async () => {
  const first = await slide(alice, roomList([0, 9]));
  const next = await slide(alice, roomList([0, 9]), { pos: first.pos });
  const bad = async (u: TestUser, pos: string) => {
    const r = await call(server.baseUrl, "POST", `${SLIDING_SYNC_PATH}?pos=${enc(pos)}&timeout=0`, { token: u.accessToken, body: roomList([0, 9]) });
    assert.equal(r.status, 400);
    assert.equal(r.body.errcode, "M_UNKNOWN_POS");
  };
  await bad(alice, "garbage");
  const phone = await loginNewDevice(server.baseUrl, alice);
  await bad(phone, next.pos);
  await bad(bob, next.pos);
});

const createRoom = async (u: TestUser, body: Json = {}) => String((await ok(u, "POST", "/_matrix/client/v3/createRoom", body)).room_id);
const join = (u: TestUser, roomId: string) => ok(u, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {});
const stateKeys = (room: RoomResult) => new Set((room.required_state ?? []).map((e) => `${String(e.type)}|${String(e.state_key)}`));

test("range growth sends only the rooms not sent yet, most recently active first", async () => {
  const [carol] = await registerUsers(server.baseUrl, "carol");
  const rooms: string[] = [];
  for (let i = 0; i < 8; i++) rooms.push(await createRoom(carol, { name: `room ${i}` }));
  // Rooms reach the user's stream as the rooms deliver them; wait until all eight have, then
  // make rooms 6, 7 and 2 the most recently active, in that order.
  await eventually("all rooms listed", async () => (await slide(carol, roomList([0, 0], { conn_id: "probe" }))).lists.all_rooms.count === 8);
  for (const i of [6, 7, 2]) {
    await send(carol, rooms[i], "bump");
    await eventually(`room ${i} on top`, async () => Object.keys((await slide(carol, roomList([0, 0], { conn_id: "probe" }))).rooms)[0] === rooms[i]);
  }
  const first = await slide(carol, roomList([0, 2]));
  assert.equal(first.lists.all_rooms.count, 8);
  assert.deepEqual(Object.keys(first.rooms).sort(), [rooms[2], rooms[7], rooms[6]].sort());
  const stamp = (r: string) => first.rooms[r].bump_stamp as number;
  assert.ok(stamp(rooms[2]) > stamp(rooms[7]) && stamp(rooms[7]) > stamp(rooms[6]));
  const grown = await slide(carol, roomList([0, 7]), { pos: first.pos });
  assert.deepEqual(Object.keys(grown.rooms).sort(), rooms.filter((r) => ![rooms[2], rooms[7], rooms[6]].includes(r)).sort());
  for (const r of Object.values(grown.rooms)) assert.equal(r.initial, true);
  // Shrinking and growing again sends nothing: the client has every room already.
  const shrunk = await slide(carol, roomList([0, 2]), { pos: grown.pos });
  const again = await slide(carol, roomList([0, 7]), { pos: shrunk.pos });
  assert.deepEqual(again.rooms, {});
});

test("a retried pos gives the same rooms again; once the client goes on, the earlier positions are unknown", async () => {
  const [dan] = await registerUsers(server.baseUrl, "dan");
  const roomId = await createRoom(dan, { name: "retry" });
  const first = await slide(dan, roomList([0, 9]));
  const eventId = await send(dan, roomId, "one");
  await seen(dan, roomId, eventId);
  const answer = await slide(dan, roomList([0, 9]), { pos: first.pos });
  // The client never processed that answer and asks again with the same pos.
  const retried = await slide(dan, roomList([0, 9]), { pos: first.pos });
  assert.deepEqual(
    retried.rooms[roomId].timeline?.map((e) => e.event_id),
    [eventId],
  );
  assert.notEqual(retried.pos, first.pos);
  const next = await slide(dan, roomList([0, 9]), { pos: retried.pos });
  assert.deepEqual(next.rooms, {});
  // Once the client goes on from the retry's answer, the earlier pos and the unprocessed answer are unknown.
  for (const pos of [first.pos, answer.pos]) {
    const stale = await call(server.baseUrl, "POST", `${SLIDING_SYNC_PATH}?pos=${enc(pos)}&timeout=0`, { token: dan.accessToken, body: roomList([0, 9]) });
    assert.equal(stale.status, 400);
    assert.equal(stale.body.errcode, "M_UNKNOWN_POS");
  }
});

test("invites come with stripped state; joining sends the room again in full", async () => {
  const [erin, frank] = await registerUsers(server.baseUrl, "erin", "frank");
  const roomId = await createRoom(erin, { name: "Invitation", invite: [frank.userId] });
  const first = await slide(frank, roomList([0, 9]));
  const invite = first.rooms[roomId];
  assert.equal(invite.membership, "invite");
  assert.equal(invite.initial, true);
  const stripped = invite.invite_state as Json[];
  assert.deepEqual(invite.stripped_state, stripped);
  assert.ok(stripped.some((e) => e.type === "m.room.name" && (e.content as Json).name === "Invitation"));
  assert.ok(stripped.some((e) => e.type === "m.room.member" && e.state_key === frank.userId && (e.content as Json).membership === "invite"));
  assert.equal(invite.timeline, undefined, "no timeline before joining");
  await join(frank, roomId);
  const joined = (await slide(frank, roomList([0, 9]), { pos: first.pos })).rooms[roomId];
  assert.equal(joined.membership, "join");
  assert.equal(joined.initial, true);
  assert.equal(joined.name, "Invitation");
  assert.equal(joined.invite_state, undefined);
  assert.ok(stateKeys(joined).has(`m.room.member|${frank.userId}`));
});

test("a kicked user is told once; a room left on one's own is not listed on a new connection", async () => {
  const [gina, hank] = await registerUsers(server.baseUrl, "gina", "hank");
  const kickedFrom = await createRoom(gina, { name: "kick", preset: "public_chat" });
  const leftRoom = await createRoom(gina, { name: "left", preset: "public_chat" });
  await join(hank, kickedFrom);
  await join(hank, leftRoom);
  const first = await slide(hank, roomList([0, 9]));
  assert.equal(first.lists.all_rooms.count, 2);
  await ok(gina, "POST", `/_matrix/client/v3/rooms/${enc(kickedFrom)}/kick`, { user_id: hank.userId, reason: "test" });
  await ok(hank, "POST", `/_matrix/client/v3/rooms/${enc(leftRoom)}/leave`, {});
  await send(gina, kickedFrom, "after the kick");
  const inc = await slide(hank, roomList([0, 9]), { pos: first.pos });
  const kicked = inc.rooms[kickedFrom];
  assert.equal(kicked.membership, "leave");
  const last = kicked.timeline?.at(-1) as Json;
  assert.equal(last.type, "m.room.member");
  assert.equal((last.content as Json).membership, "leave");
  assert.ok(!kicked.timeline?.some((e) => (e.content as Json).body === "after the kick"), "nothing after the kick");
  assert.equal(inc.rooms[leftRoom].membership, "leave");
  // Nothing more is sent for either room.
  await send(gina, kickedFrom, "later still");
  const later = await slide(hank, roomList([0, 9]), { pos: inc.pos });
  assert.deepEqual(later.rooms, {});
  // A new connection lists the room he was kicked from, not the one he left himself.
  const fresh = await slide(hank, roomList([0, 9], { conn_id: "other" }));
  assert.deepEqual(Object.keys(fresh.rooms), [kickedFrom]);
  assert.equal(fresh.lists.all_rooms.count, 1);
});

test("raising timeline_limit sends earlier history (expanded_timeline); widening required_state sends the new state", async () => {
  const [ivan] = await registerUsers(server.baseUrl, "ivan");
  const roomId = await createRoom(ivan, { name: "history", topic: "a topic" });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(await send(ivan, roomId, `m${i}`));
  await seen(ivan, roomId, ids[4]);
  const narrow = { conn_id: "c", lists: { l: { ranges: [[0, 9]], timeline_limit: 1, required_state: [["m.room.name", ""]] } } };
  const first = await slide(ivan, narrow);
  assert.deepEqual(
    first.rooms[roomId].timeline?.map((e) => e.event_id),
    [ids[4]],
  );
  assert.ok(!stateKeys(first.rooms[roomId]).has("m.room.topic|"));
  const wide = { conn_id: "c", lists: { l: { ranges: [[0, 9]], timeline_limit: 3, required_state: [["m.room.name", ""], ["m.room.topic", ""]] } } };
  const second = await slide(ivan, wide, { pos: first.pos });
  const room = second.rooms[roomId];
  assert.deepEqual(
    room.timeline?.map((e) => e.event_id),
    ids.slice(2),
  );
  assert.equal(room.expanded_timeline, true);
  assert.equal(room.initial, undefined);
  assert.deepEqual([...stateKeys(room)], ["m.room.topic|"]);
});

test("the merged MSC form of required_state: include, exclude and lazy_members", async () => {
  const [jill, kim] = await registerUsers(server.baseUrl, "jill", "kim");
  const roomId = await createRoom(jill, { name: "forms", topic: "t", preset: "public_chat" });
  await join(kim, roomId);
  await seen(kim, roomId, await send(jill, roomId, "from jill"));
  const r = await slide(kim, {
    lists: { l: { range: [0, 9], timeline_limit: 1, required_state: { include: [{}], exclude: [{ type: "m.room.topic" }], lazy_members: true } } },
  });
  const keys = stateKeys(r.rooms[roomId]);
  assert.ok(keys.has("m.room.create|") && keys.has("m.room.name|") && keys.has("m.room.power_levels|"));
  assert.ok(!keys.has("m.room.topic|"), "excluded");
  assert.ok(keys.has(`m.room.member|${jill.userId}`), "the timeline's sender, lazily");
  assert.ok(!keys.has(`m.room.member|${kim.userId}`), "not the user's own member event: lazy_members alone does not include it");
});

const encryption = (since?: string): Json => ({ conn_id: "encryption", extensions: { e2ee: { enabled: true }, to_device: { enabled: true, ...(since ? { since } : {}) } } });
const toDevice = (from: TestUser, to: TestUser, body: string) =>
  ok(from, "PUT", `/_matrix/client/v3/sendToDevice/m.test/${Math.random().toString(36).slice(2)}`, { messages: { [to.userId]: { [to.deviceId]: { body } } } });

test("the encryption connection: to_device with since, e2ee device lists and key counts, woken by a to-device message", async () => {
  const [lena, mike] = await registerUsers(server.baseUrl, "lena", "mike");
  const roomId = await createRoom(lena, { preset: "public_chat" });
  await join(mike, roomId);
  await uploadDevice(server.baseUrl, mike, 3);
  // matrix-rust-sdk's first request on this connection has timeout 30000 and no pos: it is answered at once.
  const started = Date.now();
  const first = await slide(mike, encryption(), { timeout: 30_000 });
  assert.ok(Date.now() - started < 10_000);
  const e2ee = first.extensions.e2ee as Json;
  assert.deepEqual((e2ee.device_one_time_keys_count as Json).signed_curve25519, 3);
  assert.deepEqual(e2ee.device_unused_fallback_key_types, ["signed_curve25519"]);
  assert.deepEqual(e2ee.device_lists, { changed: [], left: [] }, "no device lists without a pos");
  const td = first.extensions.to_device as { next_batch: string; events: Json[] };
  assert.deepEqual(td.events, []);
  assert.equal(first.extensions.account_data, undefined, "only the extensions asked for");

  // A to-device message wakes a waiting request.
  const waiting = slide(mike, encryption(td.next_batch), { pos: first.pos, timeout: 20_000 });
  await new Promise((r) => setTimeout(r, 300));
  await toDevice(lena, mike, "psst");
  const woken = await waiting;
  const got = woken.extensions.to_device as { next_batch: string; events: Json[] };
  assert.deepEqual(
    got.events.map((e) => (e.content as Json).body),
    ["psst"],
  );
  assert.equal(got.events[0].sender, lena.userId);
  // Acknowledged by since: not sent again.
  const after = await slide(mike, encryption(got.next_batch), { pos: woken.pos });
  assert.deepEqual((after.extensions.to_device as Json).events, []);

  // Lena uploads keys for a new device: Mike's device_lists say so.
  const lenaPhone = await loginNewDevice(server.baseUrl, lena);
  await uploadDevice(server.baseUrl, lenaPhone, 1);
  const changed = await slide(mike, encryption(got.next_batch), { pos: after.pos });
  assert.ok(((changed.extensions.e2ee as Json).device_lists as { changed: string[] }).changed.includes(lena.userId));
});

test("account_data, receipts and typing extensions", async () => {
  const [nina, omar] = await registerUsers(server.baseUrl, "nina", "omar");
  const roomId = await createRoom(nina, { preset: "public_chat" });
  await join(omar, roomId);
  await ok(omar, "PUT", `/_matrix/client/v3/user/${enc(omar.userId)}/account_data/org.example.global`, { a: 1 });
  await ok(omar, "PUT", `/_matrix/client/v3/user/${enc(omar.userId)}/rooms/${enc(roomId)}/account_data/org.example.room`, { b: 2 });
  const eventId = await send(nina, roomId, "read me");
  await ok(nina, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/receipt/m.read/${enc(eventId)}`, {});
  await seen(omar, roomId, eventId);
  const receiptIn = (r: Json) => (r.extensions as { receipts: { rooms: Record<string, Json> } }).receipts.rooms[roomId];
  const first = await eventually("the receipt", async () => {
    const r = await slide(omar, roomList([0, 9]));
    return receiptIn(r) ? r : undefined;
  });
  const ad = first.extensions.account_data as { global: Json[]; rooms: Record<string, Json[]> };
  assert.ok(ad.global.some((e) => e.type === "org.example.global"));
  assert.deepEqual(
    ad.rooms[roomId].map((e) => e.type),
    ["org.example.room"],
  );
  const receipts = receiptIn(first);
  assert.equal(receipts.type, "m.receipt");
  assert.ok(((receipts.content as Json)[eventId] as Json)["m.read"]);

  // Incremental: only what changed.
  await ok(nina, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/typing/${enc(nina.userId)}`, { typing: true, timeout: 20_000 });
  // A long-poll: it returns when the typing notice reaches Omar's stream.
  const inc = await slide(omar, roomList([0, 9]), { pos: first.pos, timeout: 10_000 });
  assert.deepEqual((inc.extensions.typing as { rooms: Record<string, Json> }).rooms[roomId], { type: "m.typing", content: { user_ids: [nina.userId] } });
  assert.deepEqual((inc.extensions.account_data as Json).global, []);
  assert.deepEqual((inc.extensions.receipts as Json).rooms, {});
});

test("filters: is_dm, is_encrypted, is_invite, room types, tags and spaces", async () => {
  const [pia, quin] = await registerUsers(server.baseUrl, "pia", "quin");
  const plain = await createRoom(pia, { name: "plain" });
  const dm = await createRoom(pia, { is_direct: true, invite: [quin.userId] });
  await ok(pia, "PUT", `/_matrix/client/v3/user/${enc(pia.userId)}/account_data/m.direct`, { [quin.userId]: [dm] });
  const encrypted = await createRoom(pia, { initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }] });
  const space = await createRoom(pia, { creation_content: { type: "m.space" }, name: "space" });
  await ok(pia, "PUT", `/_matrix/client/v3/rooms/${enc(space)}/state/m.space.child/${enc(plain)}`, { via: ["localhost"] });
  await ok(pia, "PUT", `/_matrix/client/v3/user/${enc(pia.userId)}/rooms/${enc(encrypted)}/tags/m.favourite`, { order: 0.5 });
  const invitedTo = await createRoom(quin, { invite: [pia.userId] });
  const list = (filters: Json) => ({ lists: { l: { ranges: [[0, 20]], timeline_limit: 0, required_state: [], filters } } });
  const ids = async (filters: Json) => Object.keys((await slide(pia, list(filters))).rooms).sort();
  assert.deepEqual(await ids({ is_dm: true }), [dm]);
  assert.deepEqual(await ids({ is_encrypted: true }), [encrypted]);
  assert.deepEqual(await ids({ is_invite: true }), [invitedTo]);
  assert.deepEqual(await ids({ room_types: ["m.space"] }), [space]);
  assert.deepEqual(await ids({ not_room_types: ["m.space"], is_invite: false }), [dm, encrypted, plain].sort());
  assert.deepEqual(await ids({ tags: ["m.favourite"] }), [encrypted]);
  assert.deepEqual(await ids({ not_tags: ["m.favourite"], is_invite: false, not_room_types: ["m.space"] }), [dm, plain].sort());
  assert.deepEqual(await ids({ spaces: [space] }), [plain]);
});

test("subscriptions: a room outside the list is sent, a room the user cannot see is ignored", async () => {
  const [rosa, sam] = await registerUsers(server.baseUrl, "rosa", "sam");
  const older = await createRoom(rosa, { name: "older" });
  await createRoom(rosa, { name: "newer" });
  const secret = await createRoom(sam, { name: "secret" });
  const r = await slide(rosa, {
    lists: { l: { ranges: [[0, 0]], timeline_limit: 1, required_state: [["m.room.name", ""]] } },
    room_subscriptions: { [older]: { timeline_limit: 20, required_state: [["*", "*"]] }, [secret]: { timeline_limit: 20, required_state: [["*", "*"]] } },
  });
  assert.equal(r.rooms[secret], undefined);
  const sub = r.rooms[older];
  assert.equal(sub.name, "older");
  assert.equal(sub.lists, undefined, "matched by the subscription only");
  assert.ok((sub.timeline?.length ?? 0) > 1, "the subscription's timeline_limit");
  assert.ok(stateKeys(sub).has(`m.room.member|${rosa.userId}`), "all state");
});

test("a long-poll with nothing new times out with the same pos and nothing in it", async () => {
  const [tess] = await registerUsers(server.baseUrl, "tess");
  await createRoom(tess, { name: "quiet" });
  const first = await slide(tess, roomList([0, 9]));
  const started = Date.now();
  const idle = await slide(tess, roomList([0, 9]), { pos: first.pos, timeout: 1500 });
  assert.ok(Date.now() - started >= 1400);
  assert.equal(idle.pos, first.pos);
  assert.deepEqual(idle.rooms, {});
  assert.deepEqual(idle.lists, { all_rooms: { count: 1 } });
});

test("wrong requests get the MSC's errors and change nothing", async () => {
  const [uma] = await registerUsers(server.baseUrl, "uma");
  const roomId = await createRoom(uma, { name: "x" });
  const first = await slide(uma, roomList([0, 9]));
  const refuse = async (path: string, body: unknown, status: number, errcode: string, token: string | null = uma.accessToken, rawBody?: string) => {
    const r = await call(server.baseUrl, "POST", path, { token: token ?? undefined, body, rawBody });
    assert.equal(r.status, status, `${JSON.stringify(body ?? rawBody)} → ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, errcode);
  };
  const manyLists = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`l${i}`, { ranges: [[0, 1]], timeline_limit: 1 }]));
  const manySubs = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`!r${i}:localhost`, { timeline_limit: 1 }]));
  const at = `${SLIDING_SYNC_PATH}?pos=${enc(first.pos)}&timeout=0`;
  await refuse(at, { lists: manyLists }, 400, "M_INVALID_PARAM");
  await refuse(at, { room_subscriptions: manySubs }, 400, "M_INVALID_PARAM");
  await refuse(at, { lists: { l: { ranges: [[5, 1]], timeline_limit: 1 } } }, 400, "M_INVALID_PARAM");
  await refuse(at, { lists: { l: { ranges: [[-1, 1]], timeline_limit: 1 } } }, 400, "M_INVALID_PARAM");
  await refuse(at, { lists: { l: { range: [0, 1, 2], timeline_limit: 1 } } }, 400, "M_INVALID_PARAM");
  await refuse(`${at}&set_presence=busy`, {}, 400, "M_INVALID_PARAM");
  await refuse(at, { lists: { l: { ranges: [[0, 1]], timeline_limit: "1" } } }, 400, "M_INVALID_PARAM");
  await refuse(at, { lists: { l: { ranges: [[0, 1]], timeline_limit: 1, required_state: [["m.room.name"]] } } }, 400, "M_BAD_JSON");
  await refuse(at, { lists: "all" }, 400, "M_BAD_JSON");
  await refuse(at, { conn_id: 5 }, 400, "M_BAD_JSON");
  await refuse(at, { extensions: { to_device: { enabled: true, since: "yesterday" } } }, 400, "M_INVALID_PARAM");
  await refuse(at, undefined, 400, "M_NOT_JSON", uma.accessToken, "{not json");
  await refuse(`${SLIDING_SYNC_PATH}?timeout=abc`, {}, 400, "M_INVALID_PARAM");
  await refuse(at, roomList([0, 9]), 401, "M_MISSING_TOKEN", null);
  await refuse(at, roomList([0, 9]), 401, "M_UNKNOWN_TOKEN", "lat_bogus_token");
  // Nothing changed: the pos still works and the room is not sent again.
  const after = await slide(uma, roomList([0, 9]), { pos: first.pos });
  assert.equal(after.rooms[roomId], undefined);
});

test("a message in one room brings only that room, not every room of the window", async () => {
  const quiet = await createRoom(alice, { name: "Quiet" });
  const busy = await createRoom(alice, { name: "Busy" });
  const first = await slide(alice, roomList([0, 19]));
  assert.ok(first.rooms[quiet] && first.rooms[busy]);
  const sent = await send(alice, busy, "only here");
  await seen(alice, busy, sent);
  const inc = await slide(alice, roomList([0, 19]), { pos: first.pos });
  assert.deepEqual(Object.keys(inc.rooms), [busy]);
  assert.deepEqual(
    inc.rooms[busy].timeline?.map((e) => e.event_id),
    [sent],
  );
  // The same for a waiting request: woken by the message, with that room alone.
  const waiting = slide(alice, roomList([0, 19]), { pos: inc.pos, timeout: 20_000 });
  await new Promise((r) => setTimeout(r, 300));
  const again = await send(alice, busy, "and here");
  const woken = await waiting;
  assert.deepEqual(Object.keys(woken.rooms), [busy]);
  assert.deepEqual(
    woken.rooms[busy].timeline?.map((e) => e.event_id),
    [again],
  );
});

test("a request too large to park in a header (a hundred subscriptions) still long-polls: it waits, and a message wakes it", async () => {
  const [vera] = await registerUsers(server.baseUrl, "vera");
  const roomId = await createRoom(vera, { name: "big request" });
  const subscriptions: Json = { [roomId]: { timeline_limit: 5, required_state: ELEMENT_X_ROOM_LIST_STATE } };
  // Rooms Vera is not in are ignored, but they make the request about 60 kB.
  for (let i = 0; i < 99; i++) subscriptions[`!not-a-room-of-hers-${i}:localhost`] = { timeline_limit: 20, required_state: ELEMENT_X_ROOM_LIST_STATE };
  const body = { conn_id: "big", room_subscriptions: subscriptions };
  assert.ok(encodeURIComponent(JSON.stringify(body)).length > 16_000);
  const first = await slide(vera, body);
  assert.deepEqual(Object.keys(first.rooms), [roomId]);

  const started = Date.now();
  const idle = await slide(vera, body, { pos: first.pos, timeout: 1000 });
  assert.ok(Date.now() - started >= 900, "it waited");
  assert.deepEqual(idle.rooms, {});
  assert.equal(idle.pos, first.pos);

  const waiting = slide(vera, body, { pos: idle.pos, timeout: 20_000 });
  await new Promise((r) => setTimeout(r, 300));
  const eventId = await send(vera, roomId, "wake the big one");
  const woken = await waiting;
  assert.deepEqual(
    woken.rooms[roomId].timeline?.map((e) => e.event_id),
    [eventId],
  );
});

test("heroes of an unnamed room are /sync's m.heroes: members by when they joined, not by user ID", async () => {
  const [zed] = await registerUsers(server.baseUrl, "zed_heroes");
  const roomId = String((await ok(alice, "POST", "/_matrix/client/v3/createRoom", { preset: "private_chat" })).room_id);
  for (const u of [zed, bob]) {
    await ok(alice, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, { user_id: u.userId });
    await ok(u, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/join`, {});
  }
  const heroes = await eventually("both joins in alice's /sync", async () => {
    const body = (await ok(alice, "GET", `/_matrix/client/v3/sync?filter=${enc(JSON.stringify({ room: { rooms: [roomId], timeline: { limit: 1 } } }))}`)) as { rooms: { join: Record<string, { summary: Json }> } };
    const summary = body.rooms.join[roomId]?.summary;
    return summary?.["m.joined_member_count"] === 3 ? (summary["m.heroes"] as string[]) : undefined;
  });
  assert.deepEqual(heroes, [zed.userId, bob.userId]);
  const r = await slide(alice, { conn_id: "heroes", room_subscriptions: { [roomId]: { timeline_limit: 1, required_state: [] } } });
  assert.deepEqual(
    (r.rooms[roomId].heroes as Json[]).map((h) => h.user_id),
    heroes,
  );
});
