/**
 * The /sync streams beyond room state (spec: client-server-api GET /sync, modules/presence,
 * end-to-end encryption "Tracking the device list for a user", receipts, "Aggregations of child
 * events", "Ignoring Users"): presence (own and room-mates'), device_lists.changed/left for local
 * and remote users (and keys/changes agreeing), receipts from local and remote users reaching
 * every member, and bundled aggregations in /sync timelines without ignored users' children.
 * One Lattice server A and a fake remote server F whose user mallory joins rooms on A.
 */
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import type { MatrixClient } from "matrix-js-sdk";
import { call, registerUser, loginNewDevice, makeEventually, type RunningServer, type TestUser } from "./harness.js";
import { startFederatedServer, api } from "./federationHelpers.js";
import { startClient } from "./sdkHelpers.js";
import { deviceSigningKey, uploadDevice } from "./e2eeRawHelpers.js";
import { FakeServer } from "./fakeServer.js";
import type { JsonObject } from "../../protocol/json.js";

const enc = encodeURIComponent;
let A: RunningServer;
let F: FakeServer;
let alice: TestUser;
let bob: TestUser;
const clients: MatrixClient[] = [];

const eventually = makeEventually({ timeout: 15_000, every: 100 });

before(async () => {
  [A, F] = await Promise.all([startFederatedServer(), FakeServer.start()]);
  alice = await registerUser(A.baseUrl);
  bob = await registerUser(A.baseUrl);
});

after(async () => {
  for (const c of clients) c.stopClient();
  await Promise.all([A?.stop(), F?.close()]);
});

type Body = Record<string, unknown>;

/** A sync that leaves presence alone (set_presence=offline) unless `extra` says otherwise. */
async function sync(user: TestUser, since?: string, extra = "&set_presence=offline"): Promise<Body> {
  const r = await api(A, user, "GET", `/sync?timeout=0${since ? `&since=${enc(since)}` : ""}${extra}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

const nextBatch = async (user: TestUser) => String((await sync(user)).next_batch);

const deviceLists = (s: Body) => (s.device_lists ?? {}) as { changed?: string[]; left?: string[] };
const presenceOf = (s: Body, userId: string) =>
  (((s.presence as { events?: Body[] } | undefined)?.events ?? []) as Array<{ sender: string; content: Body }>).filter((e) => e.sender === userId).pop();
function joinedRoom(s: Body, roomId: string): Body | undefined {
  return ((s.rooms as { join?: Record<string, Body> } | undefined)?.join ?? {})[roomId];
}
function receiptsIn(s: Body, roomId: string): Record<string, Record<string, Record<string, Body>>> {
  const eph = ((joinedRoom(s, roomId)?.ephemeral as { events?: Array<{ type: string; content: Record<string, Record<string, Record<string, Body>>> }> } | undefined)?.events ?? []);
  const out: Record<string, Record<string, Record<string, Body>>> = {};
  for (const e of eph) if (e.type === "m.receipt") for (const [ev, byType] of Object.entries(e.content)) out[ev] = { ...(out[ev] ?? {}), ...byType };
  return out;
}

/** Waits until an incremental sync of `user` from `since` satisfies `check`. */
function syncUntil<T>(what: string, user: TestUser, since: string, check: (s: Body) => T | undefined | false, extra?: string): Promise<T> {
  return eventually(what, async () => check(await sync(user, since, extra)));
}

async function createRoom(creator: TestUser, invite: TestUser[] = [], extra: Body = {}): Promise<string> {
  const r = await api(A, creator, "POST", "/createRoom", { preset: "public_chat", ...extra });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const roomId = String(r.body.room_id);
  for (const u of invite) assert.equal((await api(A, u, "POST", `/join/${enc(roomId)}`, {})).status, 200);
  return roomId;
}

async function send(user: TestUser, roomId: string, content: Body, type = "m.room.message"): Promise<string> {
  const r = await api(A, user, "PUT", `/rooms/${enc(roomId)}/send/${type}/t${Math.random().toString(36).slice(2)}`, content);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return String(r.body.event_id);
}

async function keyChanges(user: TestUser, from: string, to: string): Promise<{ changed: string[]; left: string[] }> {
  const r = await api(A, user, "GET", `/keys/changes?from=${enc(from)}&to=${enc(to)}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as { changed: string[]; left: string[] };
}

/** Waits for `target` in the device_lists.`field` of `user`'s sync from `since`, and checks keys/changes agrees. */
async function expectDeviceList(user: TestUser, since: string, target: string, field: "changed" | "left", what: string): Promise<void> {
  const s = await syncUntil(what, user, since, (s) => (deviceLists(s)[field] ?? []).includes(target) && s);
  const kc = await keyChanges(user, since, String(s.next_batch));
  assert.ok(kc[field].includes(target), `keys/changes ${field}: ${JSON.stringify(kc)}`);
}

describe("presence", () => {
  let roomId: string;
  before(async () => {
    roomId = await createRoom(alice, [bob]);
  });

  test("a user sees their own presence after PUT /presence, and a room-mate sees it too", async () => {
    const [sa, sb] = [await nextBatch(alice), await nextBatch(bob)];
    const put = await api(A, alice, "PUT", `/presence/${enc(alice.userId)}/status`, { presence: "unavailable", status_msg: "at lunch" });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    for (const [who, since] of [[alice, sa], [bob, sb]] as const) {
      const p = await syncUntil(`${who.userId} sees alice's presence`, who, since, (s) => presenceOf(s, alice.userId));
      assert.equal(p.content.presence, "unavailable");
      assert.equal(p.content.status_msg, "at lunch");
    }
    // An initial sync has it too.
    assert.equal(presenceOf(await sync(alice), alice.userId)?.content.presence, "unavailable");
    assert.ok(roomId);
  });

  test("a sync with set_presence shows the user their own presence; the SDK's User has it", async () => {
    const carol = await registerUser(A.baseUrl);
    assert.equal((await api(A, carol, "POST", `/join/${enc(roomId)}`, {})).status, 200);
    const since = await nextBatch(carol);
    const sb = await nextBatch(bob);
    const p = await syncUntil("carol sees her own presence", carol, since, (s) => presenceOf(s, carol.userId), "&set_presence=online");
    assert.equal(p.content.presence, "online");
    assert.equal((await syncUntil("bob sees carol online", bob, sb, (s) => presenceOf(s, carol.userId))).content.presence, "online");
    // matrix-js-sdk syncs without set_presence, which marks it online (spec: GET /sync), and sees it.
    const dave = await registerUser(A.baseUrl);
    const client = await startClient(A.baseUrl, dave);
    clients.push(client);
    await eventually("the SDK sees its own presence", () => client.getUser(dave.userId)?.presence === "online");
    // A status message set with PUT stays: syncs change the state, never the message.
    assert.equal((await api(A, dave, "PUT", `/presence/${enc(dave.userId)}/status`, { presence: "online", status_msg: "busy" })).status, 200);
    await eventually("the SDK sees its own status message", () => client.getUser(dave.userId)?.presence === "online" && client.getUser(dave.userId)?.presenceStatusMsg === "busy");
  });

  test("users who start sharing a room see each other's current presence", async () => {
    const ivy = await registerUser(A.baseUrl);
    assert.equal((await api(A, ivy, "PUT", `/presence/${enc(ivy.userId)}/status`, { presence: "unavailable", status_msg: "new here" })).status, 200);
    assert.equal((await api(A, bob, "PUT", `/presence/${enc(bob.userId)}/status`, { presence: "online", status_msg: "old hand" })).status, 200);
    const [si, sb] = [await nextBatch(ivy), await nextBatch(bob)];
    assert.equal(presenceOf(await sync(ivy), bob.userId), undefined, "no presence of a stranger");
    assert.equal((await api(A, ivy, "POST", `/join/${enc(roomId)}`, {})).status, 200);
    const pb = await syncUntil("ivy sees bob's presence", ivy, si, (s) => presenceOf(s, bob.userId));
    assert.equal(pb.content.status_msg, "old hand");
    const pi = await syncUntil("bob sees ivy's presence", bob, sb, (s) => presenceOf(s, ivy.userId));
    assert.equal(pi.content.status_msg, "new here");
    assert.equal(presenceOf(await sync(ivy), bob.userId)?.content.presence, "online", "in an initial sync too");
  });

  test("a bad PUT /presence changes nothing", async () => {
    assert.equal((await api(A, alice, "PUT", `/presence/${enc(alice.userId)}/status`, { presence: "online", status_msg: "fine" })).status, 200);
    const since = await nextBatch(bob);
    for (const body of [{ presence: "online", status_msg: 5 }, { presence: "online", status_msg: { a: 1 } }, { presence: ["online"] }, { status_msg: "no state" }]) {
      const r = await api(A, alice, "PUT", `/presence/${enc(alice.userId)}/status`, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.ok(["M_BAD_JSON", "M_INVALID_PARAM", "M_MISSING_PARAM"].includes(String(r.body.errcode)), JSON.stringify(r.body));
    }
    const got = await api(A, bob, "GET", `/presence/${enc(alice.userId)}/status`);
    assert.equal(got.body.presence, "online");
    assert.equal(got.body.status_msg, "fine");
    assert.equal(presenceOf(await sync(bob, since), alice.userId), undefined, "no presence update from a refused PUT");
  });
});

describe("device lists", () => {
  let roomId: string;
  let mallory: string;
  before(async () => {
    roomId = await createRoom(alice, [bob]);
    await F.join(A, roomId, "mallory");
    mallory = F.userId("mallory");
  });

  test("a room-mate's new device (login), its keys, and its deletion show in changed and keys/changes", async () => {
    let since = await nextBatch(alice);
    const second = await loginNewDevice(A.baseUrl, bob);
    await expectDeviceList(alice, since, bob.userId, "changed", "alice sees bob's new device");
    since = await nextBatch(alice);
    await uploadDevice(A.baseUrl, second, 1);
    await expectDeviceList(alice, since, bob.userId, "changed", "alice sees bob's new device keys");
    since = await nextBatch(alice);
    const first = await api(A, second, "DELETE", `/devices/${enc(second.deviceId)}`, {});
    assert.equal(first.status, 401);
    const auth = { type: "m.login.password", identifier: { type: "m.id.user", user: bob.userId }, password: bob.password, session: first.body.session };
    assert.equal((await api(A, bob, "DELETE", `/devices/${enc(second.deviceId)}`, { auth })).status, 200);
    await expectDeviceList(alice, since, bob.userId, "changed", "alice sees bob's device go");
  });

  test("keys/changes refuses bad tokens and a missing access token", async () => {
    const now = await nextBatch(alice);
    for (const q of [`from=garbage&to=${enc(now)}`, `from=${enc(now)}&to=s_x`, `to=${enc(now)}`]) {
      const r = await api(A, alice, "GET", `/keys/changes?${q}`);
      assert.equal(r.status, 400, q);
      assert.ok(["M_INVALID_PARAM", "M_MISSING_PARAM"].includes(String(r.body.errcode)), JSON.stringify(r.body));
    }
    const anon = await call(A.baseUrl, "GET", `/_matrix/client/v3/keys/changes?from=${enc(now)}&to=${enc(now)}`);
    assert.equal(anon.status, 401);
    assert.equal(anon.body.errcode, "M_MISSING_TOKEN");
  });

  test("a device without keys going away is a change too", async () => {
    const third = await loginNewDevice(A.baseUrl, bob);
    const since = await nextBatch(alice);
    const first = await api(A, bob, "DELETE", `/devices/${enc(third.deviceId)}`, {});
    const auth = { type: "m.login.password", identifier: { type: "m.id.user", user: bob.userId }, password: bob.password, session: first.body.session };
    assert.equal((await api(A, bob, "DELETE", `/devices/${enc(third.deviceId)}`, { auth })).status, 200);
    await expectDeviceList(alice, since, bob.userId, "changed", "alice sees bob's keyless device go");
  });

  test("new cross-signing keys show in changed", async () => {
    const [since, sb] = [await nextBatch(alice), await nextBatch(bob)];
    const master = deviceSigningKey("m");
    const up = await api(A, bob, "POST", "/keys/device_signing/upload", { master_key: { user_id: bob.userId, usage: ["master"], keys: { [`ed25519:${master.publicKey}`]: master.publicKey } } });
    assert.equal(up.status, 200, JSON.stringify(up.body));
    await expectDeviceList(alice, since, bob.userId, "changed", "alice sees bob's cross-signing keys");
    // bob's own devices hear of it too.
    await expectDeviceList(bob, sb, bob.userId, "changed", "bob sees his own change");
  });

  test("starting to share a room is changed for both sides; sharing none any more is left", async () => {
    const carol = await registerUser(A.baseUrl);
    const [sa, sc] = [await nextBatch(alice), await nextBatch(carol)];
    assert.equal((await api(A, carol, "POST", `/join/${enc(roomId)}`, {})).status, 200);
    await expectDeviceList(alice, sa, carol.userId, "changed", "alice sees carol join");
    await expectDeviceList(carol, sc, alice.userId, "changed", "carol sees alice on joining");
    const sc2 = (await sync(carol, sc)).next_batch as string;
    assert.ok(deviceLists(await sync(carol, sc)).changed?.includes(mallory), "the remote member counts too");
    const sa2 = await nextBatch(alice);
    assert.equal((await api(A, carol, "POST", `/rooms/${enc(roomId)}/leave`, {})).status, 200);
    await expectDeviceList(alice, sa2, carol.userId, "left", "alice sees carol leave");
    await expectDeviceList(carol, sc2, alice.userId, "left", "carol sees she no longer shares a room with alice");
  });

  test("a remote member joining is changed", async () => {
    const room2 = await createRoom(alice);
    const since = await nextBatch(alice);
    await F.join(A, room2, "trent");
    await expectDeviceList(alice, since, F.userId("trent"), "changed", "alice sees trent join");
  });

  test("m.device_list_update and m.signing_key_update EDUs from a remote member show in changed", async () => {
    let since = await nextBatch(alice);
    const sb = await nextBatch(bob);
    const edu = { edu_type: "m.device_list_update", content: { user_id: mallory, device_id: "MDEV", stream_id: 7, prev_id: [], deleted: false, keys: {} } };
    assert.equal((await F.sendTxn(A, [], [edu])).status, 200);
    await expectDeviceList(alice, since, mallory, "changed", "alice sees mallory's device update");
    await expectDeviceList(bob, sb, mallory, "changed", "bob sees mallory's device update");
    since = await nextBatch(alice);
    const master = deviceSigningKey("mm");
    const sku = { edu_type: "m.signing_key_update", content: { user_id: mallory, master_key: { user_id: mallory, usage: ["master"], keys: { [`ed25519:${master.publicKey}`]: master.publicKey } } } };
    assert.equal((await F.sendTxn(A, [], [sku])).status, 200);
    await expectDeviceList(alice, since, mallory, "changed", "alice sees mallory's cross-signing update");
  });

  test("a device list EDU about another server's user, or a user sharing no room, changes nothing", async () => {
    const since = await nextBatch(alice);
    const edus: Array<Record<string, unknown>> = [
      { edu_type: "m.device_list_update", content: { user_id: bob.userId, device_id: "X", stream_id: 1, prev_id: [] } },
      { edu_type: "m.device_list_update", content: { user_id: F.userId("stranger"), device_id: "X", stream_id: 1, prev_id: [] } },
      { edu_type: "m.device_list_update", content: { user_id: 5, device_id: "X" } },
      { edu_type: "m.device_list_update", content: "not an object" },
    ];
    assert.equal((await F.sendTxn(A, [], edus as JsonObject[])).status, 200);
    // A genuine update after them proves they were processed.
    assert.equal((await F.sendTxn(A, [], [{ edu_type: "m.device_list_update", content: { user_id: mallory, device_id: "MDEV2", stream_id: 8, prev_id: [7] } }])).status, 200);
    const s = await syncUntil("mallory's genuine update", alice, since, (s) => deviceLists(s).changed?.includes(mallory) && s);
    assert.deepEqual(deviceLists(s).changed, [mallory]);
  });

  test("a remote member leaving every shared room is left", async () => {
    const since = await nextBatch(alice);
    const trentRoom = await createRoom(alice);
    await F.join(A, trentRoom, "victor");
    const victor = F.userId("victor");
    await expectDeviceList(alice, since, victor, "changed", "alice sees victor join");
    const s2 = await nextBatch(alice);
    const leave = await F.pdu(trentRoom, { sender: victor, type: "m.room.member", state_key: victor, content: { membership: "leave" } });
    F.record(trentRoom, leave);
    assert.equal((await F.sendTxn(A, [F.wire(trentRoom, leave)])).status, 200);
    await expectDeviceList(alice, s2, victor, "left", "alice sees victor leave");
  });
});

describe("receipts", () => {
  let roomId: string;
  let carol: TestUser;
  let mallory: string;
  before(async () => {
    carol = await registerUser(A.baseUrl);
    roomId = await createRoom(alice, [bob, carol]);
    await F.join(A, roomId, "mallory");
    mallory = F.userId("mallory");
  });

  test("a local receipt reaches every member's sync, the sender's own included", async () => {
    const eventId = await send(alice, roomId, { msgtype: "m.text", body: "read me" });
    const since = await Promise.all([alice, bob, carol].map(nextBatch));
    assert.equal((await api(A, bob, "POST", `/rooms/${enc(roomId)}/receipt/m.read/${enc(eventId)}`, {})).status, 200);
    for (const [i, who] of [alice, bob, carol].entries()) {
      await syncUntil(`${who.userId} sees bob's receipt`, who, since[i], (s) => receiptsIn(s, roomId)[eventId]?.["m.read"]?.[bob.userId]);
    }
    // The initial sync has it too.
    assert.ok(receiptsIn(await sync(carol), roomId)[eventId]?.["m.read"]?.[bob.userId]);
  });

  test("a member who joins later sees the room's receipts made before, but not others' private ones", async () => {
    const eventId = await send(alice, roomId, { msgtype: "m.text", body: "read before you came" });
    assert.equal((await api(A, bob, "POST", `/rooms/${enc(roomId)}/receipt/m.read/${enc(eventId)}`, {})).status, 200);
    assert.equal((await api(A, carol, "POST", `/rooms/${enc(roomId)}/receipt/m.read.private/${enc(eventId)}`, {})).status, 200);
    const edu = { edu_type: "m.receipt", content: { [roomId]: { "m.read": { [mallory]: { event_ids: [eventId], data: { ts: 4321 } } } } } };
    assert.equal((await F.sendTxn(A, [], [edu])).status, 200);
    await eventually("alice sees mallory's receipt", async () => receiptsIn(await sync(alice), roomId)[eventId]?.["m.read"]?.[mallory]);
    const hank = await registerUser(A.baseUrl);
    const since = await nextBatch(hank);
    assert.equal((await api(A, hank, "POST", `/join/${enc(roomId)}`, {})).status, 200);
    const inc = await syncUntil("hank's sync has the receipts", hank, since, (s) => receiptsIn(s, roomId)[eventId]?.["m.read"]?.[bob.userId] && s);
    const initial = await sync(hank);
    for (const s of [inc, initial]) {
      const r = receiptsIn(s, roomId)[eventId];
      assert.ok(r["m.read"][bob.userId], "bob's receipt");
      assert.equal(r["m.read"][mallory]?.ts, 4321, "the remote user's receipt");
      assert.equal(r["m.read.private"], undefined, "carol's private receipt stays hers");
    }
  });

  test("a remote user's receipt (m.receipt EDU) reaches every local member", async () => {
    const eventId = await send(alice, roomId, { msgtype: "m.text", body: "remote reads" });
    const since = await Promise.all([alice, bob, carol].map(nextBatch));
    const edu = { edu_type: "m.receipt", content: { [roomId]: { "m.read": { [mallory]: { event_ids: [eventId], data: { ts: 1234 } } } } } };
    assert.equal((await F.sendTxn(A, [], [edu])).status, 200);
    for (const [i, who] of [alice, bob, carol].entries()) {
      const r = await syncUntil(`${who.userId} sees mallory's receipt`, who, since[i], (s) => receiptsIn(s, roomId)[eventId]?.["m.read"]?.[mallory]);
      assert.equal(r.ts, 1234);
    }
  });

  test("a receipt EDU naming another server's user, or for a room its server is not in, changes nothing", async () => {
    const eventId = await send(alice, roomId, { msgtype: "m.text", body: "forged reads" });
    const other = await createRoom(alice, [bob]);
    const otherEvent = await send(alice, other, { msgtype: "m.text", body: "not F's room" });
    const since = await nextBatch(bob);
    const forged = [
      { edu_type: "m.receipt", content: { [roomId]: { "m.read": { [alice.userId]: { event_ids: [eventId], data: { ts: 1 } } } } } },
      { edu_type: "m.receipt", content: { [other]: { "m.read": { [mallory]: { event_ids: [otherEvent], data: { ts: 2 } } } } } },
      { edu_type: "m.receipt", content: { [roomId]: { "m.read": { [mallory]: { event_ids: "nope" } } } } },
      { edu_type: "m.receipt", content: { [roomId]: "nope" } },
    ];
    assert.equal((await F.sendTxn(A, [], forged)).status, 200);
    // A genuine one after them proves they were processed.
    assert.equal((await F.sendTxn(A, [], [{ edu_type: "m.receipt", content: { [roomId]: { "m.read": { [mallory]: { event_ids: [eventId], data: { ts: 3 } } } } } }])).status, 200);
    const s = await syncUntil("bob sees mallory's genuine receipt", bob, since, (s) => receiptsIn(s, roomId)[eventId]?.["m.read"]?.[mallory] && s);
    assert.equal(receiptsIn(s, roomId)[eventId]["m.read"][alice.userId], undefined, "the receipt F forged for alice");
    assert.equal(joinedRoom(s, other), undefined, "nothing new in the room F is not in");
  });
});

describe("bundled aggregations in /sync", () => {
  let roomId: string;
  let carol: TestUser;
  before(async () => {
    carol = await registerUser(A.baseUrl);
    roomId = await createRoom(alice, [bob, carol]);
  });

  function timelineEvent(s: Body, eventId: string): Body | undefined {
    const tl = ((joinedRoom(s, roomId)?.timeline as { events?: Body[] } | undefined)?.events ?? []);
    return tl.find((e) => e.event_id === eventId);
  }
  const relationsOf = (ev: Body | undefined) => ((ev?.unsigned as Body | undefined)?.["m.relations"] ?? undefined) as Record<string, Body> | undefined;

  test("edits, thread summaries and references are bundled in initial and incremental sync timelines", async () => {
    const since = await nextBatch(bob);
    const root = await send(alice, roomId, { msgtype: "m.text", body: "root" });
    const edit = await send(alice, roomId, { msgtype: "m.text", body: "* root!", "m.new_content": { msgtype: "m.text", body: "root!" }, "m.relates_to": { rel_type: "m.replace", event_id: root } });
    const reply = await send(bob, roomId, { msgtype: "m.text", body: "in thread", "m.relates_to": { rel_type: "m.thread", event_id: root } });
    const ref = await send(carol, roomId, { msgtype: "m.text", body: "see above", "m.relates_to": { rel_type: "m.reference", event_id: root } });
    const check = (rel: Record<string, Body> | undefined, viewer: TestUser) => {
      assert.ok(rel, "m.relations present");
      assert.equal(rel["m.replace"]?.event_id, edit);
      const thread = rel["m.thread"] as { count: number; latest_event: Body; current_user_participated: boolean };
      assert.equal(thread.count, 1);
      assert.equal(thread.latest_event.event_id, reply);
      assert.equal(thread.current_user_participated, viewer.userId === alice.userId || viewer.userId === bob.userId);
      assert.deepEqual(rel["m.reference"], { chunk: [{ event_id: ref }] });
    };
    const inc = await syncUntil("bob's sync has the reference", bob, since, (s) => timelineEvent(s, ref) && s);
    check(relationsOf(timelineEvent(inc, root)), bob);
    check(relationsOf(timelineEvent(await sync(carol), root)), carol);
    // As /messages bundles them.
    const msgs = await api(A, carol, "GET", `/rooms/${enc(roomId)}/messages?dir=b&limit=10`);
    check(relationsOf((msgs.body.chunk as Body[]).find((e) => e.event_id === root)), carol);
    // Sliding sync's timelines too.
    const ss = await call(A.baseUrl, "POST", "/_matrix/client/unstable/org.matrix.simplified_msc3575/sync?timeout=0", {
      token: carol.accessToken,
      body: { room_subscriptions: { [roomId]: { timeline_limit: 10, required_state: [] } } },
    });
    assert.equal(ss.status, 200, JSON.stringify(ss.body));
    const ssTimeline = ((ss.body.rooms as Record<string, { timeline?: Body[] }>)[roomId]?.timeline ?? []);
    check(relationsOf(ssTimeline.find((e) => e.event_id === root)), carol);
  });

  test("an ignored user's thread replies and references do not count, in /sync and /messages", async () => {
    const root = await send(alice, roomId, { msgtype: "m.text", body: "root 2" });
    const byBob = await send(bob, roomId, { msgtype: "m.text", body: "bob's reply", "m.relates_to": { rel_type: "m.thread", event_id: root } });
    await send(carol, roomId, { msgtype: "m.text", body: "carol's reply", "m.relates_to": { rel_type: "m.thread", event_id: root } });
    await send(carol, roomId, { msgtype: "m.text", body: "carol's ref", "m.relates_to": { rel_type: "m.reference", event_id: root } });
    const ig = await api(A, alice, "PUT", `/user/${enc(alice.userId)}/account_data/m.ignored_user_list`, { ignored_users: { [carol.userId]: {} } });
    assert.equal(ig.status, 200);
    const check = (rel: Record<string, Body> | undefined, what: string) => {
      const thread = rel?.["m.thread"] as { count: number; latest_event: Body } | undefined;
      assert.equal(thread?.count, 1, what);
      assert.equal(thread?.latest_event.event_id, byBob, what);
      assert.equal(rel?.["m.reference"], undefined, what);
    };
    check(relationsOf(timelineEvent(await sync(alice), root)), "alice's sync");
    const msgs = await api(A, alice, "GET", `/rooms/${enc(roomId)}/messages?dir=b&limit=10`);
    check(relationsOf((msgs.body.chunk as Body[]).find((e) => e.event_id === root)), "alice's /messages");
    check(relationsOf((await api(A, alice, "GET", `/rooms/${enc(roomId)}/event/${enc(root)}`)).body), "alice's /event");
    const ctx = await api(A, alice, "GET", `/rooms/${enc(roomId)}/context/${enc(root)}?limit=2`);
    check(relationsOf(ctx.body.event as Body), "alice's /context");
    // bob ignores no one: he sees both replies.
    const bobs = relationsOf(timelineEvent(await sync(bob), root));
    assert.equal((bobs?.["m.thread"] as { count: number }).count, 2);
    assert.equal((await api(A, alice, "PUT", `/user/${enc(alice.userId)}/account_data/m.ignored_user_list`, { ignored_users: {} })).status, 200);
  });
});

describe("a waiting (long-polling) sync is woken", () => {
  let roomId: string;
  let eventId: string;
  let mallory: string;
  before(async () => {
    roomId = await createRoom(alice, [bob]);
    await F.join(A, roomId, "mallory");
    mallory = F.userId("mallory");
    eventId = await send(bob, roomId, { msgtype: "m.text", body: "wake me" });
  });

  /**
   * Long-polls `user` from a fresh token while `trigger` runs, until a response has what `check`
   * looks for. A poll that comes back with nothing new means the change never woke it: a failure.
   */
  async function wokenBy<T>(user: TestUser, trigger: () => Promise<void>, check: (s: Body) => T | undefined | false): Promise<T> {
    let since = await nextBatch(user);
    const first = api(A, user, "GET", `/sync?timeout=30000&set_presence=offline&since=${enc(since)}`);
    await trigger();
    let r = await first;
    for (let i = 0; i < 10; i++) {
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const found = check(r.body);
      if (found) return found;
      assert.notEqual(r.body.next_batch, since, "the long-poll ran out without the change waking it");
      since = String(r.body.next_batch);
      r = await api(A, user, "GET", `/sync?timeout=30000&set_presence=offline&since=${enc(since)}`);
    }
    throw new Error("the change never arrived");
  }

  test("by a room-mate's presence", async () => {
    const p = await wokenBy(alice, async () => void (await api(A, bob, "PUT", `/presence/${enc(bob.userId)}/status`, { presence: "online", status_msg: "awake" })), (s) => presenceOf(s, bob.userId));
    assert.equal(p.content.status_msg, "awake");
  });

  test("by the user's own presence set from another device", async () => {
    const other = await loginNewDevice(A.baseUrl, alice);
    const p = await wokenBy(alice, async () => void (await api(A, other, "PUT", `/presence/${enc(alice.userId)}/status`, { presence: "unavailable", status_msg: "elsewhere" })), (s) => presenceOf(s, alice.userId));
    assert.equal(p.content.presence, "unavailable");
  });

  test("by a room-mate's new device", async () => {
    await wokenBy(alice, async () => void (await loginNewDevice(A.baseUrl, bob)), (s) => deviceLists(s).changed?.includes(bob.userId));
  });

  test("by a remote member's device list update", async () => {
    const edu = { edu_type: "m.device_list_update", content: { user_id: mallory, device_id: "WAKE", stream_id: 20, prev_id: [] } };
    await wokenBy(alice, async () => void (await F.sendTxn(A, [], [edu])), (s) => deviceLists(s).changed?.includes(mallory));
  });

  test("by a local and a remote receipt", async () => {
    await wokenBy(alice, async () => void (await api(A, bob, "POST", `/rooms/${enc(roomId)}/receipt/m.read/${enc(eventId)}`, {})), (s) => receiptsIn(s, roomId)[eventId]?.["m.read"]?.[bob.userId]);
    const edu = { edu_type: "m.receipt", content: { [roomId]: { "m.read": { [mallory]: { event_ids: [eventId], data: { ts: 99 } } } } } };
    await wokenBy(alice, async () => void (await F.sendTxn(A, [], [edu])), (s) => receiptsIn(s, roomId)[eventId]?.["m.read"]?.[mallory]);
  });

  test("by a user starting and stopping to share a room", async () => {
    const erin = await registerUser(A.baseUrl);
    await wokenBy(alice, async () => void (await api(A, erin, "POST", `/join/${enc(roomId)}`, {})), (s) => deviceLists(s).changed?.includes(erin.userId));
    await wokenBy(alice, async () => void (await api(A, erin, "POST", `/rooms/${enc(roomId)}/leave`, {})), (s) => deviceLists(s).left?.includes(erin.userId));
  });
});

test("matrix-js-sdk's crypto sees a room-mate's new device through device_lists", async () => {
  const { startCryptoClient } = await import("./sdkHelpers.js");
  const frank = await registerUser(A.baseUrl);
  const gina = await registerUser(A.baseUrl);
  // The SDK tracks the device lists of the members of its encrypted rooms.
  const encryption = { type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } };
  await createRoom(frank, [gina], { initial_state: [encryption] });
  await uploadDevice(A.baseUrl, gina, 1);
  const client = await startCryptoClient(A.baseUrl, frank, clients);
  const crypto = client.getCrypto();
  assert.ok(crypto);
  const devicesOfGina = async () => (await crypto.getUserDeviceInfo([gina.userId])).get(gina.userId) ?? new Map();
  await eventually("frank's crypto knows gina's first device", async () => (await devicesOfGina()).has(gina.deviceId), 30_000);
  const second = await loginNewDevice(A.baseUrl, gina);
  await uploadDevice(A.baseUrl, second, 1);
  // The SDK learns of the change only from device_lists.changed in its sync.
  await eventually("frank's crypto sees gina's second device", async () => (await devicesOfGina()).has(second.deviceId), 30_000);
});
