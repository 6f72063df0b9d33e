/**
 * Push notifications end to end (issue 13): pushers (pusher.yaml), delivery to a push gateway
 * (push_notifier.yaml) with batching, highlights, muted rooms, badge counts, retries and rejected
 * pushkeys, pusher removal on logout and device deletion, GET /notifications (notifications.yaml),
 * and the push rule paths with a trailing slash. The gateway is a local one (pushGateway.ts),
 * allowed over plain http through PUSH_ALLOW_HOSTS.
 *
 * Each delivery test uses its own recipient and pushkeys, so traffic left over from an earlier
 * test (a retry, a badge update) can never be mistaken for the one a test waits for.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient, type IPusherRequest } from "matrix-js-sdk";
import { startServer, registerUser, registerUsers, call, api, callOk, loginNewDevice, type RunningServer, type TestUser } from "./harness.js";
import { eventually } from "./sdkHelpers.js";
import { startPushGateway, type PushGateway, type ReceivedNotify, type NotifyDevice } from "./pushGateway.js";

let server: RunningServer;
let gateway: PushGateway;
/** The sender of every message in the delivery tests. */
let alice: TestUser;
const ALICE_NAME = "Alice Liddell";
const APP_ID = "org.lattice.e2e.push";
const enc = encodeURIComponent;

before(async () => {
  gateway = await startPushGateway();
  server = await startServer({ vars: { PUSH_ALLOW_HOSTS: "127.0.0.1" } });
  [alice] = await registerUsers(server.baseUrl, "alice");
  await setDisplayName(alice, ALICE_NAME);
});

after(async () => {
  try {
    await server?.stop();
  } finally {
    await gateway?.close();
  }
});

// ---------------------------------------------------------------------------------------------
// Helpers

/** A pusher as GET /pushers lists it. */
interface ListedPusher {
  pushkey: string;
  kind: string;
  app_id: string;
  app_display_name: string;
  device_display_name: string;
  profile_tag?: string;
  lang: string;
  data: Record<string, unknown>;
}

let keys = 0;
/** A pushkey no other test uses. */
const newPushkey = (label: string) => `${label}-${Date.now().toString(36)}-${keys++}`;

/** A complete POST /pushers/set body for an http pusher to the test gateway; `extra` overrides or adds fields. */
function httpPusher(pushkey: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: "http",
    app_id: APP_ID,
    pushkey,
    app_display_name: "Lattice e2e",
    device_display_name: "test phone",
    lang: "en",
    data: { url: gateway.url },
    ...extra,
  };
}

async function setPusher(u: TestUser, body: Record<string, unknown>): Promise<void> {
  const r = await api(server, u, "POST", "/pushers/set", body);
  assert.equal(r.status, 200, `POST /pushers/set ${JSON.stringify(body)}: ${r.status} ${JSON.stringify(r.body)}`);
}

async function pushersOf(u: TestUser): Promise<ListedPusher[]> {
  const r = await api(server, u, "GET", "/pushers");
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok(Array.isArray(r.body.pushers), `GET /pushers: ${JSON.stringify(r.body)}`);
  return r.body.pushers as ListedPusher[];
}

const pushkeysOf = async (u: TestUser) => (await pushersOf(u)).map((p) => p.pushkey).sort();

async function setDisplayName(u: TestUser, displayname: string): Promise<void> {
  await callOk(server, u, "PUT", `/_matrix/client/v3/profile/${enc(u.userId)}/displayname`, { displayname });
}

/** A room made by `creator` (named `name` if given) that every one of `members` has joined. */
async function roomWith(creator: TestUser, members: TestUser[], name?: string): Promise<string> {
  const created = await callOk(server, creator, "POST", "/_matrix/client/v3/createRoom", { invite: members.map((m) => m.userId), ...(name ? { name } : {}) });
  const roomId = String(created.room_id);
  for (const m of members) await callOk(server, m, "POST", `/_matrix/client/v3/join/${enc(roomId)}`, {});
  return roomId;
}

/** Sends an m.room.message (`body`, plus any `extra` content) and returns its event ID. */
async function send(u: TestUser, roomId: string, body: string, extra: Record<string, unknown> = {}): Promise<string> {
  const txn = Math.random().toString(36).slice(2);
  const r = await callOk(server, u, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/${txn}`, { msgtype: "m.text", body, ...extra });
  return String(r.event_id);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The device entry for `pushkey` in a received notify, if it has one. */
const deviceFor = (n: ReceivedNotify, pushkey: string): NotifyDevice | undefined => n.notification.devices.find((d) => d.pushkey === pushkey);

/** Matches notifies about `eventId` that include the device with `pushkey`. */
const about = (eventId: string, pushkey: string) => (n: ReceivedNotify) => n.notification.event_id === eventId && deviceFor(n, pushkey) !== undefined;

/** Matches any notify that includes the device with `pushkey`. */
const toPushkey = (pushkey: string) => (n: ReceivedNotify) => deviceFor(n, pushkey) !== undefined;

/** How long a test waits to be sure something (a duplicate, a muted notify) does not come. */
const QUIET_MS = 1_500;

/** The notifies matching `predicate` after waiting QUIET_MS more, for "nothing more arrives" checks. */
async function afterQuiet(predicate: (n: ReceivedNotify) => boolean): Promise<ReceivedNotify[]> {
  await sleep(QUIET_MS);
  return gateway.received().filter(predicate);
}

// ---------------------------------------------------------------------------------------------
// Pushers: POST /pushers/set and GET /pushers

test("matrix-js-sdk's setPusher and getPushers round-trip every field of an http pusher", async () => {
  const u = await registerUser(server.baseUrl, "sdkuser");
  // Not started: setPusher and getPushers are plain requests, no sync needed.
  const client = createClient({ baseUrl: server.baseUrl, userId: u.userId, accessToken: u.accessToken, deviceId: u.deviceId });
  const pushkey = newPushkey("sdk");
  const request: IPusherRequest = {
    kind: "http",
    app_id: APP_ID,
    pushkey,
    app_display_name: "SDK app",
    device_display_name: "SDK phone",
    profile_tag: "tag-123",
    lang: "en-GB",
    data: { url: gateway.url, format: "event_id_only" },
    append: false,
  };
  assert.deepEqual(await client.setPusher(request), {});
  const { pushers } = await client.getPushers();
  assert.equal(pushers.length, 1, JSON.stringify(pushers));
  const p = pushers[0];
  assert.equal(p.pushkey, pushkey);
  assert.equal(p.kind, "http");
  assert.equal(p.app_id, APP_ID);
  assert.equal(p.app_display_name, "SDK app");
  assert.equal(p.device_display_name, "SDK phone");
  assert.equal(p.profile_tag, "tag-123");
  assert.equal(p.lang, "en-GB");
  assert.equal(p.data.url, gateway.url);
  assert.equal(p.data.format, "event_id_only");
  client.stopClient();
});

test("setting the same app_id and pushkey again replaces the pusher, and kind null deletes it", async () => {
  const u = await registerUser(server.baseUrl, "replacer");
  const pushkey = newPushkey("replace");
  await setPusher(u, httpPusher(pushkey, { device_display_name: "first" }));
  await setPusher(u, httpPusher(pushkey, { device_display_name: "second", lang: "fr" }));
  const listed = await pushersOf(u);
  assert.equal(listed.length, 1, `one pusher per (app_id, pushkey): ${JSON.stringify(listed)}`);
  assert.equal(listed[0].device_display_name, "second");
  assert.equal(listed[0].lang, "fr");

  // A different app_id with the same pushkey is a different pusher.
  await setPusher(u, httpPusher(pushkey, { app_id: `${APP_ID}.other` }));
  assert.equal((await pushersOf(u)).length, 2);

  await setPusher(u, { kind: null, app_id: APP_ID, pushkey });
  const left = await pushersOf(u);
  assert.deepEqual(left.map((p) => [p.app_id, p.pushkey]), [[`${APP_ID}.other`, pushkey]]);
});

test("append false by another user takes the pushkey over; append true keeps both users' pushers", async () => {
  const [first, second] = await registerUsers(server.baseUrl, "pkowner1", "pkowner2");
  // Spec (pusher.yaml, append): false → "must remove any other pushers with the same App ID and
  // pushkey for different users".
  const taken = newPushkey("taken");
  await setPusher(first, httpPusher(taken));
  await setPusher(second, httpPusher(taken, { append: false }));
  assert.deepEqual(await pushkeysOf(first), [], "the first user's pusher was not removed");
  assert.deepEqual(await pushkeysOf(second), [taken]);

  // append true → "add another pusher with the given pushkey and App ID in addition to any others".
  const shared = newPushkey("shared");
  await setPusher(first, httpPusher(shared));
  await setPusher(second, httpPusher(shared, { append: true }));
  assert.deepEqual(await pushkeysOf(first), [shared]);
  assert.deepEqual((await pushkeysOf(second)).sort(), [shared, taken].sort());
});

test("the limits are inclusive: a 64-character app_id and a 512-byte pushkey are accepted", async () => {
  const u = await registerUser(server.baseUrl, "limits");
  const appId = "a".repeat(64);
  // 256 two-byte characters: 512 bytes of UTF-8.
  const pushkey = "é".repeat(256);
  await setPusher(u, httpPusher(pushkey, { app_id: appId }));
  const listed = await pushersOf(u);
  assert.deepEqual(listed.map((p) => [p.app_id, p.pushkey]), [[appId, pushkey]]);
});

test("bad pusher requests are refused with the spec's error and change nothing", async () => {
  const u = await registerUser(server.baseUrl, "refused");
  const pushkey = newPushkey("kept");
  await setPusher(u, httpPusher(pushkey));
  const before = await pushersOf(u);
  const withData = (data: Record<string, unknown>) => httpPusher(pushkey, { device_display_name: "changed", data });
  const url = (u: string) => withData({ url: u });
  const omit = (field: string) => {
    const b = httpPusher(pushkey, { device_display_name: "changed" });
    delete b[field];
    return b;
  };
  const cases: Array<{ what: string; body?: Record<string, unknown>; raw?: string; errcode: string; error?: string }> = [
    // Without kind, a server treating it as null would delete the pusher: it must not.
    { what: "missing kind", body: omit("kind"), errcode: "M_MISSING_PARAM" },
    { what: "missing app_id", body: omit("app_id"), errcode: "M_MISSING_PARAM" },
    { what: "missing pushkey", body: omit("pushkey"), errcode: "M_MISSING_PARAM" },
    {
      what: "missing lang and data",
      body: { kind: "http", app_id: APP_ID, pushkey, app_display_name: "x", device_display_name: "changed" },
      errcode: "M_MISSING_PARAM",
      error: "Missing parameters: lang, data",
    },
    { what: "kind email", body: httpPusher("refused@example.org", { kind: "email", app_id: "m.email", data: {} }), errcode: "M_THREEPID_NOT_FOUND" },
    { what: "unknown kind", body: httpPusher(pushkey, { kind: "carrier-pigeon" }), errcode: "M_INVALID_PARAM" },
    { what: "url with another path", body: url(gateway.url.replace("/_matrix/push/v1/notify", "/_matrix/push/v1/other")), errcode: "M_INVALID_PARAM" },
    { what: "http url on a host not allowed", body: url("http://push.example.org/_matrix/push/v1/notify"), errcode: "M_INVALID_PARAM" },
    { what: "https url on 10/8", body: url("https://10.1.2.3/_matrix/push/v1/notify"), errcode: "M_INVALID_PARAM" },
    { what: "https url on 192.168/16", body: url("https://192.168.0.5/_matrix/push/v1/notify"), errcode: "M_INVALID_PARAM" },
    { what: "https url on ::1", body: url("https://[::1]/_matrix/push/v1/notify"), errcode: "M_INVALID_PARAM" },
    { what: "https url on link-local metadata", body: url("https://169.254.169.254/_matrix/push/v1/notify"), errcode: "M_INVALID_PARAM" },
    { what: "https url on localhost", body: url("https://localhost/_matrix/push/v1/notify"), errcode: "M_INVALID_PARAM" },
    { what: "app_id of 65 characters", body: httpPusher(pushkey, { app_id: "a".repeat(65) }), errcode: "M_INVALID_PARAM" },
    { what: "pushkey of 513 bytes", body: httpPusher("k".repeat(513)), errcode: "M_INVALID_PARAM" },
    // 257 characters but 514 bytes: the limit counts bytes.
    { what: "pushkey of 257 two-byte characters", body: httpPusher("é".repeat(257)), errcode: "M_INVALID_PARAM" },
    { what: "append not a boolean", body: httpPusher(pushkey, { append: "yes", device_display_name: "changed" }), errcode: "M_INVALID_PARAM" },
    { what: "data not an object", body: httpPusher(pushkey, { data: "x", device_display_name: "changed" }), errcode: "M_INVALID_PARAM" },
    { what: "malformed JSON", raw: '{"kind": "http", "app_id": ', errcode: "M_NOT_JSON" },
    // Wrong types: a field of the right name but not a string (or object) is refused, not coerced.
    { what: "kind a number", body: httpPusher(pushkey, { kind: 1, device_display_name: "changed" }), errcode: "M_INVALID_PARAM" },
    { what: "app_id a number", body: httpPusher(pushkey, { app_id: 7 }), errcode: "M_INVALID_PARAM" },
    { what: "pushkey a number", body: httpPusher(pushkey, { pushkey: 7 }), errcode: "M_INVALID_PARAM" },
    { what: "lang a number", body: httpPusher(pushkey, { lang: 5, device_display_name: "changed" }), errcode: "M_INVALID_PARAM" },
    { what: "profile_tag an object", body: httpPusher(pushkey, { profile_tag: {}, device_display_name: "changed" }), errcode: "M_INVALID_PARAM" },
    { what: "url not a string", body: withData({ url: ["https://push.example.org/_matrix/push/v1/notify"] }), errcode: "M_INVALID_PARAM" },
    { what: "data without url", body: withData({}), errcode: "M_MISSING_PARAM" },
    { what: "format not a string", body: withData({ url: gateway.url, format: 1 }), errcode: "M_INVALID_PARAM" },
  ];
  const failures: string[] = [];
  for (const c of cases) {
    const r = await call(server.baseUrl, "POST", "/_matrix/client/v3/pushers/set", { token: u.accessToken, ...(c.raw !== undefined ? { rawBody: c.raw } : { body: c.body }) });
    if (r.status !== 400 || r.body.errcode !== c.errcode || (c.error !== undefined && r.body.error !== c.error)) {
      failures.push(`${c.what}: expected 400 ${c.errcode}${c.error ? ` "${c.error}"` : ""}, got ${r.status} ${JSON.stringify(r.body)}`);
    }
    const now = await pushersOf(u);
    if (JSON.stringify(now) !== JSON.stringify(before)) failures.push(`${c.what}: GET /pushers changed to ${JSON.stringify(now)}`);
  }

  const noToken = await call(server.baseUrl, "POST", "/_matrix/client/v3/pushers/set", { body: httpPusher(pushkey) });
  if (noToken.status !== 401 || noToken.body.errcode !== "M_MISSING_TOKEN") failures.push(`no token: got ${noToken.status} ${JSON.stringify(noToken.body)}`);
  const badToken = await call(server.baseUrl, "POST", "/_matrix/client/v3/pushers/set", { token: "not-a-token", body: httpPusher(pushkey) });
  if (badToken.status !== 401 || badToken.body.errcode !== "M_UNKNOWN_TOKEN") failures.push(`bad token: got ${badToken.status} ${JSON.stringify(badToken.body)}`);
  const listNoToken = await call(server.baseUrl, "GET", "/_matrix/client/v3/pushers");
  if (listNoToken.status !== 401 || listNoToken.body.errcode !== "M_MISSING_TOKEN") failures.push(`GET /pushers without a token: got ${listNoToken.status} ${JSON.stringify(listNoToken.body)}`);
  // Guests get no pushers (Synapse refuses them too): 403 M_GUEST_ACCESS_FORBIDDEN.
  const guest = await call(server.baseUrl, "POST", "/_matrix/client/v3/register?kind=guest", { body: {} });
  const asGuest = await call(server.baseUrl, "POST", "/_matrix/client/v3/pushers/set", { token: String(guest.body.access_token), body: httpPusher(newPushkey("guest")) });
  if (asGuest.status !== 403 || asGuest.body.errcode !== "M_GUEST_ACCESS_FORBIDDEN") failures.push(`guest: got ${asGuest.status} ${JSON.stringify(asGuest.body)}`);
  assert.deepEqual(await pushersOf(u), before);
  assert.deepEqual(failures, []);
});

// ---------------------------------------------------------------------------------------------
// Delivery to the push gateway

test("a message reaches the recipient's gateway once, with the event, names, counts and device", async () => {
  const bob = await registerUser(server.baseUrl, "bob");
  const roomId = await roomWith(alice, [bob], "Tea Party");
  const pushkey = newPushkey("bob");
  // A custom data key and a profile tag: the gateway gets data minus url.
  await setPusher(bob, httpPusher(pushkey, { data: { url: gateway.url, brand: "lattice-e2e" }, profile_tag: "bob-tag" }));
  const eventId = await send(alice, roomId, "hello bob");

  const [got] = await gateway.waitFor(about(eventId, pushkey), 10_000, `the notify for ${eventId}`);
  const n = got.notification;
  assert.equal(n.event_id, eventId);
  assert.equal(n.room_id, roomId);
  assert.equal(n.type, "m.room.message");
  assert.equal(n.sender, alice.userId);
  assert.equal(n.sender_display_name, ALICE_NAME);
  assert.equal(n.room_name, "Tea Party");
  assert.equal(n.content?.body, "hello bob");
  assert.equal(n.prio, "high");
  assert.ok(typeof n.counts?.unread === "number" && n.counts.unread >= 1, `counts: ${JSON.stringify(n.counts)}`);
  assert.equal(n.devices.length, 1, JSON.stringify(n.devices));
  const d = n.devices[0];
  assert.equal(d.app_id, APP_ID);
  assert.equal(d.pushkey, pushkey);
  assert.ok(Number.isInteger(d.pushkey_ts), `pushkey_ts is integer seconds: ${d.pushkey_ts}`);
  assert.ok(Math.abs(Number(d.pushkey_ts) - Date.now() / 1000) < 300, `pushkey_ts ${d.pushkey_ts} is not close to now (${Math.floor(Date.now() / 1000)})`);
  assert.deepEqual(d.data, { brand: "lattice-e2e" }, "data is forwarded without url");

  // Exactly one: nothing more for this event after a while.
  assert.equal((await afterQuiet(about(eventId, pushkey))).length, 1, "the notify was sent more than once");
});

test("an event_id_only pusher gets the event and room IDs, counts and devices, but no event content", async () => {
  const erin = await registerUser(server.baseUrl, "erin");
  const roomId = await roomWith(alice, [erin]);
  const pushkey = newPushkey("erin");
  await setPusher(erin, httpPusher(pushkey, { data: { url: gateway.url, format: "event_id_only" } }));
  const eventId = await send(alice, roomId, "secret contents");

  const [got] = await gateway.waitFor(about(eventId, pushkey), 10_000, `the event_id_only notify for ${eventId}`);
  const n = got.notification;
  assert.equal(n.event_id, eventId);
  assert.equal(n.room_id, roomId);
  assert.ok(typeof n.counts?.unread === "number", `counts: ${JSON.stringify(n.counts)}`);
  assert.equal(n.devices.length, 1);
  assert.equal(n.devices[0].pushkey, pushkey);
  assert.deepEqual(n.devices[0].data, { format: "event_id_only" }, "data keeps format, loses url");
  for (const field of ["type", "sender", "content", "sender_display_name", "room_name"] as const) {
    assert.equal(n[field], undefined, `event_id_only notify carries ${field}: ${JSON.stringify(n)}`);
  }
});

test("two pushers on the same gateway are sent one request listing both; the sender is not pushed her own message", async () => {
  const bob2 = await registerUser(server.baseUrl, "bob2");
  const roomId = await roomWith(alice, [bob2]);
  const [pk1, pk2, alicePk] = [newPushkey("bob2a"), newPushkey("bob2b"), newPushkey("alice")];
  await setPusher(bob2, httpPusher(pk1));
  await setPusher(bob2, httpPusher(pk2));
  await setPusher(alice, httpPusher(alicePk));
  try {
    const eventId = await send(alice, roomId, "for both of your phones");
    await gateway.waitFor(about(eventId, pk1), 10_000, `the notify for ${eventId}`);
    const forEvent = await afterQuiet((n) => n.notification.event_id === eventId && (deviceFor(n, pk1) !== undefined || deviceFor(n, pk2) !== undefined));
    assert.equal(forEvent.length, 1, `one request for both pushers, got ${forEvent.length}: ${JSON.stringify(forEvent.map((n) => n.notification.devices))}`);
    assert.deepEqual(forEvent[0].notification.devices.map((d) => d.pushkey).sort(), [pk1, pk2].sort());
    assert.deepEqual(gateway.received().filter(about(eventId, alicePk)), [], "alice was pushed her own message");
  } finally {
    // Alice sends in every test: her pusher must not outlive this one.
    await setPusher(alice, { kind: null, app_id: APP_ID, pushkey: alicePk });
  }
});

test("a mention through m.mentions is pushed with highlight and sound; plain messages and display names in the body are not highlighted", async () => {
  const [bob3, carol] = await registerUsers(server.baseUrl, "bob3", "carol");
  await setDisplayName(bob3, "Roberta");
  // Three members: the one-to-one rule does not apply, so only mentions make a sound.
  const roomId = await roomWith(alice, [bob3, carol]);
  const pushkey = newPushkey("bob3");
  await setPusher(bob3, httpPusher(pushkey));

  const byMention = await send(alice, roomId, "ping", { "m.mentions": { user_ids: [bob3.userId] } });
  // Spec v1.17 ("Predefined Rules") removed the legacy rules that looked for mentions in the body
  // (.m.rule.contains_display_name among them): a display name in the body alone is a plain message.
  const byName = await send(alice, roomId, "hey Roberta, look at this");
  const plain = await send(alice, roomId, "just chatting");

  const [mentioned] = await gateway.waitFor(about(byMention, pushkey), 10_000, "the notify for the m.mentions mention");
  const tweaks = deviceFor(mentioned, pushkey)?.tweaks;
  assert.equal(tweaks?.highlight, true, `.m.rule.is_user_mention: tweaks ${JSON.stringify(tweaks)}`);
  assert.equal(tweaks?.sound, "default", `.m.rule.is_user_mention: tweaks ${JSON.stringify(tweaks)}`);
  assert.equal(mentioned.notification.prio, "high");

  for (const [what, eventId] of [["a plain message", plain], ["a display name in the body", byName]]) {
    const [got] = await gateway.waitFor(about(eventId, pushkey), 10_000, `the notify for ${what}`);
    const t = deviceFor(got, pushkey)?.tweaks;
    assert.ok(t?.highlight === undefined || t.highlight === false, `${what} was highlighted: ${JSON.stringify(t)}`);
  }
});

test("a room muted by a room push rule gets no notify, while another room still does", async () => {
  const frank = await registerUser(server.baseUrl, "frank");
  const muted = await roomWith(alice, [frank]);
  const loud = await roomWith(alice, [frank]);
  const pushkey = newPushkey("frank");
  await setPusher(frank, httpPusher(pushkey));
  await callOk(server, frank, "PUT", `/_matrix/client/v3/pushrules/global/room/${enc(muted)}`, { actions: [] });

  const silent = await send(alice, muted, "nobody hears this");
  const heard = await send(alice, loud, "but this one rings");
  await gateway.waitFor(about(heard, pushkey), 10_000, "the notify from the room that is not muted");
  assert.deepEqual(await afterQuiet(about(silent, pushkey)), [], "the muted room's message was pushed");
});

test("a read receipt sends a badge update with no event and the unread count back to 0", async () => {
  const grace = await registerUser(server.baseUrl, "grace");
  // Grace makes the room, so no invite of hers counts as unread.
  const roomId = await roomWith(grace, [alice]);
  const pushkey = newPushkey("grace");
  await setPusher(grace, httpPusher(pushkey));
  const first = await send(alice, roomId, "one");
  const second = await send(alice, roomId, "two");
  await gateway.waitFor(about(first, pushkey), 10_000, "the first message's notify");
  const [latest] = await gateway.waitFor(about(second, pushkey), 10_000, "the second message's notify");
  assert.ok(Number(latest.notification.counts?.unread) >= 2, `two unread: ${JSON.stringify(latest.notification.counts)}`);

  const receiptAt = Date.now();
  await callOk(server, grace, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/receipt/m.read/${enc(second)}`, {});
  const [badge] = await gateway.waitFor(
    (n) => n.at >= receiptAt && n.notification.event_id === undefined && toPushkey(pushkey)(n),
    10_000,
    "a badge notify after the read receipt",
  );
  assert.equal(badge.notification.counts?.unread, 0, `counts: ${JSON.stringify(badge.notification.counts)}`);
  assert.equal(deviceFor(badge, pushkey)?.app_id, APP_ID);
});

test("a notify answered 500 is retried: the same event arrives again within seconds, and only until delivered", async () => {
  const henry = await registerUser(server.baseUrl, "henry");
  const roomId = await roomWith(alice, [henry]);
  const pushkey = newPushkey("henry");
  await setPusher(henry, httpPusher(pushkey));
  gateway.failNext(1, pushkey);
  const eventId = await send(alice, roomId, "try again");

  const tries = await gateway.waitFor(
    (n) => about(eventId, pushkey)(n) && n.answered === 200,
    10_000,
    `a retried notify for ${eventId}`,
  ).then(() => gateway.received().filter(about(eventId, pushkey)));
  assert.equal(tries[0].answered, 500, "the first attempt was the failed one");
  const delivered = tries.find((n) => n.answered === 200);
  assert.ok(delivered);
  assert.ok(delivered.at - tries[0].at <= 5_000, `the retry came ${delivered.at - tries[0].at} ms after the failure`);
  // Delivered once: no further retries.
  const all = await afterQuiet(about(eventId, pushkey));
  assert.equal(all.filter((n) => n.answered === 200).length, 1, `delivered more than once: ${all.length} attempts`);
});

test("a pushkey the gateway rejects is removed: no longer listed, no longer pushed", async () => {
  const ivan = await registerUser(server.baseUrl, "ivan");
  const roomId = await roomWith(alice, [ivan]);
  const [goodPk, badPk] = [newPushkey("ivan-good"), newPushkey("ivan-bad")];
  await setPusher(ivan, httpPusher(goodPk));
  await setPusher(ivan, httpPusher(badPk));
  gateway.reject(badPk);

  const first = await send(alice, roomId, "one for each phone");
  await gateway.waitFor(about(first, badPk), 10_000, "the notify the gateway answers with rejected");
  await eventually("the rejected pusher to be removed", async () => {
    const listed = await pushkeysOf(ivan);
    return !listed.includes(badPk) && listed.includes(goodPk);
  });

  const next = await send(alice, roomId, "only the good phone now");
  await gateway.waitFor(about(next, goodPk), 10_000, "the notify to the pusher that is left");
  assert.deepEqual(await afterQuiet(about(next, badPk)), [], "the rejected pushkey was pushed again");
});

// ---------------------------------------------------------------------------------------------
// Pushers go with their device

test("logging out or deleting a device removes its pushers, and only its own", async () => {
  const judy = await registerUser(server.baseUrl, "judy");
  const keptPk = newPushkey("judy-kept");
  await setPusher(judy, httpPusher(keptPk));

  // Logout: the pusher set with device D's token goes with D.
  const phone = await loginNewDevice(server.baseUrl, judy);
  const phonePk = newPushkey("judy-phone");
  await setPusher(phone, httpPusher(phonePk));
  assert.deepEqual(await pushkeysOf(judy), [keptPk, phonePk].sort());
  await callOk(server, phone, "POST", "/_matrix/client/v3/logout", {});
  const again = await loginNewDevice(server.baseUrl, judy);
  assert.deepEqual(await pushkeysOf(again), [keptPk], "the logged-out device's pusher is still listed");

  // Device deletion (with user-interactive auth): the same.
  const tablet = await loginNewDevice(server.baseUrl, judy);
  const tabletPk = newPushkey("judy-tablet");
  await setPusher(tablet, httpPusher(tabletPk));
  assert.deepEqual(await pushkeysOf(judy), [keptPk, tabletPk].sort());
  const del = await call(server.baseUrl, "DELETE", `/_matrix/client/v3/devices/${enc(tablet.deviceId)}`, {
    token: judy.accessToken,
    body: { auth: { type: "m.login.password", identifier: { type: "m.id.user", user: judy.userId }, password: judy.password } },
  });
  assert.equal(del.status, 200, JSON.stringify(del.body));
  assert.deepEqual(await pushkeysOf(judy), [keptPk], "the deleted device's pusher is still listed");
});

// ---------------------------------------------------------------------------------------------
// GET /notifications

interface NotificationEntry {
  actions: unknown[];
  event: { event_id: string; type: string; sender: string; content: Record<string, unknown>; room_id?: string };
  read: boolean;
  room_id: string;
  ts: number;
  profile_tag?: string;
}

async function notifications(u: TestUser, query = ""): Promise<{ notifications: NotificationEntry[]; next_token?: string }> {
  const r = await api(server, u, "GET", `/notifications${query ? `?${query}` : ""}`);
  assert.equal(r.status, 200, `GET /notifications?${query}: ${r.status} ${JSON.stringify(r.body)}`);
  assert.ok(Array.isArray(r.body.notifications), JSON.stringify(r.body));
  return r.body as unknown as { notifications: NotificationEntry[]; next_token?: string };
}

test("GET /notifications lists what the user was notified of, newest first, paged, filtered to highlights, with read flags", async () => {
  const kate = await registerUser(server.baseUrl, "kate");
  // Kate makes the room, so her list holds only alice's messages (no invite of hers). She has no
  // pusher: the list is of what she "has been, or would have been notified about".
  const roomId = await roomWith(kate, [alice]);
  const sent: string[] = [];
  sent.push(await send(alice, roomId, "first, plain"));
  sent.push(await send(alice, roomId, "second", { "m.mentions": { user_ids: [kate.userId] } }));
  sent.push(await send(alice, roomId, "third, plain"));
  sent.push(await send(alice, roomId, "fourth: Katherine, are you there?", { "m.mentions": { user_ids: [kate.userId] } }));
  sent.push(await send(alice, roomId, "fifth, plain"));
  const newestFirst = [...sent].reverse();
  const highlights = [sent[3], sent[1]];

  // All of them, newest first, in the notification shape.
  const all = await eventually("all five notifications listed", async () => {
    const page = await notifications(kate);
    return page.notifications.length >= 5 ? page : undefined;
  });
  assert.deepEqual(all.notifications.map((n) => n.event.event_id), newestFirst);
  for (const n of all.notifications) {
    assert.ok(Array.isArray(n.actions) && n.actions.length > 0, `actions: ${JSON.stringify(n.actions)}`);
    assert.equal(n.event.type, "m.room.message");
    assert.equal(n.event.sender, alice.userId);
    assert.equal(typeof n.event.content.body, "string");
    assert.equal(n.room_id, roomId);
    assert.ok(Number.isInteger(n.ts) && n.ts > 0, `ts: ${n.ts}`);
    assert.equal(n.read, false, `${n.event.event_id} is read before any receipt`);
  }

  // limit=2 pages through all of them with next_token: no duplicates, none missed, same order.
  const paged: string[] = [];
  let from: string | undefined;
  for (let pages = 0; ; pages++) {
    assert.ok(pages < 10, "paging never ended");
    const page = await notifications(kate, `limit=2${from ? `&from=${enc(from)}` : ""}`);
    assert.ok(page.notifications.length <= 2, `a page of ${page.notifications.length} with limit=2`);
    paged.push(...page.notifications.map((n) => n.event.event_id));
    if (page.next_token === undefined) break;
    from = page.next_token;
  }
  assert.deepEqual(paged, newestFirst);

  // only=highlight: just the two mentions.
  const onlyHighlights = await notifications(kate, "only=highlight");
  assert.deepEqual(onlyHighlights.notifications.map((n) => n.event.event_id), highlights);

  // A read receipt on the third message marks it and the ones before it read.
  await callOk(server, kate, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/receipt/m.read/${enc(sent[2])}`, {});
  const readFlags = await eventually("the read receipt reflected in /notifications", async () => {
    const page = await notifications(kate);
    const flags = Object.fromEntries(page.notifications.map((n) => [n.event.event_id, n.read]));
    return flags[sent[2]] === true ? flags : undefined;
  });
  assert.deepEqual(
    sent.map((id) => readFlags[id]),
    [true, true, true, false, false],
  );

  // Refusals.
  const garbage = await api(server, kate, "GET", "/notifications?from=garbage");
  assert.equal(garbage.status, 400, JSON.stringify(garbage.body));
  assert.equal(garbage.body.errcode, "M_INVALID_PARAM");
  for (const limit of ["-1", "abc", "1.5"]) {
    const bad = await api(server, kate, "GET", `/notifications?limit=${limit}`);
    assert.equal(bad.status, 400, `limit=${limit}: ${JSON.stringify(bad.body)}`);
    assert.equal(bad.body.errcode, "M_INVALID_PARAM");
  }
  const noToken = await call(server.baseUrl, "GET", "/_matrix/client/v3/notifications");
  assert.equal(noToken.status, 401);
  assert.equal(noToken.body.errcode, "M_MISSING_TOKEN");
});

// ---------------------------------------------------------------------------------------------
// Push rules paths with a trailing slash (pushrules.yaml writes GET /pushrules/global/)

test("push rule paths with a trailing slash answer like the ones without", async () => {
  const u = await registerUser(server.baseUrl, "slashes");
  const roomId = await roomWith(u, []);
  // A room rule, so the room list is not empty.
  await callOk(server, u, "PUT", `/_matrix/client/v3/pushrules/global/room/${enc(roomId)}`, { actions: [] });
  const global = await callOk(server, u, "GET", "/_matrix/client/v3/pushrules/global");
  assert.ok(Array.isArray(global.room) && global.room.length === 1, `room rules: ${JSON.stringify(global.room)}`);

  assert.deepEqual(await callOk(server, u, "GET", "/_matrix/client/v3/pushrules/global/"), global);

  const master = await callOk(server, u, "GET", "/_matrix/client/v3/pushrules/global/override/.m.rule.master");
  assert.deepEqual(await callOk(server, u, "GET", "/_matrix/client/v3/pushrules/global/override/.m.rule.master/"), master);

  const roomRules = await call(server.baseUrl, "GET", "/_matrix/client/v3/pushrules/global/room/", { token: u.accessToken });
  assert.equal(roomRules.status, 200, JSON.stringify(roomRules.body));
  // The answer is the list itself (a JSON array), as in /pushrules/global's "room".
  assert.deepEqual(roomRules.body, global.room as unknown as Record<string, unknown>);
});
