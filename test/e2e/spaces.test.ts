/**
 * Spaces on one server: GET /_matrix/client/v1/rooms/{roomId}/hierarchy walks m.space.child
 * links depth-first in the spec's child order, shows only rooms the user may see, honours
 * suggested_only and max_depth, and pages with limit/from.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, registerUsers, call, api, type RunningServer, type TestUser } from "./harness.js";

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
const enc = encodeURIComponent;
const ids: Record<string, string> = {};

async function createRoom(body: Record<string, unknown>): Promise<string> {
  const r = await api(server, alice, "POST", "/createRoom", body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return String(r.body.room_id);
}

async function addChild(spaceId: string, childId: string, content: Record<string, unknown>): Promise<void> {
  const r = await api(server, alice, "PUT", `/rooms/${enc(spaceId)}/state/m.space.child/${enc(childId)}`, { via: ["localhost"], ...content });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

function hierarchy(user: TestUser, roomId: string, query = "") {
  return call(server.baseUrl, "GET", `/_matrix/client/v1/rooms/${enc(roomId)}/hierarchy${query}`, { token: user.accessToken });
}

/** The names of the rooms in a hierarchy answer, in order. */
function names(body: Record<string, unknown>): string[] {
  return (body.rooms as Array<{ name?: string }>).map((r) => String(r.name));
}

before(async () => {
  server = await startServer();
  [alice, bob] = await registerUsers(server.baseUrl, "alice", "bob");
  // space
  //   sub (a space, order "a": first)  → deep (public)
  //   pub (public, suggested)
  //   joined (private, bob is a member)
  //   secret (private, bob is not)
  //   removed (its m.space.child lost its via)
  ids.space = await createRoom({ preset: "public_chat", name: "space", creation_content: { type: "m.space" } });
  ids.sub = await createRoom({ preset: "public_chat", name: "sub", creation_content: { type: "m.space" } });
  ids.deep = await createRoom({ preset: "public_chat", name: "deep", topic: "at the bottom" });
  ids.pub = await createRoom({ preset: "public_chat", name: "pub" });
  ids.joined = await createRoom({ preset: "private_chat", name: "joined" });
  ids.secret = await createRoom({ preset: "private_chat", name: "secret" });
  ids.removed = await createRoom({ preset: "public_chat", name: "removed" });
  assert.equal((await api(server, alice, "POST", `/rooms/${enc(ids.joined)}/invite`, { user_id: bob.userId })).status, 200);
  assert.equal((await api(server, bob, "POST", `/rooms/${enc(ids.joined)}/join`, {})).status, 200);
  await addChild(ids.space, ids.pub, { suggested: true });
  await addChild(ids.space, ids.joined, {});
  await addChild(ids.space, ids.secret, {});
  await addChild(ids.space, ids.sub, { order: "a", suggested: true });
  await addChild(ids.space, ids.removed, {});
  assert.equal((await api(server, alice, "PUT", `/rooms/${enc(ids.space)}/state/m.space.child/${enc(ids.removed)}`, {})).status, 200);
  await addChild(ids.sub, ids.deep, {});
});
after(async () => server?.stop());

test("the whole tree, depth-first in child order, only rooms bob may see, with summaries and children_state", async () => {
  const r = await hierarchy(bob, ids.space);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(names(r.body), ["space", "sub", "deep", "pub", "joined"]);
  assert.equal(r.body.next_batch, undefined);
  const rooms = r.body.rooms as Array<Record<string, unknown>>;
  const space = rooms[0];
  assert.equal(space.room_id, ids.space);
  assert.equal(space.room_type, "m.space");
  assert.equal(space.join_rule, "public");
  assert.equal(space.num_joined_members, 1);
  assert.equal(space.world_readable, false);
  assert.equal(space.guest_can_join, false);
  const children = space.children_state as Array<Record<string, unknown>>;
  assert.deepEqual(children.map((c) => c.state_key).sort(), [ids.pub, ids.joined, ids.secret, ids.sub].sort(), "the removed child is not listed");
  for (const c of children) {
    assert.equal(c.type, "m.space.child");
    assert.equal(c.sender, alice.userId);
    assert.equal(typeof c.origin_server_ts, "number");
    assert.ok(Array.isArray((c.content as { via?: unknown }).via));
  }
  const deep = rooms[2];
  assert.equal(deep.topic, "at the bottom");
  assert.deepEqual(deep.children_state, [], "a room that is not a space has no children_state");
  assert.equal(rooms[4].join_rule, "invite", "a private room bob is joined to is shown");
  // Alice is in every room, so she sees the secret one too.
  const forAlice = await hierarchy(alice, ids.space);
  assert.deepEqual(names(forAlice.body), ["space", "sub", "deep", "pub", "joined", "secret"]);
});

test("suggested_only keeps only suggested children; max_depth stops the walk", async () => {
  assert.deepEqual(names((await hierarchy(bob, ids.space, "?suggested_only=true")).body), ["space", "sub", "pub"]);
  assert.deepEqual(names((await hierarchy(bob, ids.space, "?max_depth=1")).body), ["space", "sub", "pub", "joined"]);
  assert.deepEqual(names((await hierarchy(bob, ids.space, "?max_depth=0")).body), ["space"]);
  // A sub-space can be the root of its own walk.
  assert.deepEqual(names((await hierarchy(bob, ids.sub)).body), ["sub", "deep"]);
});

test("pagination: limit and from walk the same tree page by page", async () => {
  const seen: string[] = [];
  let from: string | undefined;
  const pages: string[][] = [];
  for (let i = 0; i < 10; i++) {
    const r = await hierarchy(bob, ids.space, `?limit=2${from ? `&from=${enc(from)}` : ""}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    pages.push(names(r.body));
    seen.push(...names(r.body));
    from = r.body.next_batch as string | undefined;
    if (!from) break;
  }
  assert.deepEqual(pages, [["space", "sub"], ["deep", "pub"], ["joined"]]);
  assert.deepEqual(seen, ["space", "sub", "deep", "pub", "joined"]);

  const first = await hierarchy(bob, ids.space, "?limit=2&suggested_only=true");
  const token = String(first.body.next_batch);
  const next = await hierarchy(bob, ids.space, `?limit=2&suggested_only=true&from=${enc(token)}`);
  assert.deepEqual(names(next.body), ["pub"]);
  const changed = await hierarchy(bob, ids.space, `?limit=2&suggested_only=false&from=${enc(token)}`);
  assert.equal(changed.status, 400);
  assert.equal(changed.body.errcode, "M_INVALID_PARAM");
  const otherRoom = await hierarchy(bob, ids.sub, `?from=${enc(token)}`);
  assert.equal(otherRoom.status, 400);
});

test("bad input: unknown from token, bad limit and max_depth are 400 M_INVALID_PARAM", async () => {
  for (const q of ["?from=nonsense", "?from=eyJ4IjoxfQ", "?limit=0", "?limit=abc", "?max_depth=-1", "?suggested_only=maybe"]) {
    const r = await hierarchy(bob, ids.space, q);
    assert.equal(r.status, 400, q);
    assert.equal(r.body.errcode, "M_INVALID_PARAM", q);
  }
});

test("a root bob may not see, or that does not exist, is 403 M_FORBIDDEN; no token is 401", async () => {
  const privateSpace = await createRoom({ preset: "private_chat", name: "hidden space", creation_content: { type: "m.space" } });
  await addChild(privateSpace, ids.pub, {});
  for (const roomId of [privateSpace, ids.secret, "!nowhere:localhost"]) {
    const r = await hierarchy(bob, roomId);
    assert.equal(r.status, 403, roomId);
    assert.equal(r.body.errcode, "M_FORBIDDEN");
  }
  const anon = await call(server.baseUrl, "GET", `/_matrix/client/v1/rooms/${enc(ids.space)}/hierarchy`);
  assert.equal(anon.status, 401);
  // Once invited, the private space is visible, and so is what it links to.
  assert.equal((await api(server, alice, "POST", `/rooms/${enc(privateSpace)}/invite`, { user_id: bob.userId })).status, 200);
  assert.deepEqual(names((await hierarchy(bob, privateSpace)).body), ["hidden space", "pub"]);
});
