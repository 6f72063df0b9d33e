/**
 * Two Lattice servers federating on loopback: the Client-Server API's remote paths (keys query
 * and claim, profiles, public rooms, media) and the user EDUs (to-device, device list updates,
 * presence) across servers, then matrix-js-sdk with Rust crypto on each server exchanging
 * encrypted messages that both sides decrypt.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { MatrixClient } from "matrix-js-sdk";
import { registerUser, makeEventually, loginNewDevice, type RunningServer, type TestUser } from "./harness.js";
import { startFederatedServer, api } from "./federationHelpers.js";
import { uploadDevice } from "./e2eeRawHelpers.js";
import { startCryptoClient as startDevice, decryptedBody } from "./sdkHelpers.js";
import { makePng } from "./mediaImages.js";
import { FakeServer } from "./fakeServer.js";

const enc = encodeURIComponent;
let A: RunningServer;
let B: RunningServer;
let alice: TestUser; // on A
let bob: TestUser; // on B
const clients: MatrixClient[] = [];

before(async () => {
  [A, B] = await Promise.all([0, 1].map(() => startFederatedServer()));
  alice = await registerUser(A.baseUrl);
  bob = await registerUser(B.baseUrl);
});

after(async () => {
  for (const c of clients) c.stopClient();
  await Promise.all([A, B].map((s) => s?.stop()));
});

/** Polls every 100 ms, failing after `ms` (30 s by default: E2EE traffic crosses servers). */
const eventually = makeEventually({ timeout: 30_000, every: 100 });

async function sync(server: RunningServer, user: TestUser, since?: string): Promise<Record<string, unknown>> {
  const r = await api(server, user, "GET", `/sync?timeout=0${since ? `&since=${enc(since)}` : ""}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** A room on A that `others` (on any server) are invited to and join. */
async function sharedRoom(creator: TestUser, others: [RunningServer, TestUser][], extra: Record<string, unknown> = {}): Promise<string> {
  const r = await api(A, creator, "POST", "/createRoom", { invite: others.map(([, u]) => u.userId), ...extra });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const id = String(r.body.room_id);
  for (const [server, u] of others) {
    const j = await eventually(`${u.userId} joins`, async () => {
      const res = await api(server, u, "POST", `/join/${enc(id)}?via=${enc(A.serverName)}`, {});
      return res.status === 200 ? res : undefined;
    });
    assert.equal(j.status, 200);
  }
  await eventually("everyone is joined on A", async () => {
    const m = await api(A, creator, "GET", `/rooms/${enc(id)}/joined_members`);
    return m.status === 200 && Object.keys(m.body.joined as object).length === others.length + 1;
  });
  return id;
}

function devicesOf(q: Record<string, unknown>, userId: string): Record<string, Record<string, unknown>> {
  return ((q.device_keys as Record<string, unknown> | undefined)?.[userId] ?? {}) as Record<string, Record<string, unknown>>;
}

test("keys/query and keys/claim for a remote user go to their server", async () => {
  await uploadDevice(A.baseUrl, alice, 3);
  await uploadDevice(B.baseUrl, bob, 3);
  await sharedRoom(alice, [[B, bob]]);
  const q = await api(A, alice, "POST", "/keys/query", { device_keys: { [bob.userId]: [] }, timeout: 10_000 });
  assert.equal(q.status, 200, JSON.stringify(q.body));
  assert.deepEqual(q.body.failures, {});
  assert.ok(devicesOf(q.body, bob.userId)[bob.deviceId], JSON.stringify(q.body));
  const back = await api(B, bob, "POST", "/keys/query", { device_keys: { [alice.userId]: [alice.deviceId] } });
  assert.ok(devicesOf(back.body, alice.userId)[alice.deviceId], JSON.stringify(back.body));

  const c = await api(A, alice, "POST", "/keys/claim", { one_time_keys: { [bob.userId]: { [bob.deviceId]: "signed_curve25519" } } });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  const claimed = (c.body.one_time_keys as Record<string, Record<string, Record<string, unknown>>>)[bob.userId]?.[bob.deviceId];
  assert.ok(claimed && Object.keys(claimed)[0].startsWith("signed_curve25519:"), JSON.stringify(c.body));

  // An unreachable server is a failure, not an error.
  const dead = "127.0.0.1:1";
  const f = await api(A, alice, "POST", "/keys/query", { device_keys: { [`@x:${dead}`]: [] }, timeout: 3000 });
  assert.equal(f.status, 200);
  assert.ok((f.body.failures as Record<string, unknown>)[dead], JSON.stringify(f.body));
});

test("a device added on B shows up for A's user in device_lists.changed and keys/query", async () => {
  const before = await sync(A, alice);
  const bob2 = await loginNewDevice(B.baseUrl, bob);
  await uploadDevice(B.baseUrl, bob2, 2);
  await eventually("alice's sync lists bob as changed", async () => {
    const s = await sync(A, alice, String(before.next_batch));
    const changed = ((s.device_lists as Record<string, string[]> | undefined)?.changed ?? []) as string[];
    return changed.includes(bob.userId);
  });
  const q = await api(A, alice, "POST", "/keys/query", { device_keys: { [bob.userId]: [] } });
  assert.ok(devicesOf(q.body, bob.userId)[bob2.deviceId], JSON.stringify(q.body));
});

test("to-device messages cross servers", async () => {
  const s0 = await sync(B, bob);
  const r = await api(A, alice, "PUT", `/sendToDevice/m.test.ping/${Date.now()}`, { messages: { [bob.userId]: { [bob.deviceId]: { hello: "from A" } } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const ev = await eventually("bob's device receives it", async () => {
    const s = await sync(B, bob, String(s0.next_batch));
    const events = ((s.to_device as { events?: Record<string, unknown>[] } | undefined)?.events ?? []) as Record<string, unknown>[];
    return events.find((e) => e.type === "m.test.ping");
  });
  assert.equal(ev.sender, alice.userId);
  assert.deepEqual(ev.content, { hello: "from A" });
});

test("presence crosses servers to users sharing a room", async () => {
  const s0 = await sync(B, bob);
  const r = await api(A, alice, "PUT", `/presence/${enc(alice.userId)}/status`, { presence: "online", status_msg: "on A" });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await eventually("bob sees alice's presence", async () => {
    const s = await sync(B, bob, String(s0.next_batch));
    const events = ((s.presence as { events?: Record<string, unknown>[] } | undefined)?.events ?? []) as Record<string, unknown>[];
    return events.some((e) => e.sender === alice.userId && (e.content as Record<string, unknown>).status_msg === "on A");
  });
});

test("remote profiles and remote public room directories", async () => {
  assert.equal((await api(B, bob, "PUT", `/profile/${enc(bob.userId)}/displayname`, { displayname: "Bob on B" })).status, 200);
  const p = await api(A, alice, "GET", `/profile/${enc(bob.userId)}`);
  assert.equal(p.status, 200, JSON.stringify(p.body));
  assert.equal(p.body.displayname, "Bob on B");
  const f = await api(A, alice, "GET", `/profile/${enc(bob.userId)}/displayname`);
  assert.deepEqual(f.body, { displayname: "Bob on B" });
  const missing = await api(A, alice, "GET", `/profile/${enc(`@nobody:${B.serverName}`)}`);
  assert.equal(missing.status, 404);

  const pub = await api(A, alice, "POST", "/createRoom", { preset: "public_chat", visibility: "public", name: "Lobby on A" });
  assert.equal(pub.status, 200);
  const g = await api(B, bob, "GET", `/publicRooms?server=${enc(A.serverName)}`);
  assert.equal(g.status, 200, JSON.stringify(g.body));
  assert.ok((g.body.chunk as Record<string, unknown>[]).some((r) => r.room_id === pub.body.room_id && r.name === "Lobby on A"), JSON.stringify(g.body));
  const post = await api(B, bob, "POST", `/publicRooms?server=${enc(A.serverName)}`, { limit: 10, filter: { generic_search_term: "Lobby" } });
  assert.equal(post.status, 200, JSON.stringify(post.body));
  assert.ok((post.body.chunk as Record<string, unknown>[]).some((r) => r.room_id === pub.body.room_id));
});

test("media uploaded on A is downloaded byte-exact through B", async () => {
  const bytes = new Uint8Array(70_000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) & 0xff;
  const up = await fetch(`${A.baseUrl}/_matrix/media/v3/upload?filename=${enc("data ü.bin")}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${alice.accessToken}`, "Content-Type": "application/octet-stream" },
    body: bytes,
  });
  assert.equal(up.status, 200);
  const mxc = String(((await up.json()) as Record<string, unknown>).content_uri);
  const [server, mediaId] = mxc.slice("mxc://".length).split("/");
  assert.equal(server, A.serverName);
  for (let round = 0; round < 2; round++) {
    // The second round is served from B's cache.
    const r = await fetch(`${B.baseUrl}/_matrix/client/v1/media/download/${enc(server)}/${mediaId}`, { headers: { Authorization: `Bearer ${bob.accessToken}` } });
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal(r.headers.get("Content-Type"), "application/octet-stream");
    assert.match(r.headers.get("Content-Disposition") ?? "", /^attachment; .*filename\*=UTF-8''data%20%C3%BC\.bin/);
    assert.ok(r.headers.get("Content-Security-Policy")?.startsWith("sandbox"));
    assert.deepEqual(new Uint8Array(await r.arrayBuffer()), bytes);
  }
  const missing = await fetch(`${B.baseUrl}/_matrix/client/v1/media/download/${enc(server)}/doesNotExist123`, { headers: { Authorization: `Bearer ${bob.accessToken}` } });
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});

test("a thumbnail of media on A, through B and over the federation thumbnail endpoint", async () => {
  const png = makePng(640, 480);
  const up = await fetch(`${A.baseUrl}/_matrix/media/v3/upload`, {
    method: "POST",
    headers: { Authorization: `Bearer ${alice.accessToken}`, "Content-Type": "image/png" },
    body: new Uint8Array(png),
  });
  assert.equal(up.status, 200);
  const [server, mediaId] = String(((await up.json()) as Record<string, unknown>).content_uri).slice("mxc://".length).split("/");
  const r = await fetch(`${B.baseUrl}/_matrix/client/v1/media/thumbnail/${enc(server)}/${mediaId}?width=64&height=64&method=scale`, {
    headers: { Authorization: `Bearer ${bob.accessToken}` },
  });
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal(r.headers.get("Content-Type"), "image/png");
  const thumb = new Uint8Array(await r.arrayBuffer());
  assert.ok(thumb.byteLength > 0 && thumb.byteLength < png.byteLength);
  // The federation endpoint itself refuses unsigned requests.
  const unsigned = await fetch(`${A.baseUrl}/_matrix/federation/v1/media/thumbnail/${mediaId}?width=64&height=64`);
  assert.equal(unsigned.status, 401);
  await unsigned.body?.cancel();
});

test("EDUs speak only for the origin's users: forged senders are ignored, genuine ones delivered", async () => {
  const F = await FakeServer.start();
  try {
    const r = await api(A, alice, "POST", "/createRoom", { preset: "public_chat" });
    const room = String(r.body.room_id);
    await F.join(A, room, "frank");
    const frank = F.userId("frank");
    // Bob (on B) shares a room with Alice, so only the origin check can stop these.
    const forged = bob.userId;
    const s0 = await sync(A, alice);
    const toDevice = (sender: string, tag: string) => ({
      edu_type: "m.direct_to_device",
      content: { sender, type: "m.test.edu", message_id: tag, messages: { [alice.userId]: { "*": { tag } } } },
    });
    const presence = (userId: string) => ({ edu_type: "m.presence", content: { push: [{ user_id: userId, presence: "online", last_active_ago: 1, status_msg: userId }] } });
    const devices = (userId: string) => ({ edu_type: "m.device_list_update", content: { user_id: userId, device_id: "FDEV", stream_id: 1, prev_id: [] } });
    const sent = await F.sendTxn(A, [], [toDevice(forged, "forged"), presence(forged), devices(forged), toDevice(frank, "genuine"), presence(frank), devices(frank)]);
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const seen = await eventually("the genuine EDUs arrive", async () => {
      const s = await sync(A, alice, String(s0.next_batch));
      const td = ((s.to_device as { events?: Record<string, unknown>[] } | undefined)?.events ?? []) as Record<string, unknown>[];
      const pr = ((s.presence as { events?: Record<string, unknown>[] } | undefined)?.events ?? []) as Record<string, unknown>[];
      const changed = ((s.device_lists as Record<string, string[]> | undefined)?.changed ?? []) as string[];
      return td.some((e) => e.sender === frank) && pr.some((e) => e.sender === frank) && changed.includes(frank) ? { td, pr, changed } : undefined;
    });
    assert.ok(!seen.td.some((e) => e.sender === forged));
    assert.ok(!seen.pr.some((e) => (e.content as Record<string, unknown>).status_msg === forged));
    assert.ok(!seen.changed.includes(forged));
  } finally {
    await F.close();
  }
});

// ---- matrix-js-sdk with Rust crypto on both servers ----------------------------------------

/** A device with Rust crypto on `server`, syncing, its keys published. */
function startCryptoClient(server: RunningServer, user: TestUser): Promise<MatrixClient> {
  return startDevice(server.baseUrl, user, clients);
}

test("matrix-js-sdk Rust crypto: users on A and B exchange encrypted messages and both decrypt", async () => {
  const aUser = await registerUser(A.baseUrl);
  const bUser = await registerUser(B.baseUrl);
  const a = await startCryptoClient(A, aUser);
  const b = await startCryptoClient(B, bUser);
  const { room_id: room } = await a.createRoom({
    invite: [bUser.userId],
    initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
  });
  await eventually("invite reaches B", () => b.getRoom(room)?.getMyMembership() === "invite");
  await b.joinRoom(room, { viaServers: [A.serverName] });
  await eventually("A sees both members", () => a.getRoom(room)?.getJoinedMemberCount() === 2);
  await eventually("B knows the room is encrypted", () => b.getRoom(room)?.hasEncryptionStateEvent() === true);

  const { event_id: e1 } = await a.sendTextMessage(room, "hello B, from A, secretly");
  assert.equal(await decryptedBody(b, room, e1, 60_000), "hello B, from A, secretly");
  const { event_id: e2 } = await b.sendTextMessage(room, "hello A, from B");
  assert.equal(await decryptedBody(a, room, e2, 60_000), "hello A, from B");
  // Both servers stored only ciphertext.
  for (const [server, user] of [[A, aUser], [B, bUser]] as const) {
    const raw = await api(server, user, "GET", `/rooms/${enc(room)}/event/${enc(e1)}`);
    assert.equal(raw.body.type, "m.room.encrypted");
  }
});
