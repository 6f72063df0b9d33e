/**
 * The start of a room's history: the m.room.create event is the last event a client reaches
 * paging /messages backwards (and that page has no `end`), and it opens the creator's first
 * /sync timeline. Who else sees it follows the spec's history visibility rules (client-server-api
 * "Room History Visibility", server behaviour): with no m.room.history_visibility in the state at
 * the create event, the visibility there is `shared`, so anyone who joins later may see it.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, registerUsers, callOk, pageBackToTheStart, makeEventually, type RunningServer, type TestUser, type TimelineEvent } from "./harness.js";
import { ROOM_VERSIONS } from "../../protocol/roomVersions.js";

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
const enc = encodeURIComponent;

before(async () => {
  server = await startServer();
  [alice, bob] = await registerUsers(server.baseUrl, "alice", "bob");
});

after(async () => {
  await server?.stop();
});

type Ev = TimelineEvent;
const eventually = makeEventually({ timeout: 10_000, every: 100 });

const ok = (u: TestUser, method: string, path: string, body?: unknown) => callOk(server, u, method, path, body);

let txn = 0;
async function say(u: TestUser, roomId: string, body: string): Promise<void> {
  await ok(u, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/c${txn++}`, { msgtype: "m.text", body });
}

test("paging /messages backwards ends with m.room.create, then no `end`, in every room version", async () => {
  for (const version of ROOM_VERSIONS.keys()) {
    const roomId = String((await ok(alice, "POST", "/_matrix/client/v3/createRoom", { room_version: version, preset: "private_chat" })).room_id);
    for (let i = 0; i < 3; i++) await say(alice, roomId, `m${i}`);
    const { events, lastPage } = await pageBackToTheStart(server, alice, roomId, 2);
    assert.equal(events.at(-1)?.type, "m.room.create", `v${version}: last event is ${events.at(-1)?.type}`);
    assert.equal(new Set(events.map((e) => e.event_id)).size, events.length, `v${version}: no duplicates`);
    assert.equal(events.filter((e) => e.type === "m.room.create").length, 1);
    assert.deepEqual(
      events.filter((e) => e.type === "m.room.message").map((e) => e.content.body),
      ["m2", "m1", "m0"],
      `v${version}: every message, newest first`,
    );
    assert.equal(lastPage.end, undefined);
  }
});

test("the creator's initial sync with a big enough timeline starts with m.room.create, in every room version", async () => {
  const rooms = new Map<string, string>();
  for (const version of ROOM_VERSIONS.keys()) {
    const roomId = String((await ok(alice, "POST", "/_matrix/client/v3/createRoom", { room_version: version, preset: "private_chat", name: `start ${version}` })).room_id);
    await say(alice, roomId, `hello ${version}`);
    rooms.set(version, roomId);
  }
  const filter = enc(JSON.stringify({ room: { timeline: { limit: 100 } } }));
  const arrived = (timelines: Map<string, Ev[]>) => [...rooms].every(([v, id]) => timelines.get(id)?.some((e) => e.content.body === `hello ${v}`));
  // Delivery to the user's stream is asynchronous: wait until every message has arrived.
  const timelines = await eventually("every message arrived", async () => {
    const body = await ok(alice, "GET", `/_matrix/client/v3/sync?filter=${filter}`);
    const join = (body.rooms as { join?: Record<string, { timeline: { events: Ev[] } }> } | undefined)?.join ?? {};
    const t = new Map(Object.entries(join).map(([id, r]) => [id, r.timeline.events]));
    return arrived(t) ? t : undefined;
  });
  for (const [version, roomId] of rooms) {
    const timeline = timelines.get(roomId) ?? [];
    assert.equal(timeline[0]?.type, "m.room.create", `v${version}: timeline starts with ${timeline.map((e) => e.type).join(", ")}`);
    assert.equal(timeline.filter((e) => e.type === "m.room.create").length, 1);
    // The creator's own join comes right after: nothing precedes the create event.
    assert.equal(timeline[1]?.type, "m.room.member");
  }
});

for (const visibility of ["joined", "shared"]) {
  test(`a later joiner of a ${visibility}-visibility room: what history they reach`, async () => {
    const roomId = String(
      (
        await ok(alice, "POST", "/_matrix/client/v3/createRoom", {
          preset: "public_chat",
          initial_state: [{ type: "m.room.history_visibility", state_key: "", content: { history_visibility: visibility } }],
        })
      ).room_id,
    );
    await say(alice, roomId, "before bob");
    await ok(bob, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {});
    await say(alice, roomId, "after bob");
    const { events } = await pageBackToTheStart(server, bob, roomId, 3);
    const bodies = events.filter((e) => e.type === "m.room.message").map((e) => e.content.body);
    // The create event comes before any m.room.history_visibility, so the state at it has the
    // default visibility, `shared`: a user who joined after it may see it, in both rooms.
    assert.equal(events.at(-1)?.type, "m.room.create");
    if (visibility === "shared") assert.deepEqual(bodies, ["after bob", "before bob"]);
    else assert.deepEqual(bodies, ["after bob"]);
  });
}
