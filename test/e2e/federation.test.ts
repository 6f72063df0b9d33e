/**
 * Three Lattice servers federating on loopback, each with its own server name: a room created on
 * A is joined from B and C, and everything users do flows between them.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { registerUser, call, type RunningServer, type TestUser } from "./harness.js";
import { startFederatedServer, api, eventually } from "./federationHelpers.js";

let A: RunningServer;
let B: RunningServer;
let C: RunningServer;
let alice: TestUser; // on A
let bob: TestUser; // on B
let carol: TestUser; // on C
let roomId: string;
const enc = encodeURIComponent;

async function timelineBodies(server: RunningServer, user: TestUser): Promise<string[]> {
  const r = await api(server, user, "GET", `/rooms/${enc(roomId)}/messages?dir=b&limit=100`);
  if (r.status !== 200) return [];
  return (r.body.chunk as Array<{ type: string; content: { body?: string } }>)
    .filter((e) => e.type === "m.room.message")
    .map((e) => String(e.content.body))
    .reverse();
}

before(async () => {
  [A, B, C] = await Promise.all([0, 1, 2].map(() => startFederatedServer()));
  alice = await registerUser(A.baseUrl, "alice");
  bob = await registerUser(B.baseUrl, "bob");
  carol = await registerUser(C.baseUrl, "carol");
});

after(async () => {
  await Promise.all([A, B, C].map((s) => s?.stop()));
});

test("a room created on A is joined from B by alias and from C by room ID", async () => {
  const r = await api(A, alice, "POST", "/createRoom", { preset: "public_chat", room_alias_name: "fed", name: "Federated" });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  roomId = String(r.body.room_id);
  const viaAlias = await api(B, bob, "POST", `/join/${enc(`#fed:${A.serverName}`)}`, {});
  assert.equal(viaAlias.status, 200, JSON.stringify(viaAlias.body));
  assert.equal(viaAlias.body.room_id, roomId);
  // History C will not receive when it joins: only backfill can bring it.
  assert.equal((await api(A, alice, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/early`, { msgtype: "m.text", body: "before C joined" })).status, 200);
  const viaId = await api(C, carol, "POST", `/join/${enc(roomId)}?via=${enc(A.serverName)}`, {});
  assert.equal(viaId.status, 200, JSON.stringify(viaId.body));
  for (const [server, user] of [[A, alice], [B, bob], [C, carol]] as const) {
    await eventually(`${server.serverName} sees three members`, async () => {
      const m = await api(server, user, "GET", `/rooms/${enc(roomId)}/joined_members`);
      return m.status === 200 && Object.keys(m.body.joined as object).length === 3;
    });
  }
  const name = await api(C, carol, "GET", `/rooms/${enc(roomId)}/state/m.room.name`);
  assert.equal(name.body.name, "Federated");
});

test("a client on B resolves A's alias through A; unknown is 404, an unreachable server 502", async () => {
  const found = await api(B, bob, "GET", `/directory/room/${enc(`#fed:${A.serverName}`)}`);
  assert.equal(found.status, 200, JSON.stringify(found.body));
  assert.equal(found.body.room_id, roomId);
  assert.ok((found.body.servers as string[]).includes(A.serverName), JSON.stringify(found.body));
  const unknown = await api(B, bob, "GET", `/directory/room/${enc(`#nosuchalias:${A.serverName}`)}`);
  assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
  assert.equal(unknown.body.errcode, "M_NOT_FOUND");
  // Port 1 on loopback: nothing listens there, so the alias's server cannot be reached.
  const unreachable = await api(B, bob, "GET", `/directory/room/${enc("#fed:127.0.0.1:1")}`);
  assert.equal(unreachable.status, 502, JSON.stringify(unreachable.body));
  assert.equal(typeof unreachable.body.errcode, "string");
  // Another server's aliases are its own: B can neither create nor delete them (Synapse: 400).
  const create = await api(B, bob, "PUT", `/directory/room/${enc(`#bobs:${A.serverName}`)}`, { room_id: roomId });
  assert.equal(create.status, 400, JSON.stringify(create.body));
  const remove = await api(B, bob, "DELETE", `/directory/room/${enc(`#fed:${A.serverName}`)}`);
  assert.equal(remove.status, 400, JSON.stringify(remove.body));
  assert.equal((await api(A, alice, "GET", `/directory/room/${enc(`#fed:${A.serverName}`)}`)).body.room_id, roomId);
});

test("messages from each server arrive at the others", async () => {
  await api(A, alice, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/a1`, { msgtype: "m.text", body: "from A" });
  await api(B, bob, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/b1`, { msgtype: "m.text", body: "from B" });
  await api(C, carol, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/c1`, { msgtype: "m.text", body: "from C" });
  for (const [server, user] of [[A, alice], [B, bob], [C, carol]] as const) {
    await eventually(`${server.serverName} has all three messages`, async () => {
      const bodies = await timelineBodies(server, user);
      return ["from A", "from B", "from C"].every((b) => bodies.includes(b));
    });
  }
});

test("state changes, redactions and power are enforced the same everywhere", async () => {
  const refused = await api(B, bob, "PUT", `/rooms/${enc(roomId)}/state/m.room.name`, { name: "bob's room" });
  assert.equal(refused.status, 403);
  await api(A, alice, "PUT", `/rooms/${enc(roomId)}/state/m.room.topic`, { topic: "federation works" });
  for (const [server, user] of [[B, bob], [C, carol]] as const) {
    await eventually(`${server.serverName} sees the topic`, async () => {
      const t = await api(server, user, "GET", `/rooms/${enc(roomId)}/state/m.room.topic`);
      return t.body.topic === "federation works";
    });
  }
  const sent = await api(B, bob, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/b2`, { msgtype: "m.text", body: "oops" });
  const eventId = String(sent.body.event_id);
  await eventually("A has bob's message", async () => (await api(A, alice, "GET", `/rooms/${enc(roomId)}/event/${enc(eventId)}`)).status === 200);
  const red = await api(A, alice, "PUT", `/rooms/${enc(roomId)}/redact/${enc(eventId)}/r1`, {});
  assert.equal(red.status, 200);
  for (const [server, user] of [[B, bob], [C, carol]] as const) {
    await eventually(`${server.serverName} sees the redaction`, async () => {
      const e = await api(server, user, "GET", `/rooms/${enc(roomId)}/event/${enc(eventId)}`);
      return e.status === 200 && Object.keys(e.body.content as object).length === 0;
    });
  }
});

test("typing and read receipts cross servers", async () => {
  await api(B, bob, "PUT", `/rooms/${enc(roomId)}/typing/${enc(bob.userId)}`, { typing: true, timeout: 20000 });
  await eventually("alice sees bob typing", async () => {
    const s = await api(A, alice, "GET", "/sync?timeout=0");
    const eph = (s.body.rooms as { join: Record<string, { ephemeral: { events: Array<{ type: string; content: { user_ids?: string[] } }> } }> }).join[roomId]?.ephemeral.events ?? [];
    return eph.some((e) => e.type === "m.typing" && e.content.user_ids?.includes(bob.userId));
  });
  const last = await api(A, alice, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/a2`, { msgtype: "m.text", body: "read me" });
  const eventId = String(last.body.event_id);
  await eventually("C has the message", async () => (await api(C, carol, "GET", `/rooms/${enc(roomId)}/event/${enc(eventId)}`)).status === 200);
  assert.equal((await api(C, carol, "POST", `/rooms/${enc(roomId)}/receipt/m.read/${enc(eventId)}`, {})).status, 200);
  await eventually("alice sees carol's receipt", async () => {
    const s = await api(A, alice, "GET", "/sync?timeout=0");
    const eph = (s.body.rooms as { join: Record<string, { ephemeral: { events: Array<{ type: string; content: Record<string, { "m.read"?: Record<string, unknown> }> }> } }> }).join[roomId]?.ephemeral.events ?? [];
    return eph.some((e) => e.type === "m.receipt" && e.content[eventId]?.["m.read"]?.[carol.userId] !== undefined);
  });
});

test("concurrent state changes on two servers converge to the same state everywhere", async () => {
  const pl = await api(A, alice, "GET", `/rooms/${enc(roomId)}/state/m.room.power_levels`);
  const users = { ...(pl.body.users as Record<string, number>), [bob.userId]: 50 };
  assert.equal((await api(A, alice, "PUT", `/rooms/${enc(roomId)}/state/m.room.power_levels`, { ...pl.body, users })).status, 200);
  await eventually("B knows bob is a moderator", async () => {
    const p = await api(B, bob, "GET", `/rooms/${enc(roomId)}/state/m.room.power_levels`);
    return (p.body.users as Record<string, number> | undefined)?.[bob.userId] === 50;
  });
  await Promise.all([
    api(A, alice, "PUT", `/rooms/${enc(roomId)}/state/m.room.name`, { name: "name from A" }),
    api(B, bob, "PUT", `/rooms/${enc(roomId)}/state/m.room.name`, { name: "name from B" }),
  ]);
  // A later message from each side merges the forks.
  await api(A, alice, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/m1`, { msgtype: "m.text", body: "merge A" });
  await api(B, bob, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/m2`, { msgtype: "m.text", body: "merge B" });
  const names = await eventually("all servers agree on the name", async () => {
    const got = await Promise.all(
      ([[A, alice], [B, bob], [C, carol]] as const).map(async ([s, u]) => String((await api(s, u, "GET", `/rooms/${enc(roomId)}/state/m.room.name`)).body.name)),
    );
    return got.every((n) => n === got[0]) && got[0].startsWith("name from") ? got : undefined;
  });
  assert.equal(new Set(names).size, 1);
});

test("a late joiner paginates back into history its server never received (backfill)", async () => {
  const dave = await registerUser(C.baseUrl, "dave");
  const joined = await api(C, dave, "POST", `/join/${enc(roomId)}`, {});
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  const seen: string[] = [];
  let from: string | undefined;
  for (let page = 0; page < 20; page++) {
    const q = new URLSearchParams({ dir: "b", limit: "5" });
    if (from) q.set("from", from);
    const r = await api(C, dave, "GET", `/rooms/${enc(roomId)}/messages?${q}`);
    assert.equal(r.status, 200);
    for (const e of r.body.chunk as Array<{ type: string; content: { body?: string } }>) if (e.type === "m.room.message") seen.push(String(e.content.body));
    if (!r.body.end) break;
    from = String(r.body.end);
  }
  assert.ok(seen.includes("before C joined"), `backfilled history: ${seen.join(" | ")}`);
  assert.ok(seen.indexOf("before C joined") > seen.indexOf("from A"), "older messages come later when paginating back");
  const create = await api(C, dave, "GET", `/rooms/${enc(roomId)}/messages?dir=b&limit=100`);
  assert.equal(create.status, 200);
});

test("invites cross servers: bob accepts one, carol rejects another", async () => {
  const r = await api(A, alice, "POST", "/createRoom", { preset: "private_chat", name: "Secret", invite: [bob.userId, carol.userId] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const privateRoom = String(r.body.room_id);
  for (const [server, user] of [[B, bob], [C, carol]] as const) {
    await eventually(`${server.serverName} user sees the invite`, async () => {
      const s = await api(server, user, "GET", "/sync?timeout=0");
      return (s.body.rooms as { invite: Record<string, unknown> }).invite[privateRoom] !== undefined;
    });
  }
  const joined = await api(B, bob, "POST", `/join/${enc(privateRoom)}`, {});
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  const rejected = await api(C, carol, "POST", `/rooms/${enc(privateRoom)}/leave`, {});
  assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
  await eventually("alice sees bob joined and carol's rejection", async () => {
    const m = await api(A, alice, "GET", `/rooms/${enc(privateRoom)}/members`);
    const by = new Map((m.body.chunk as Array<{ state_key: string; content: { membership: string } }>).map((e) => [e.state_key, e.content.membership]));
    return by.get(bob.userId) === "join" && by.get(carol.userId) === "leave";
  });
  await eventually("carol's sync no longer shows the invite", async () => {
    const s = await api(C, carol, "GET", "/sync?timeout=0");
    const rooms = s.body.rooms as { invite: Record<string, unknown>; leave: Record<string, unknown> };
    return rooms.invite[privateRoom] === undefined;
  });
});

for (const version of ["1", "2", "6", "10"]) {
  test(`a room of version ${version} federates: join from B, messages both ways`, async () => {
    const r = await api(A, alice, "POST", "/createRoom", { preset: "public_chat", room_version: version });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const oldRoom = String(r.body.room_id);
    const joined = await api(B, bob, "POST", `/join/${enc(oldRoom)}?via=${enc(A.serverName)}`, {});
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    await api(A, alice, "PUT", `/rooms/${enc(oldRoom)}/send/m.room.message/v${version}a`, { msgtype: "m.text", body: `hello v${version}` });
    await api(B, bob, "PUT", `/rooms/${enc(oldRoom)}/send/m.room.message/v${version}b`, { msgtype: "m.text", body: `hi back v${version}` });
    for (const [server, user, body] of [[B, bob, `hello v${version}`], [A, alice, `hi back v${version}`]] as const) {
      await eventually(`${server.serverName} has "${body}"`, async () => {
        const m = await api(server, user, "GET", `/rooms/${enc(oldRoom)}/messages?dir=b&limit=20`);
        return (m.body.chunk as Array<{ content: { body?: string } }> | undefined)?.some((e) => e.content.body === body) === true;
      });
    }
  });
}

test("federation requests without valid signatures are refused and change nothing", async () => {
  const unsigned = await call(A.baseUrl, "PUT", "/_matrix/federation/v1/send/evil1", {
    body: { origin: B.serverName, origin_server_ts: Date.now(), pdus: [], edus: [] },
  });
  assert.equal(unsigned.status, 401);
  assert.equal(unsigned.body.errcode, "M_UNAUTHORIZED");
  const forged = await call(A.baseUrl, "GET", `/_matrix/federation/v1/state_ids/${enc(roomId)}?event_id=x`, {
    headers: { Authorization: `X-Matrix origin="${B.serverName}",destination="${A.serverName}",key="ed25519:a_x",sig="aGVsbG8"` },
  });
  assert.equal(forged.status, 401);
});
