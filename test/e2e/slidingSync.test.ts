/**
 * Simplified sliding sync (MSC4186) over raw HTTP, in the shapes Element X (matrix-rust-sdk)
 * sends: the room-list connection with its pair-form required_state, the encryption connection
 * with to_device and e2ee, range growth, incremental responses, long-polls and M_UNKNOWN_POS.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, registerUsers, callOk, call, loginNewDevice, type RunningServer, type TestUser } from "./harness.js";

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
const enc = encodeURIComponent;
const SS = "/_matrix/client/unstable/org.matrix.simplified_msc3575/sync";

before(async () => {
  server = await startServer();
  [alice, bob] = await registerUsers(server.baseUrl, "alice", "bob");
});

after(async () => {
  await server?.stop();
});

const ok = (u: TestUser, method: string, path: string, body?: unknown) => callOk(server, u, method, path, body);

/** The required_state Element X's room list asks for (matrix-rust-sdk's room list service). */
const ROOM_LIST_STATE = [
  ["m.room.name", ""],
  ["m.room.encryption", ""],
  ["m.room.member", "$LAZY"],
  ["m.room.member", "$ME"],
  ["m.room.topic", ""],
  ["m.room.avatar", ""],
  ["m.room.canonical_alias", ""],
  ["m.room.power_levels", ""],
  ["org.matrix.msc3401.call.member", "*"],
  ["m.room.join_rules", ""],
  ["m.room.tombstone", ""],
  ["m.room.create", ""],
  ["m.room.history_visibility", ""],
  ["io.element.functional_members", ""],
  ["m.space.parent", "*"],
  ["m.space.child", "*"],
];

type Json = Record<string, unknown>;
type RoomResult = Json & { timeline?: Json[]; required_state?: Json[] };

async function slide(u: TestUser, body: Json, query: { pos?: string; timeout?: number } = {}): Promise<Json & { pos: string; rooms: Record<string, RoomResult>; lists: Record<string, { count: number }>; extensions: Json }> {
  const q = new URLSearchParams();
  if (query.pos) q.set("pos", query.pos);
  q.set("timeout", String(query.timeout ?? 0));
  const r = await call(server.baseUrl, "POST", `${SS}?${q}`, { token: u.accessToken, body });
  if (r.status !== 200) throw new Error(`sliding sync ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as Json & { pos: string; rooms: Record<string, RoomResult>; lists: Record<string, { count: number }>; extensions: Json };
}

function roomList(range: [number, number], extra: Json = {}): Json {
  return {
    conn_id: "room-list",
    lists: { all_rooms: { ranges: [range], required_state: ROOM_LIST_STATE, filters: {}, timeline_limit: 1 } },
    extensions: { account_data: { enabled: true }, receipts: { enabled: true, rooms: ["*"] }, typing: { enabled: true } },
    ...extra,
  };
}

const send = async (u: TestUser, roomId: string, body: string) =>
  String((await ok(u, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/${Math.random().toString(36).slice(2)}`, { msgtype: "m.text", body })).event_id);

test("/versions advertises simplified sliding sync", async () => {
  const r = await call(server.baseUrl, "GET", "/_matrix/client/versions");
  assert.equal((r.body.unstable_features as Json)["org.matrix.simplified_msc3575"], true);
});

test("the room list: first response, then only what changed, then a long-poll woken by a message", async () => {
  const roomId = String((await ok(alice, "POST", "/_matrix/client/v3/createRoom", { name: "Garden", invite: [bob.userId] })).room_id);
  await ok(bob, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {});
  const lastId = await send(alice, roomId, "hello bob");

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

  // Nothing new: the same pos, no rooms.
  const again = await slide(bob, roomList([0, 19]), { pos: first.pos });
  assert.deepEqual(again.rooms, {});
  assert.equal(again.pos, first.pos);

  const second = await send(alice, roomId, "are you there?");
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
    const r = await call(server.baseUrl, "POST", `${SS}?pos=${enc(pos)}&timeout=0`, { token: u.accessToken, body: roomList([0, 9]) });
    assert.equal(r.status, 400);
    assert.equal(r.body.errcode, "M_UNKNOWN_POS");
  };
  await bad(alice, "garbage");
  const phone = await loginNewDevice(server.baseUrl, alice);
  await bad(phone, next.pos);
  await bad(bob, next.pos);
});
