/**
 * Simplified sliding sync (MSC4186) driven by matrix-js-sdk's own SlidingSync and SlidingSyncSdk,
 * with its Rust crypto: the start-up Element X does (a room list of 20 that grows to all rooms,
 * a room subscription for history) and end-to-end encryption whose keys travel only through the
 * sliding sync `to_device` and `e2ee` extensions. The SDK's requests and our responses are
 * recorded from the wire, so the tests can also say what was sent.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient, ClientEvent, EventTimeline, NotificationCountType, SyncState, type MatrixClient } from "matrix-js-sdk";
import { SlidingSync, type MSC3575List, type MSC3575RoomSubscription } from "matrix-js-sdk/lib/sliding-sync.js";
import { startServer, registerUsers, call, callOk, loginNewDevice, makeEventually, type RunningServer, type TestUser } from "./harness.js";
import { startCryptoClient, decryptedBody, findEvent } from "./sdkHelpers.js";
import { ELEMENT_X_ROOM_LIST_STATE, SLIDING_SYNC_PATH } from "../elementX.js";

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
const clients: MatrixClient[] = [];
const syncs: SlidingSync[] = [];
const eventually = makeEventually({ timeout: 30_000, every: 50 });
const enc = encodeURIComponent;

/** Element X's room subscription: the same state plus pinned events, 20 timeline events. */
const ROOM_SUBSCRIPTION: MSC3575RoomSubscription = { required_state: [...ELEMENT_X_ROOM_LIST_STATE, ["m.room.pinned_events", ""]], timeline_limit: 20 };

const ROOMS = 200;
const HISTORY = 30;

/** The rooms of the test: `plain` bob made alone; the others alice made and bob joined. */
const plain = new Map<string, string>();
let historyRoom: string;
let encryptedRoom: string;
let subA: string;
let subB: string;

/** One sliding sync exchange as the SDK saw it. */
interface Exchange {
  query: URLSearchParams;
  body: Record<string, unknown>;
  status: number;
  response: Record<string, unknown>;
}

before(async () => {
  server = await startServer();
  [alice, bob] = await registerUsers(server.baseUrl, "alice", "bob");
  const t0 = Date.now();
  const shared = async (name: string, extra: Record<string, unknown> = {}) => {
    const roomId = String((await callOk(server, alice, "POST", "/_matrix/client/v3/createRoom", { name, invite: [bob.userId], ...extra })).room_id);
    await callOk(server, bob, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {});
    return roomId;
  };
  historyRoom = await shared("History");
  for (let i = 0; i < HISTORY; i++) await send(alice, historyRoom, `history ${i}`);
  encryptedRoom = await shared("Secrets", { initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }] });
  // Alice's topic is the room's latest event, so the room list's $LAZY members include her and
  // bob's crypto tracks her devices from the start (matrix-js-sdk tracks the members it knows of).
  await callOk(server, alice, "PUT", `/_matrix/client/v3/rooms/${enc(encryptedRoom)}/state/m.room.topic/`, { topic: "only for us" });
  subA = await shared("Subscribed A");
  subB = await shared("Subscribed B");
  // The rest bob makes alone, a few at a time (2 cores are shared).
  const names = Array.from({ length: ROOMS - 4 }, (_, i) => `Room ${i}`);
  const workers = Array.from({ length: 4 }, async () => {
    for (let name = names.shift(); name !== undefined; name = names.shift()) {
      plain.set(String((await callOk(server, bob, "POST", "/_matrix/client/v3/createRoom", { name })).room_id), name);
    }
  });
  await Promise.all(workers);
  console.log(`setup: ${ROOMS} rooms in ${Date.now() - t0} ms`);
});

after(async () => {
  for (const s of syncs) s.stop();
  for (const c of clients) c.stopClient();
  await server?.stop();
});

async function send(u: TestUser, roomId: string, body: string): Promise<string> {
  const r = await callOk(server, u, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/${Math.random().toString(36).slice(2)}`, { msgtype: "m.text", body });
  return String(r.event_id);
}

/** A client for `user` whose sliding sync exchanges are recorded in `log`, each from when it is sent. */
function recordingClient(user: TestUser, log: Exchange[]): MatrixClient {
  const fetchFn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    if (url.pathname !== SLIDING_SYNC_PATH) return fetch(input, init);
    const x: Exchange = { query: url.searchParams, body: JSON.parse(String(init?.body ?? "{}")) as Record<string, unknown>, status: 0, response: {} };
    log.push(x);
    const res = await fetch(input, init);
    x.status = res.status;
    try {
      x.response = JSON.parse(await res.clone().text()) as Record<string, unknown>;
    } catch {
      // not JSON; keep {}
    }
    return res;
  };
  const client = createClient({ baseUrl: server.baseUrl, userId: user.userId, accessToken: user.accessToken, deviceId: user.deviceId, fetchFn });
  clients.push(client);
  return client;
}

/** Starts `client` on `sliding` and waits for the SDK's first processed response. */
async function startSliding(client: MatrixClient, sliding: SlidingSync): Promise<void> {
  syncs.push(sliding);
  const ready = new Promise<void>((resolve, reject) => {
    const onSync = (state: SyncState) => {
      if (state === SyncState.Prepared || state === SyncState.Syncing) {
        client.off(ClientEvent.Sync, onSync);
        resolve();
      } else if (state === SyncState.Error) reject(new Error("sliding sync error"));
    };
    client.on(ClientEvent.Sync, onSync);
  });
  await client.startClient({ slidingSync: sliding });
  await ready;
}

const joinedRooms = (c: MatrixClient) => c.getRooms().filter((r) => r.getMyMembership() === "join");
const bodiesIn = (c: MatrixClient, roomId: string) =>
  (c.getRoom(roomId)?.getLiveTimeline().getEvents() ?? []).filter((e) => e.getType() === "m.room.message").map((e) => String(e.getContent().body));
/** Failures the server gave the SDK (it retries them silently); 0 is a request the SDK aborted. */
const failures = (log: Exchange[]) => log.filter((x) => x.status !== 200 && x.status !== 0).map((x) => `${x.status} ${JSON.stringify(x.response)}`);
/**
 * Rooms an incremental response sent with nothing in them: not initial, no timeline, no state,
 * no expanded history. Such a room had nothing new and should not have been sent.
 */
const emptyRooms = (log: Exchange[]) =>
  log
    .filter((x) => x.query.get("pos") !== null)
    .flatMap((x) => Object.entries((x.response.rooms as Record<string, Record<string, unknown>> | undefined) ?? {}))
    .filter(([, r]) => !r.initial && !r.unstable_expanded_timeline && !(r.timeline as unknown[] | undefined)?.length && !(r.required_state as unknown[] | undefined)?.length)
    .map(([id]) => id);

let bobClient: MatrixClient;
let bobSliding: SlidingSync;
const bobLog: Exchange[] = [];

test("Element X start-up, through matrix-js-sdk's sliding sync with Rust crypto", async () => {
  const t0 = Date.now();
  bobClient = recordingClient(bob, bobLog);
  await bobClient.initRustCrypto({ useIndexedDB: false });
  const list: MSC3575List = { ranges: [[0, 19]], required_state: ELEMENT_X_ROOM_LIST_STATE, timeline_limit: 1, filters: {} };
  bobSliding = new SlidingSync(server.baseUrl, new Map([["all_rooms", list]]), ROOM_SUBSCRIPTION, bobClient, 10_000);
  await startSliding(bobClient, bobSliding);

  // The first window: 20 rooms, and the count of the whole list.
  await eventually("the list count", () => bobSliding.getListData("all_rooms")?.joinedCount === ROOMS);
  await eventually("the first 20 rooms", () => joinedRooms(bobClient).length === 20);
  const first = bobLog[0];
  assert.equal(first.query.get("pos"), null, "the first request has no pos");
  assert.deepEqual(Object.keys(first.body.extensions as object).sort(), ["account_data", "e2ee", "receipts", "to_device", "typing"]);
  assert.deepEqual(Object.keys(first.response.extensions as object).sort(), ["account_data", "e2ee", "receipts", "to_device", "typing"]);

  // The window grows, as Element X grows its list, until it covers every room.
  for (const end of [49, 99, 149, ROOMS - 1]) {
    bobSliding.setListRanges("all_rooms", [[0, end]]);
    await eventually(`rooms 0..${end}`, () => joinedRooms(bobClient).length === end + 1);
  }
  assert.equal(bobSliding.getListData("all_rooms")?.joinedCount, ROOMS);
  const ids = new Set(bobClient.getRooms().map((r) => r.roomId));
  for (const r of [...plain.keys(), historyRoom, encryptedRoom, subA, subB]) assert.ok(ids.has(r), `${r} reached the client`);
  for (const [roomId, name] of plain) assert.equal(bobClient.getRoom(roomId)?.name, name);
  // timeline_limit 1: one event per room so far.
  assert.deepEqual(bodiesIn(bobClient, historyRoom), [`history ${HISTORY - 1}`]);
  console.log(`room list of ${ROOMS} loaded in ${Date.now() - t0} ms`);

  // A subscription with timeline_limit 20 fills the room's timeline with history.
  bobSliding.modifyRoomSubscriptions(new Set([historyRoom]));
  await eventually("the history room's timeline fills", () => bodiesIn(bobClient, historyRoom).length >= 19 || undefined);
  const bodies = bodiesIn(bobClient, historyRoom);
  assert.deepEqual(bodies, Array.from({ length: bodies.length }, (_, i) => `history ${HISTORY - bodies.length + i}`), "in order, without duplicates");

  // End-to-end encryption. Alice's device appears only now: bob learns of it through the e2ee
  // extension's device_lists, and gets the room key through the to_device extension.
  const aliceClient = await startCryptoClient(server.baseUrl, alice, clients);
  await eventually("alice's device reaches bob's crypto", async () => {
    const devices = await bobClient.getCrypto()?.getUserDeviceInfo([alice.userId]);
    return devices?.get(alice.userId)?.has(alice.deviceId) === true;
  });
  assert.ok(
    bobLog.some((x) => ((x.response.extensions as { e2ee?: { device_lists?: { changed?: string[] } } } | undefined)?.e2ee?.device_lists?.changed ?? []).includes(alice.userId)),
    "device_lists.changed named alice",
  );
  await eventually("alice's client sees the encrypted room", () => aliceClient.getRoom(encryptedRoom)?.hasEncryptionStateEvent() === true);
  const { event_id: secret } = await aliceClient.sendTextMessage(encryptedRoom, "a secret for bob, over sliding sync");
  assert.equal(await decryptedBody(bobClient, encryptedRoom, secret), "a secret for bob, over sliding sync");
  assert.ok(
    bobLog.some((x) => ((x.response.extensions as { to_device?: { events?: Array<{ type?: string }> } } | undefined)?.to_device?.events ?? []).some((e) => e.type === "m.room.encrypted")),
    "the room key came through to_device",
  );

  // And back: bob encrypts for alice's device, which he knows from the device lists.
  const { event_id: reply } = await bobClient.sendTextMessage(encryptedRoom, "got it, alice");
  assert.equal(await decryptedBody(aliceClient, encryptedRoom, reply), "got it, alice");
  assert.deepEqual(failures(bobLog), []);
  assert.deepEqual(emptyRooms(bobLog), [], "no room without news in an incremental response");
  console.log(`start-up test: ${Date.now() - t0} ms, ${bobLog.length} sliding sync requests`);
});

test("room subscriptions matrix-js-sdk sends once stay on the connection until it unsubscribes", async () => {
  // A second device of bob's whose only list matches nothing: rooms come from subscriptions alone.
  const log: Exchange[] = [];
  const device = await loginNewDevice(server.baseUrl, bob);
  const client = recordingClient(device, log);
  const sub: MSC3575RoomSubscription = { required_state: [["*", "*"]], timeline_limit: 5 };
  const sliding = new SlidingSync(server.baseUrl, new Map([["dms", { ranges: [[0, 19]], required_state: [], timeline_limit: 1, filters: { is_dm: true } }]]), sub, client, 10_000);
  await startSliding(client, sliding);
  assert.equal(client.getRooms().length, 0);

  sliding.modifyRoomSubscriptions(new Set([subA]));
  await eventually("room A arrives", () => client.getRoom(subA)?.getMyMembership() === "join");
  // Bob was invited after alice made the room: the SDK can page back to its creation.
  const roomA = client.getRoom(subA);
  assert.ok(roomA);
  assert.ok(roomA.getLiveTimeline().getPaginationToken(EventTimeline.BACKWARDS), "a token to page back with");
  while (await client.paginateEventTimeline(roomA.getLiveTimeline(), { backwards: true, limit: 10 }));
  const types = roomA.getLiveTimeline().getEvents().map((e) => e.getType());
  assert.equal(types[0], "m.room.create");
  assert.ok(types.includes("m.room.name"));
  const a1 = await send(alice, subA, "a1");
  await eventually("a1 arrives in A", () => findEvent(client, subA, a1));
  const after = log.filter((x) => x.query.get("pos") !== null && x.body.room_subscriptions === undefined);
  assert.ok(after.length > 0, "the SDK sent a request without room_subscriptions");

  // Adding B sends only B; A must stay subscribed.
  sliding.modifyRoomSubscriptions(new Set([subA, subB]));
  await eventually("room B arrives", () => client.getRoom(subB)?.getMyMembership() === "join");
  const subRequests = log.filter((x) => x.body.room_subscriptions !== undefined).map((x) => Object.keys(x.body.room_subscriptions as object));
  assert.deepEqual(subRequests.at(-1), [subB], "the SDK sent only the new subscription");
  const a2 = await send(alice, subA, "a2");
  const b1 = await send(alice, subB, "b1");
  await eventually("a2 arrives in A", () => findEvent(client, subA, a2));
  await eventually("b1 arrives in B", () => findEvent(client, subB, b1));

  // Unsubscribing from A: A's messages no longer come, B's still do.
  sliding.modifyRoomSubscriptions(new Set([subB]));
  await eventually("the SDK sent unsubscribe_rooms", () => log.some((x) => JSON.stringify(x.body.unsubscribe_rooms) === JSON.stringify([subA])));
  const a3 = await send(alice, subA, "a3");
  const b2 = await send(alice, subB, "b2");
  await eventually("b2 arrives in B", () => findEvent(client, subB, b2));
  assert.equal(findEvent(client, subA, a3), undefined, "A is no longer subscribed");
  assert.ok(!log.some((x) => Object.keys((x.response.rooms as object | undefined) ?? {}).includes(subA) && JSON.stringify(x.response).includes(a3)));
  assert.deepEqual(failures(log), []);
  assert.deepEqual(emptyRooms(log), [], "no room without news in an incremental response");
});

test("the SDK's extensions and room changes: account data, tags, typing, receipts, its own echo, an invite it joins", async () => {
  const log = bobLog;
  // From the request in flight, whose response is yet to come.
  const from = log.length - 1;
  // Account data, global and of a room (a tag), set through the SDK and come back through the extension.
  await bobClient.setAccountData("m.identity_server", { base_url: "https://id.example.org" });
  await eventually("global account data", () => bobClient.getAccountData("m.identity_server")?.getContent().base_url === "https://id.example.org");
  await bobClient.setRoomTag(historyRoom, "m.favourite", { order: 0.5 });
  await eventually("the room tag", () => bobClient.getRoom(historyRoom)?.tags["m.favourite"]?.order === 0.5);

  // Alice types, then reads her last message: typing and receipts reach bob's room.
  const room = bobClient.getRoom(historyRoom);
  assert.ok(room);
  await callOk(server, alice, "PUT", `/_matrix/client/v3/rooms/${enc(historyRoom)}/typing/${enc(alice.userId)}`, { typing: true, timeout: 20_000 });
  await eventually("alice is typing", () => room.getMember(alice.userId)?.typing === true);
  const last = room.getLiveTimeline().getEvents().at(-1);
  const lastId = last?.getId();
  assert.ok(last && lastId);
  await callOk(server, alice, "POST", `/_matrix/client/v3/rooms/${enc(historyRoom)}/receipt/m.read/${enc(lastId)}`, {});
  await eventually("alice's read receipt", () => room.getUsersReadUpTo(last).includes(alice.userId));
  await callOk(server, alice, "PUT", `/_matrix/client/v3/rooms/${enc(historyRoom)}/typing/${enc(alice.userId)}`, { typing: false });
  await eventually("alice stopped typing", () => room.getMember(alice.userId)?.typing === false);

  // Bob's own message: the remote echo replaces the local echo (matched by transaction_id).
  const { event_id: mine } = await bobClient.sendTextMessage(historyRoom, "my own words");
  await eventually("the remote echo", () => {
    const evs = room.getLiveTimeline().getEvents().filter((e) => e.getContent().body === "my own words");
    return evs.length === 1 && evs[0].getId() === mine && evs[0].status === null;
  });

  // An invite: the list grows by one, the room arrives with its invite state; bob joins through
  // the SDK and the room comes again whole (timeline_limit 1: his join), and he can page back to
  // alice's message from before the join.
  const invited = String((await callOk(server, alice, "POST", "/_matrix/client/v3/createRoom", { name: "Invitation", invite: [bob.userId] })).room_id);
  const before = await send(alice, invited, "before you came");
  await eventually("the invite", () => bobClient.getRoom(invited)?.getMember(bob.userId)?.membership === "invite");
  await eventually("the list count", () => bobSliding.getListData("all_rooms")?.joinedCount === ROOMS + 1);
  await bobClient.joinRoom(invited);
  await eventually("the joined room", () => bobClient.getRoom(invited)?.getMyMembership() === "join" && bobClient.getRoom(invited)?.getMember(bob.userId)?.membership === "join");
  const joined = bobClient.getRoom(invited);
  assert.equal(joined?.name, "Invitation");
  while (joined && !findEvent(bobClient, invited, before) && (await bobClient.paginateEventTimeline(joined.getLiveTimeline(), { backwards: true, limit: 10 })));
  assert.ok(findEvent(bobClient, invited, before), "alice's message before the join, paged back to");
  const later = await send(alice, invited, "welcome");
  await eventually("a message after the join", () => findEvent(bobClient, invited, later));
  assert.deepEqual(failures(log.slice(from)), []);
  assert.deepEqual(emptyRooms(log.slice(from)), [], "no room without news in an incremental response");
});

test("a connection the server no longer knows: the SDK starts over on M_UNKNOWN_POS and its subscription comes back", async () => {
  const log: Exchange[] = [];
  const device = await loginNewDevice(server.baseUrl, bob);
  const client = recordingClient(device, log);
  const sliding = new SlidingSync(server.baseUrl, new Map([["dms", { ranges: [[0, 19]], required_state: [], timeline_limit: 1, filters: { is_dm: true } }]]), { required_state: [], timeline_limit: 3 }, client, 10_000);
  sliding.modifyRoomSubscriptions(new Set([subB]));
  await startSliding(client, sliding);
  await eventually("room B arrives", () => client.getRoom(subB)?.getMyMembership() === "join");

  // Another request without pos on the same device and connection starts the connection over.
  const r = await call(server.baseUrl, "POST", `${SLIDING_SYNC_PATH}?timeout=0`, { token: device.accessToken, body: { lists: {} } });
  assert.equal(r.status, 200);
  const b3 = await send(alice, subB, "b3");
  await eventually("b3 arrives in B", () => findEvent(client, subB, b3));
  const refused = log.filter((x) => x.status === 400);
  assert.ok(refused.length > 0 && refused.every((x) => (x.response as { errcode?: string }).errcode === "M_UNKNOWN_POS"), JSON.stringify(refused.map((x) => x.response)));
  const restart = log.findIndex((x) => x.status === 400) + 1;
  assert.equal(log[restart]?.query.get("pos"), null, "the SDK's next request starts over");
  assert.deepEqual(Object.keys((log[restart]?.body.room_subscriptions as object | undefined) ?? {}), [subB], "and sends its subscription again");
  const b4 = await send(alice, subB, "b4");
  await eventually("b4 arrives in B", () => findEvent(client, subB, b4));
  assert.deepEqual(emptyRooms(log), [], "no room without news in an incremental response");
});

test("unread counts: alice's messages count on bob's room, his read receipt through the SDK clears them", async () => {
  const room = bobClient.getRoom(subA);
  assert.ok(room);
  const last = await send(alice, subA, "are you reading?");
  await eventually("alice's message", () => findEvent(bobClient, subA, last));
  // a1, a2, a3 and this one: bob has read none of them.
  await eventually("4 unread", () => room.getUnreadNotificationCount(NotificationCountType.Total) === 4);
  const ev = findEvent(bobClient, subA, last);
  assert.ok(ev);
  // From the request in flight, whose response is yet to come.
  const from = bobLog.length - 1;
  await bobClient.sendReadReceipt(ev);
  await eventually("nothing unread", () => room.getUnreadNotificationCount(NotificationCountType.Total) === 0);
  // The server said so (the room comes again for its count alone).
  await eventually("the server's count", () =>
    bobLog.slice(from).some((x) => (x.response.rooms as Record<string, { notification_count?: number }> | undefined)?.[subA]?.notification_count === 0),
  );
});
