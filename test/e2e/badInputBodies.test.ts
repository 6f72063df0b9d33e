/**
 * Bad input, part 2: request bodies and parameters. Malformed JSON, wrong types, missing
 * parameters, oversize bodies and events, unknown rooms/users/events and forbidden actions —
 * each checked for the spec's errcode and status AND that nothing changed (state, membership,
 * timeline, account data, devices, profile, aliases, push rules are read back afterwards).
 * Spec: client-server-api "Standard error response" and each endpoint's yaml.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, registerUser, call, type RunningServer, type TestUser } from "./harness.js";

let server: RunningServer;
let alice: TestUser; // creator of the room
let bob: TestUser; // joined member, power level 0
let carol: TestUser; // not in the room
let roomId: string;
let aliceEvent: string;
const alias = "#bad-input:localhost";

const enc = encodeURIComponent;
const r = (p: string) => `/_matrix/client/v3/rooms/${enc(roomId)}${p}`;

async function ok(method: string, path: string, token: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await call(server.baseUrl, method, path, { token, body });
  assert.equal(res.status, 200, `${method} ${path}: ${JSON.stringify(res.body)}`);
  return res.body;
}

before(async () => {
  server = await startServer();
  alice = await registerUser(server.baseUrl, "alice");
  bob = await registerUser(server.baseUrl, "bob");
  carol = await registerUser(server.baseUrl, "carol");
  roomId = String(
    (await ok("POST", "/_matrix/client/v3/createRoom", alice.accessToken, { name: "Bad input", topic: "t", preset: "public_chat", room_alias_name: "bad-input" })).room_id,
  );
  await ok("POST", `/_matrix/client/v3/join/${enc(roomId)}`, bob.accessToken, {});
  aliceEvent = String((await ok("PUT", r("/send/m.room.message/a1"), alice.accessToken, { msgtype: "m.text", body: "hello" })).event_id);
  await ok("PUT", `/_matrix/client/v3/profile/${enc(alice.userId)}/displayname`, alice.accessToken, { displayname: "Alice" });
  await ok("PUT", `/_matrix/client/v3/profile/${enc(bob.userId)}/displayname`, bob.accessToken, { displayname: "Bob" });
  await ok("PUT", `/_matrix/client/v3/user/${enc(alice.userId)}/account_data/org.example.settings`, alice.accessToken, { theme: "dark" });
  await ok("PUT", `/_matrix/client/v3/user/${enc(alice.userId)}/rooms/${enc(roomId)}/account_data/org.example.room`, alice.accessToken, { pinned: true });
  await ok("PUT", `/_matrix/client/v3/user/${enc(alice.userId)}/rooms/${enc(roomId)}/tags/u.work`, alice.accessToken, { order: 0.5 });
});

after(async () => {
  await server?.stop();
});

/** Everything a bad request could have changed, as each user sees it. */
async function snapshot(): Promise<unknown> {
  const out: Record<string, unknown> = {};
  const tok = alice.accessToken;
  out.state = ((await ok("GET", r("/state"), tok)).valueOf() as unknown as Array<{ event_id: string }>).map((e) => e.event_id).sort();
  out.members = ((await ok("GET", r("/members"), tok)).chunk as Array<{ state_key: string; content: { membership: string } }>)
    .map((e) => `${e.state_key}=${e.content.membership}`)
    .sort();
  out.timeline = ((await ok("GET", `${r("/messages")}?dir=b&limit=100`, tok)).chunk as Array<{ event_id: string; content: unknown }>).map((e) => [e.event_id, e.content]);
  for (const u of [alice, bob, carol]) {
    out[`profile ${u.userId}`] = await call(server.baseUrl, "GET", `/_matrix/client/v3/profile/${enc(u.userId)}`);
    out[`devices ${u.userId}`] = ((await ok("GET", "/_matrix/client/v3/devices", u.accessToken)).devices as Array<{ device_id: string; display_name?: string }>)
      .map((d) => `${d.device_id}:${d.display_name ?? ""}`)
      .sort();
    out[`joined ${u.userId}`] = (await ok("GET", "/_matrix/client/v3/joined_rooms", u.accessToken)).joined_rooms;
    out[`whoami ${u.userId}`] = (await ok("GET", "/_matrix/client/v3/account/whoami", u.accessToken)).user_id;
    out[`pushrules ${u.userId}`] = await ok("GET", "/_matrix/client/v3/pushrules/", u.accessToken);
  }
  out.settings = await call(server.baseUrl, "GET", `/_matrix/client/v3/user/${enc(alice.userId)}/account_data/org.example.settings`, { token: tok });
  out.roomData = await call(server.baseUrl, "GET", `/_matrix/client/v3/user/${enc(alice.userId)}/rooms/${enc(roomId)}/account_data/org.example.room`, { token: tok });
  out.tags = await ok("GET", `/_matrix/client/v3/user/${enc(alice.userId)}/rooms/${enc(roomId)}/tags`, tok);
  out.alias = await call(server.baseUrl, "GET", `/_matrix/client/v3/directory/room/${enc(alias)}`);
  out.visibility = await call(server.baseUrl, "GET", `/_matrix/client/v3/directory/list/room/${enc(roomId)}`);
  out.ignored = await call(server.baseUrl, "GET", `/_matrix/client/v3/user/${enc(bob.userId)}/account_data/m.ignored_user_list`, { token: bob.accessToken });
  // An upload of nothing answers the one-time key counts; "cj" is the name the refused registrations ask for.
  out.oneTimeKeys = (await ok("POST", "/_matrix/client/v3/keys/upload", tok, {})).one_time_key_counts;
  out.cjAvailable = (await call(server.baseUrl, "GET", "/_matrix/client/v3/register/available?username=cj")).status;
  return out;
}

interface Case {
  who?: TestUser;
  method: string;
  path: () => string;
  body?: unknown;
  rawBody?: string | Uint8Array<ArrayBuffer>;
  status: number;
  errcodes: string[];
}

/** Sends each bad request and checks the error and that the snapshot is unchanged. */
async function expectRefusedUnchanged(cases: Case[]): Promise<void> {
  const before = await snapshot();
  for (const c of cases) {
    const res = await call(server.baseUrl, c.method, c.path(), { token: (c.who ?? alice).accessToken, body: c.body, rawBody: c.rawBody });
    const label = `${(c.who ?? alice).userId} ${c.method} ${c.path()} ${typeof c.rawBody === "string" ? c.rawBody.slice(0, 40) : c.rawBody !== undefined ? `<${c.rawBody.length} bytes>` : JSON.stringify(c.body)?.slice(0, 80)}`;
    assert.equal(res.status, c.status, `${label}: ${JSON.stringify(res.body)}`);
    assert.ok(c.errcodes.includes(String(res.body.errcode)), `${label}: errcode ${String(res.body.errcode)}, expected ${c.errcodes.join(" or ")}`);
    assert.equal(typeof res.body.error, "string", `${label}: error text`);
  }
  assert.deepEqual(await snapshot(), before, "nothing changed");
}

/** The endpoints that take a JSON body, as [method, path, who]. */
function bodyEndpoints(): Array<[string, () => string, TestUser?]> {
  return [
    ["POST", () => "/_matrix/client/v3/createRoom"],
    ["PUT", () => r("/send/m.room.message/nj1")],
    ["PUT", () => r("/state/m.room.topic/")],
    ["PUT", () => r("/state/m.room.name")],
    ["PUT", () => r(`/redact/${enc(aliceEvent)}/nj2`)],
    ["PUT", () => `/_matrix/client/v3/profile/${enc(alice.userId)}/displayname`],
    ["PUT", () => `/_matrix/client/v3/user/${enc(alice.userId)}/account_data/org.example.settings`],
    ["PUT", () => `/_matrix/client/v3/user/${enc(alice.userId)}/rooms/${enc(roomId)}/account_data/org.example.room`],
    ["PUT", () => `/_matrix/client/v3/user/${enc(alice.userId)}/rooms/${enc(roomId)}/tags/u.other`],
    ["POST", () => `/_matrix/client/v3/user/${enc(alice.userId)}/filter`],
    ["PUT", () => r(`/typing/${enc(alice.userId)}`)],
    ["POST", () => r(`/receipt/m.read/${enc(aliceEvent)}`)],
    ["POST", () => r("/read_markers")],
    ["POST", () => r("/invite")],
    ["POST", () => r("/kick")],
    ["POST", () => r("/ban")],
    ["POST", () => r("/unban")],
    ["POST", () => r("/leave"), bob],
    ["POST", () => r("/join"), carol],
    ["POST", () => `/_matrix/client/v3/join/${enc(alias)}`, carol],
    ["POST", () => `/_matrix/client/v3/knock/${enc(roomId)}`, carol],
    ["PUT", () => `/_matrix/client/v3/devices/${enc(alice.deviceId)}`],
    ["POST", () => "/_matrix/client/v3/delete_devices"],
    ["PUT", () => `/_matrix/client/v3/presence/${enc(alice.userId)}/status`],
    ["POST", () => "/_matrix/client/v3/user_directory/search"],
    ["POST", () => "/_matrix/client/v3/publicRooms"],
    ["PUT", () => `/_matrix/client/v3/directory/room/${enc("#other:localhost")}`],
    ["PUT", () => `/_matrix/client/v3/directory/list/room/${enc(roomId)}`],
    ["PUT", () => "/_matrix/client/v3/pushrules/global/override/my.rule"],
    ["PUT", () => "/_matrix/client/v3/pushrules/global/override/.m.rule.master/enabled"],
    ["POST", () => "/_matrix/client/v3/account/password"],
    ["POST", () => "/_matrix/client/v3/account/deactivate"],
    ["POST", () => "/_matrix/client/v3/login"],
    ["POST", () => "/_matrix/client/v3/register"],
  ];
}

test("malformed JSON is 400 M_NOT_JSON everywhere and changes nothing", async () => {
  const cases: Case[] = [];
  for (const [method, path, who] of bodyEndpoints()) {
    for (const raw of ["{not json", '{"a":', "{'single': 'quotes'}", "\u0000"]) {
      cases.push({ who, method, path, rawBody: raw, status: 400, errcodes: ["M_NOT_JSON"] });
    }
  }
  await expectRefusedUnchanged(cases);
});

test("a JSON body that is not an object is 400 M_BAD_JSON or M_NOT_JSON and changes nothing", async () => {
  const cases: Case[] = [];
  for (const [method, path, who] of bodyEndpoints()) {
    for (const raw of ["[1,2]", '"text"', "42", "null", "true"]) {
      cases.push({ who, method, path, rawBody: raw, status: 400, errcodes: ["M_BAD_JSON", "M_NOT_JSON"] });
    }
  }
  await expectRefusedUnchanged(cases);
});

test("wrong types in bodies are 400 M_BAD_JSON (or M_INVALID_PARAM for bad values) and change nothing", async () => {
  const BAD = ["M_BAD_JSON"];
  const BAD_OR_INVALID = ["M_BAD_JSON", "M_INVALID_PARAM"];
  const cases: Case[] = [
    { method: "POST", path: () => "/_matrix/client/v3/createRoom", body: { name: 5 }, status: 400, errcodes: BAD },
    { method: "POST", path: () => "/_matrix/client/v3/createRoom", body: { invite: "@bob:localhost" }, status: 400, errcodes: BAD },
    { method: "POST", path: () => "/_matrix/client/v3/createRoom", body: { invite: [5] }, status: 400, errcodes: BAD },
    { method: "POST", path: () => "/_matrix/client/v3/createRoom", body: { initial_state: {} }, status: 400, errcodes: BAD },
    { method: "POST", path: () => "/_matrix/client/v3/createRoom", body: { initial_state: [{ type: 5, content: {} }] }, status: 400, errcodes: BAD },
    { method: "POST", path: () => "/_matrix/client/v3/createRoom", body: { creation_content: "x" }, status: 400, errcodes: BAD },
    { method: "POST", path: () => "/_matrix/client/v3/createRoom", body: { power_level_content_override: [] }, status: 400, errcodes: BAD },
    { method: "POST", path: () => "/_matrix/client/v3/createRoom", body: { is_direct: "yes" }, status: 400, errcodes: BAD },
    { method: "POST", path: () => "/_matrix/client/v3/createRoom", body: { preset: "party" }, status: 400, errcodes: BAD_OR_INVALID },
    { method: "POST", path: () => "/_matrix/client/v3/createRoom", body: { visibility: "secret" }, status: 400, errcodes: BAD_OR_INVALID },
    { method: "POST", path: () => "/_matrix/client/v3/createRoom", body: { room_version: "999" }, status: 400, errcodes: ["M_UNSUPPORTED_ROOM_VERSION"] },
    { method: "POST", path: () => "/_matrix/client/v3/createRoom", body: { room_alias_name: "bad-input" }, status: 400, errcodes: ["M_ROOM_IN_USE"] },
    { method: "POST", path: () => "/_matrix/client/v3/createRoom", body: { room_alias_name: 7 }, status: 400, errcodes: BAD },
    { method: "PUT", path: () => `/_matrix/client/v3/profile/${enc(alice.userId)}/displayname`, body: { displayname: 5 }, status: 400, errcodes: BAD },
    { method: "PUT", path: () => `/_matrix/client/v3/profile/${enc(alice.userId)}/avatar_url`, body: { avatar_url: ["mxc://a/b"] }, status: 400, errcodes: BAD },
    { method: "PUT", path: () => r(`/typing/${enc(alice.userId)}`), body: { typing: "yes" }, status: 400, errcodes: BAD },
    { method: "PUT", path: () => r(`/typing/${enc(alice.userId)}`), body: { typing: true, timeout: "soon" }, status: 400, errcodes: BAD },
    { method: "POST", path: () => r("/invite"), body: { user_id: 5 }, status: 400, errcodes: BAD },
    { method: "POST", path: () => r("/kick"), body: { user_id: bob.userId, reason: 5 }, status: 400, errcodes: BAD },
    { method: "POST", path: () => r("/ban"), body: { user_id: ["x"] }, status: 400, errcodes: BAD },
    { who: carol, method: "POST", path: () => r("/join"), body: { reason: 5 }, status: 400, errcodes: BAD },
    { who: bob, method: "POST", path: () => r("/leave"), body: { reason: {} }, status: 400, errcodes: BAD },
    { method: "PUT", path: () => r(`/redact/${enc(aliceEvent)}/wt1`), body: { reason: 5 }, status: 400, errcodes: BAD },
    { method: "POST", path: () => r("/read_markers"), body: { "m.fully_read": 5 }, status: 400, errcodes: BAD },
    { method: "POST", path: () => r("/read_markers"), body: { "m.read": 5 }, status: 400, errcodes: BAD },
    { method: "POST", path: () => r(`/receipt/m.read/${enc(aliceEvent)}`), body: { thread_id: 5 }, status: 400, errcodes: BAD },
    { method: "PUT", path: () => `/_matrix/client/v3/devices/${enc(alice.deviceId)}`, body: { display_name: 5 }, status: 400, errcodes: BAD },
    { method: "POST", path: () => "/_matrix/client/v3/delete_devices", body: { devices: alice.deviceId }, status: 400, errcodes: BAD },
    { method: "POST", path: () => "/_matrix/client/v3/delete_devices", body: { devices: [5] }, status: 400, errcodes: BAD },
    { method: "PUT", path: () => `/_matrix/client/v3/presence/${enc(alice.userId)}/status`, body: { presence: 5 }, status: 400, errcodes: BAD },
    { method: "PUT", path: () => `/_matrix/client/v3/presence/${enc(alice.userId)}/status`, body: { presence: "online", status_msg: 5 }, status: 400, errcodes: BAD },
    { method: "PUT", path: () => `/_matrix/client/v3/presence/${enc(alice.userId)}/status`, body: { presence: "asleep" }, status: 400, errcodes: BAD_OR_INVALID },
    { method: "POST", path: () => "/_matrix/client/v3/user_directory/search", body: { search_term: 5 }, status: 400, errcodes: BAD },
    { method: "POST", path: () => "/_matrix/client/v3/user_directory/search", body: { search_term: "a", limit: "ten" }, status: 400, errcodes: BAD },
    { method: "POST", path: () => "/_matrix/client/v3/publicRooms", body: { limit: "ten" }, status: 400, errcodes: BAD },
    { method: "POST", path: () => "/_matrix/client/v3/publicRooms", body: { filter: "x" }, status: 400, errcodes: BAD },
    { method: "PUT", path: () => `/_matrix/client/v3/directory/room/${enc("#other:localhost")}`, body: { room_id: 5 }, status: 400, errcodes: BAD },
    { method: "PUT", path: () => `/_matrix/client/v3/directory/list/room/${enc(roomId)}`, body: { visibility: 5 }, status: 400, errcodes: BAD },
    { method: "PUT", path: () => `/_matrix/client/v3/directory/list/room/${enc(roomId)}`, body: { visibility: "secret" }, status: 400, errcodes: BAD_OR_INVALID },
    { method: "PUT", path: () => `/_matrix/client/v3/user/${enc(alice.userId)}/rooms/${enc(roomId)}/tags/u.other`, body: { order: "first" }, status: 400, errcodes: BAD },
    { who: bob, method: "PUT", path: () => `/_matrix/client/v3/user/${enc(bob.userId)}/account_data/m.ignored_user_list`, body: { ignored_users: ["@alice:localhost"] }, status: 400, errcodes: BAD },
    { method: "POST", path: () => `/_matrix/client/v3/user/${enc(alice.userId)}/filter`, body: { room: { timeline: { limit: "ten" } } }, status: 400, errcodes: BAD },
    { method: "POST", path: () => `/_matrix/client/v3/user/${enc(alice.userId)}/filter`, body: { event_fields: "type" }, status: 400, errcodes: BAD },
    // The spec names no errcode for a bad push rule body (its example is M_UNKNOWN).
    { method: "PUT", path: () => "/_matrix/client/v3/pushrules/global/override/.m.rule.master/enabled", body: { enabled: "no" }, status: 400, errcodes: BAD },
    { method: "PUT", path: () => "/_matrix/client/v3/pushrules/global/override/my.rule", body: { actions: "notify" }, status: 400, errcodes: BAD_OR_INVALID },
    { method: "PUT", path: () => "/_matrix/client/v3/pushrules/global/override/my.rule", body: { actions: [], conditions: "x" }, status: 400, errcodes: BAD_OR_INVALID },
    { method: "POST", path: () => "/_matrix/client/v3/account/password", body: { new_password: 5, auth: { type: "m.login.password", user: alice.userId, password: alice.password } }, status: 400, errcodes: BAD },
    { method: "POST", path: () => "/_matrix/client/v3/account/password", body: { new_password: "x", logout_devices: "yes", auth: { type: "m.login.password", user: alice.userId, password: alice.password } }, status: 400, errcodes: BAD },
    { method: "POST", path: () => "/_matrix/client/v3/login", body: { type: 5, user: "alice", password: alice.password }, status: 400, errcodes: BAD },
    { method: "POST", path: () => "/_matrix/client/v3/login", body: { type: "m.login.password", identifier: "alice", password: alice.password }, status: 400, errcodes: BAD },
    { method: "POST", path: () => "/_matrix/client/v3/login", body: { type: "m.login.password", user: "alice", password: 5 }, status: 400, errcodes: BAD },
    { method: "POST", path: () => "/_matrix/client/v3/login", body: { type: "m.login.password", user: "alice", password: alice.password, device_id: 5 }, status: 400, errcodes: BAD },
    { method: "POST", path: () => "/_matrix/client/v3/register", body: { username: 5, password: "pw", auth: { type: "m.login.dummy" } }, status: 400, errcodes: BAD },
    { method: "POST", path: () => "/_matrix/client/v3/register", body: { username: "dave", password: 5, auth: { type: "m.login.dummy" } }, status: 400, errcodes: BAD },
    { method: "POST", path: () => "/_matrix/client/v3/register", body: { username: "dave", password: "pw", inhibit_login: "no", auth: { type: "m.login.dummy" } }, status: 400, errcodes: BAD },
  ];
  await expectRefusedUnchanged(cases);
  assert.equal((await call(server.baseUrl, "GET", "/_matrix/client/v3/register/available?username=dave")).status, 200, "dave was not registered");
});

test("missing required parameters are 400 M_MISSING_PARAM and change nothing", async () => {
  const M = ["M_MISSING_PARAM"];
  const cases: Case[] = [
    { method: "PUT", path: () => r(`/typing/${enc(alice.userId)}`), body: {}, status: 400, errcodes: M },
    { method: "POST", path: () => r("/invite"), body: {}, status: 400, errcodes: M },
    { method: "POST", path: () => r("/kick"), body: { reason: "x" }, status: 400, errcodes: M },
    { method: "POST", path: () => r("/ban"), body: {}, status: 400, errcodes: M },
    { method: "POST", path: () => r("/unban"), body: {}, status: 400, errcodes: M },
    { method: "POST", path: () => "/_matrix/client/v3/delete_devices", body: {}, status: 400, errcodes: M },
    { method: "PUT", path: () => `/_matrix/client/v3/presence/${enc(alice.userId)}/status`, body: {}, status: 400, errcodes: M },
    { method: "POST", path: () => "/_matrix/client/v3/user_directory/search", body: {}, status: 400, errcodes: M },
    { method: "PUT", path: () => `/_matrix/client/v3/directory/room/${enc("#other:localhost")}`, body: {}, status: 400, errcodes: M },
    { method: "POST", path: () => "/_matrix/client/v3/account/password", body: { auth: { type: "m.login.password", user: alice.userId, password: alice.password } }, status: 400, errcodes: M },
    { method: "POST", path: () => "/_matrix/client/v3/login", body: { user: "alice", password: alice.password }, status: 400, errcodes: M },
    { method: "POST", path: () => "/_matrix/client/v3/login", body: { type: "m.login.password", user: "alice" }, status: 400, errcodes: M },
    { method: "GET", path: () => "/_matrix/client/v3/register/available", status: 400, errcodes: M },
    { method: "GET", path: () => `/_matrix/client/v1/rooms/${enc(roomId)}/timestamp_to_event?dir=b`, status: 400, errcodes: M },
    { method: "GET", path: () => `/_matrix/client/v1/rooms/${enc(roomId)}/timestamp_to_event?ts=${Date.now()}`, status: 400, errcodes: M },
  ];
  await expectRefusedUnchanged(cases);
});

test("wrong query parameters are 400 M_INVALID_PARAM", async () => {
  const I = ["M_INVALID_PARAM"];
  const cases: Case[] = [
    { method: "GET", path: () => `${r("/messages")}?dir=sideways`, status: 400, errcodes: I },
    { method: "GET", path: () => `${r("/messages")}?dir=b&limit=ten`, status: 400, errcodes: I },
    { method: "GET", path: () => `${r("/messages")}?dir=b&from=garbage`, status: 400, errcodes: I },
    { method: "GET", path: () => `${r(`/context/${enc(aliceEvent)}`)}?limit=many`, status: 400, errcodes: I },
    { method: "GET", path: () => `/_matrix/client/v1/rooms/${enc(roomId)}/timestamp_to_event?ts=yesterday&dir=b`, status: 400, errcodes: I },
    { method: "GET", path: () => `/_matrix/client/v1/rooms/${enc(roomId)}/timestamp_to_event?ts=1&dir=up`, status: 400, errcodes: I },
    { method: "GET", path: () => "/_matrix/client/v3/sync?timeout=forever", status: 400, errcodes: I },
    { method: "GET", path: () => "/_matrix/client/v3/sync?full_state=maybe", status: 400, errcodes: I },
    { method: "GET", path: () => "/_matrix/client/v3/sync?set_presence=dancing", status: 400, errcodes: I },
    { method: "GET", path: () => "/_matrix/client/v3/publicRooms?limit=lots", status: 400, errcodes: I },
    { method: "POST", path: () => "/_matrix/client/v3/register?kind=robot", body: {}, status: 400, errcodes: I },
    { method: "GET", path: () => `/_matrix/client/v3/user/${enc(alice.userId)}/rooms/${enc("@notaroom:localhost")}/account_data/org.example.room`, status: 400, errcodes: I },
    { method: "PUT", path: () => `/_matrix/client/v3/user/${enc(alice.userId)}/rooms/${enc("notaroom")}/account_data/org.example.room`, body: { x: 1 }, status: 400, errcodes: I },
  ];
  await expectRefusedUnchanged(cases);
});

test("bodies over MAX_REQUEST_BYTES are 413 M_TOO_LARGE and change nothing", async () => {
  const big = "x".repeat(1024 * 1024 + 10);
  const T = ["M_TOO_LARGE"];
  const cases: Case[] = [
    { method: "PUT", path: () => r("/send/m.room.message/big1"), body: { msgtype: "m.text", body: big }, status: 413, errcodes: T },
    { method: "PUT", path: () => r("/state/m.room.topic/"), body: { topic: big }, status: 413, errcodes: T },
    { method: "POST", path: () => "/_matrix/client/v3/createRoom", body: { name: big }, status: 413, errcodes: T },
    { method: "PUT", path: () => `/_matrix/client/v3/user/${enc(alice.userId)}/account_data/org.example.settings`, body: { theme: big }, status: 413, errcodes: T },
    { method: "PUT", path: () => `/_matrix/client/v3/profile/${enc(alice.userId)}/displayname`, body: { displayname: big }, status: 413, errcodes: T },
    { method: "POST", path: () => "/_matrix/client/v3/login", body: { type: "m.login.password", user: "alice", password: big }, status: 413, errcodes: T },
    { method: "POST", path: () => `/_matrix/client/v3/user/${enc(alice.userId)}/filter`, rawBody: big, status: 413, errcodes: T },
  ];
  await expectRefusedUnchanged(cases);
});

test("JSON that canonical JSON cannot encode is 400 M_BAD_JSON wherever it would become an event or be signed, and changes nothing", async () => {
  const deep = (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n);
  // Raw texts, because JSON.stringify cannot even write some of them (1e400, lone surrogates).
  const values = ["1.5", "1e400", "-1e400", "9007199254740992", "-9007199254740992", '"\\ud800"', '"\\udfff x"', deep(20_000)];
  const B = ["M_BAD_JSON"];
  const cases: Case[] = [];
  for (const v of values) {
    cases.push(
      { method: "PUT", path: () => r("/send/m.room.message/cj1"), rawBody: `{"msgtype":"m.text","body":"x","n":${v}}`, status: 400, errcodes: B },
      { method: "PUT", path: () => r("/state/org.example.thing/k"), rawBody: `{"n":${v}}`, status: 400, errcodes: B },
      { method: "PUT", path: () => r("/state/m.room.topic/"), rawBody: `{"topic":"t","n":[${v}]}`, status: 400, errcodes: B },
      {
        method: "POST",
        path: () => "/_matrix/client/v3/createRoom",
        rawBody: `{"initial_state":[{"type":"org.example.x","state_key":"","content":{"n":${v}}}]}`,
        status: 400,
        errcodes: B,
      },
      { method: "POST", path: () => "/_matrix/client/v3/createRoom", rawBody: `{"creation_content":{"n":${v}}}`, status: 400, errcodes: B },
      { method: "PUT", path: () => r(`/redact/${enc(aliceEvent)}/cj2`), rawBody: `{"reason":"r","n":${v}}`, status: 400, errcodes: B },
      { method: "PUT", path: () => `/_matrix/client/v3/profile/${enc(alice.userId)}/displayname`, rawBody: `{"displayname":"A","n":${v}}`, status: 400, errcodes: B },
      { method: "POST", path: () => "/_matrix/client/v3/keys/upload", rawBody: `{"one_time_keys":{"signed_curve25519:AAAA":{"key":"k","n":${v}}}}`, status: 400, errcodes: B },
      { method: "POST", path: () => "/_matrix/client/v3/register", rawBody: `{"username":"cj","password":"p","auth":{"type":"m.login.dummy"},"n":${v}}`, status: 400, errcodes: B },
    );
    // Account data is only stored and handed back, and the spec's m.tag has a float order, so
    // floats are fine there; what cannot be kept faithfully is refused all the same.
    if (v !== "1.5") {
      cases.push(
        { method: "PUT", path: () => `/_matrix/client/v3/user/${enc(alice.userId)}/account_data/org.example.settings`, rawBody: `{"n":${v}}`, status: 400, errcodes: B },
        { method: "PUT", path: () => `/_matrix/client/v3/user/${enc(alice.userId)}/rooms/${enc(roomId)}/tags/u.cj`, rawBody: `{"order":${v}}`, status: 400, errcodes: B },
      );
    }
  }
  await expectRefusedUnchanged(cases);
  // 512 levels of nesting are still fine; floats in account data too.
  const nested = await call(server.baseUrl, "PUT", r("/state/org.example.nested/k"), { token: alice.accessToken, rawBody: `{"n":${deep(510)}}` });
  assert.equal(nested.status, 200, JSON.stringify(nested.body));
  const fl = await call(server.baseUrl, "PUT", `/_matrix/client/v3/user/${enc(alice.userId)}/account_data/org.example.float`, { token: alice.accessToken, rawBody: '{"volume":0.25}' });
  assert.equal(fl.status, 200);
  assert.deepEqual((await call(server.baseUrl, "GET", `/_matrix/client/v3/user/${enc(alice.userId)}/account_data/org.example.float`, { token: alice.accessToken })).body, { volume: 0.25 });
});

test("bodies that are not UTF-8 are 400 M_NOT_JSON, never repaired into U+FFFD, and change nothing", async () => {
  const bytes = (prefix: string, bad: number[], suffix: string) => Buffer.concat([Buffer.from(prefix), Buffer.from(bad), Buffer.from(suffix)]);
  const N = ["M_NOT_JSON"];
  const cases: Case[] = [];
  for (const bad of [[0xc0, 0xaf], [0xff], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
    cases.push(
      { method: "PUT", path: () => r("/send/m.room.message/u8"), rawBody: bytes('{"msgtype":"m.text","body":"', bad, '"}'), status: 400, errcodes: N },
      { method: "PUT", path: () => r("/state/m.room.topic/"), rawBody: bytes('{"topic":"', bad, '"}'), status: 400, errcodes: N },
      { method: "PUT", path: () => `/_matrix/client/v3/profile/${enc(alice.userId)}/displayname`, rawBody: bytes('{"displayname":"', bad, '"}'), status: 400, errcodes: N },
      { method: "PUT", path: () => `/_matrix/client/v3/user/${enc(alice.userId)}/account_data/org.example.settings`, rawBody: bytes('{"theme":"', bad, '"}'), status: 400, errcodes: N },
      { method: "POST", path: () => "/_matrix/client/v3/register", rawBody: bytes('{"username":"u', bad, '","password":"p","auth":{"type":"m.login.dummy"}}'), status: 400, errcodes: N },
    );
  }
  await expectRefusedUnchanged(cases);
});

test("event type and state_key over 255 bytes are 413 M_TOO_LARGE and change nothing; 255 bytes are fine", async () => {
  const T = ["M_TOO_LARGE"];
  const long = "t".repeat(256);
  const wide = "é".repeat(128); // 128 characters, 256 bytes
  const cases: Case[] = [
    { method: "PUT", path: () => r(`/send/${long}/tl1`), body: { v: 1 }, status: 413, errcodes: T },
    { method: "PUT", path: () => r(`/send/${enc(wide)}/tl2`), body: { v: 1 }, status: 413, errcodes: T },
    { method: "PUT", path: () => r(`/state/${long}/k`), body: { v: 1 }, status: 413, errcodes: T },
    { method: "PUT", path: () => r(`/state/org.example.k/${long}`), body: { v: 1 }, status: 413, errcodes: T },
    { method: "PUT", path: () => r(`/state/org.example.k/${enc(wide)}`), body: { v: 1 }, status: 413, errcodes: T },
  ];
  await expectRefusedUnchanged(cases);
  const joinedBefore = (await ok("GET", "/_matrix/client/v3/joined_rooms", alice.accessToken)).joined_rooms;
  const created = await call(server.baseUrl, "POST", "/_matrix/client/v3/createRoom", {
    token: alice.accessToken,
    body: { initial_state: [{ type: "org.example.k", state_key: long, content: {} }] },
  });
  assert.equal(created.status, 413, JSON.stringify(created.body));
  assert.deepEqual((await ok("GET", "/_matrix/client/v3/joined_rooms", alice.accessToken)).joined_rooms, joinedBefore, "no room was created");
  // The create event carries the client's creation_content: over 65,536 bytes it is refused too.
  const bigCreate = await call(server.baseUrl, "POST", "/_matrix/client/v3/createRoom", { token: alice.accessToken, body: { creation_content: { filler: "x".repeat(70_000) } } });
  assert.equal(bigCreate.status, 413, JSON.stringify(bigCreate.body));
  assert.equal(bigCreate.body.errcode, "M_TOO_LARGE");
  assert.deepEqual((await ok("GET", "/_matrix/client/v3/joined_rooms", alice.accessToken)).joined_rooms, joinedBefore, "no room was created");
  const max = await call(server.baseUrl, "PUT", r(`/state/${"t".repeat(255)}/${"k".repeat(255)}`), { token: alice.accessToken, body: { v: 1 } });
  assert.equal(max.status, 200, JSON.stringify(max.body));
});

test("redacting an event of another room is 404 M_NOT_FOUND and changes nothing", async () => {
  const other = String((await ok("POST", "/_matrix/client/v3/createRoom", alice.accessToken, { name: "other" })).room_id);
  const elsewhere = String((await ok("PUT", `/_matrix/client/v3/rooms/${enc(other)}/send/m.room.message/x1`, alice.accessToken, { msgtype: "m.text", body: "there" })).event_id);
  await expectRefusedUnchanged([
    { method: "PUT", path: () => r(`/redact/${enc(elsewhere)}/rx1`), body: {}, status: 404, errcodes: ["M_NOT_FOUND"] },
    { method: "PUT", path: () => r(`/redact/${enc("$doesNotExist")}/rx2`), body: {}, status: 404, errcodes: ["M_NOT_FOUND"] },
  ]);
  const seen = await ok("GET", `/_matrix/client/v3/rooms/${enc(other)}/event/${enc(elsewhere)}`, alice.accessToken);
  assert.deepEqual(seen.content, { msgtype: "m.text", body: "there" }, "the other room's event is not redacted");
  await ok("POST", `/_matrix/client/v3/rooms/${enc(other)}/leave`, alice.accessToken, {});
  await ok("POST", `/_matrix/client/v3/rooms/${enc(other)}/forget`, alice.accessToken, {});
});

test("events over 65,536 bytes are 413 M_TOO_LARGE and change nothing", async () => {
  const body = "y".repeat(70_000); // under MAX_REQUEST_BYTES, over the PDU limit
  const T = ["M_TOO_LARGE"];
  const cases: Case[] = [
    { method: "PUT", path: () => r("/send/m.room.message/big2"), body: { msgtype: "m.text", body }, status: 413, errcodes: T },
    { method: "PUT", path: () => r("/state/m.room.topic/"), body: { topic: body }, status: 413, errcodes: T },
    { method: "PUT", path: () => r("/state/org.example.big/k"), body: { v: body }, status: 413, errcodes: T },
  ];
  await expectRefusedUnchanged(cases);
  // Just under the limit is fine.
  const ok2 = await call(server.baseUrl, "PUT", r("/send/m.room.message/small"), { token: alice.accessToken, body: { msgtype: "m.text", body: "z".repeat(60_000) } });
  assert.equal(ok2.status, 200);
});

test("unknown rooms, users and events are 404 M_NOT_FOUND or 403 M_FORBIDDEN as the spec says, and change nothing", async () => {
  const nowhere = "!nowhere:localhost";
  const NF = ["M_NOT_FOUND"];
  const F = ["M_FORBIDDEN"];
  const cases: Case[] = [
    // Rooms the user is not in (spec: 403 "You aren't a member of the room").
    { method: "GET", path: () => `/_matrix/client/v3/rooms/${enc(nowhere)}/state`, status: 403, errcodes: F },
    { method: "GET", path: () => `/_matrix/client/v3/rooms/${enc(nowhere)}/state/m.room.name/`, status: 403, errcodes: F },
    { method: "GET", path: () => `/_matrix/client/v3/rooms/${enc(nowhere)}/members`, status: 403, errcodes: F },
    { method: "GET", path: () => `/_matrix/client/v3/rooms/${enc(nowhere)}/messages?dir=b`, status: 403, errcodes: F },
    { method: "PUT", path: () => `/_matrix/client/v3/rooms/${enc(nowhere)}/send/m.room.message/u1`, body: { msgtype: "m.text", body: "x" }, status: 403, errcodes: F },
    { method: "PUT", path: () => `/_matrix/client/v3/rooms/${enc(nowhere)}/state/m.room.name/`, body: { name: "x" }, status: 403, errcodes: F },
    { method: "POST", path: () => `/_matrix/client/v3/join/${enc(nowhere)}`, body: {}, status: 404, errcodes: NF },
    { method: "POST", path: () => `/_matrix/client/v3/join/${enc("#nowhere:localhost")}`, body: {}, status: 404, errcodes: NF },
    { method: "GET", path: () => `/_matrix/client/v3/directory/room/${enc("#nowhere:localhost")}`, status: 404, errcodes: NF },
    { method: "DELETE", path: () => `/_matrix/client/v3/directory/room/${enc("#nowhere:localhost")}`, status: 404, errcodes: NF },
    { method: "PUT", path: () => `/_matrix/client/v3/directory/room/${enc("#other:localhost")}`, body: { room_id: nowhere }, status: 404, errcodes: NF },
    // Events that do not exist (spec: 404 M_NOT_FOUND).
    { method: "GET", path: () => r(`/event/${enc("$nope")}`), status: 404, errcodes: NF },
    { method: "GET", path: () => r(`/context/${enc("$nope")}`), status: 404, errcodes: NF },
    { method: "GET", path: () => r("/state/m.room.nothing/"), status: 404, errcodes: NF },
    { method: "GET", path: () => `/_matrix/client/v1/rooms/${enc(roomId)}/relations/${enc("$nope")}`, status: 404, errcodes: NF },
    { method: "GET", path: () => `/_matrix/client/v1/rooms/${enc(roomId)}/timestamp_to_event?ts=1&dir=b`, status: 404, errcodes: NF },
    // Users that do not exist.
    { method: "GET", path: () => `/_matrix/client/v3/profile/${enc("@nobody:localhost")}`, status: 404, errcodes: NF },
    { method: "GET", path: () => `/_matrix/client/v3/profile/${enc("@nobody:localhost")}/displayname`, status: 404, errcodes: NF },
    { method: "GET", path: () => `/_matrix/client/v3/presence/${enc("@nobody:localhost")}/status`, status: 404, errcodes: NF },
    { method: "GET", path: () => `/_matrix/client/v3/presence/${enc("no-server-name")}/status`, status: 404, errcodes: NF },
    // Per-user things that do not exist.
    { method: "GET", path: () => `/_matrix/client/v3/devices/NOSUCHDEVICE`, status: 404, errcodes: NF },
    { method: "PUT", path: () => `/_matrix/client/v3/devices/NOSUCHDEVICE`, body: { display_name: "x" }, status: 404, errcodes: NF },
    { method: "GET", path: () => `/_matrix/client/v3/user/${enc(alice.userId)}/filter/424242`, status: 404, errcodes: NF },
    { method: "GET", path: () => `/_matrix/client/v3/user/${enc(alice.userId)}/account_data/org.example.none`, status: 404, errcodes: NF },
    { method: "GET", path: () => `/_matrix/client/v3/user/${enc(alice.userId)}/rooms/${enc(roomId)}/account_data/org.example.none`, status: 404, errcodes: NF },
    { method: "GET", path: () => "/_matrix/client/v3/pushrules/global/override/no.such.rule", status: 404, errcodes: NF },
    { method: "DELETE", path: () => "/_matrix/client/v3/pushrules/global/override/no.such.rule", status: 404, errcodes: NF },
  ];
  await expectRefusedUnchanged(cases);
});

test("inviting a local user who does not exist is refused and changes nothing", async () => {
  const before = await snapshot();
  const res = await call(server.baseUrl, "POST", r("/invite"), { token: alice.accessToken, body: { user_id: "@ghost:localhost" } });
  assert.ok(res.status === 403 || res.status === 404, `status ${res.status}`);
  assert.deepEqual(await snapshot(), before);
});

test("forbidden actions are 403 M_FORBIDDEN and change nothing", async () => {
  const F = ["M_FORBIDDEN"];
  const cases: Case[] = [
    // bob is a member with power level 0.
    { who: bob, method: "PUT", path: () => r("/state/m.room.name/"), body: { name: "bob's room" }, status: 403, errcodes: F },
    { who: bob, method: "PUT", path: () => r("/state/m.room.power_levels/"), body: { users: { [bob.userId]: 100 } }, status: 403, errcodes: F },
    { who: bob, method: "PUT", path: () => r("/state/m.room.history_visibility/"), body: { history_visibility: "world_readable" }, status: 403, errcodes: F },
    { method: "PUT", path: () => r("/state/m.room.create/"), body: { room_version: "12" }, status: 403, errcodes: F },
    { who: bob, method: "POST", path: () => r("/kick"), body: { user_id: alice.userId }, status: 403, errcodes: F },
    { who: bob, method: "POST", path: () => r("/ban"), body: { user_id: alice.userId }, status: 403, errcodes: F },
    { who: bob, method: "PUT", path: () => r(`/redact/${enc(aliceEvent)}/f1`), body: {}, status: 403, errcodes: F },
    { who: bob, method: "DELETE", path: () => `/_matrix/client/v3/directory/room/${enc(alias)}`, status: 403, errcodes: F },
    { who: bob, method: "PUT", path: () => `/_matrix/client/v3/profile/${enc(alice.userId)}/displayname`, body: { displayname: "Mallory" }, status: 403, errcodes: F },
    { who: bob, method: "PUT", path: () => `/_matrix/client/v3/user/${enc(alice.userId)}/account_data/org.example.settings`, body: { theme: "light" }, status: 403, errcodes: F },
    { who: bob, method: "GET", path: () => `/_matrix/client/v3/user/${enc(alice.userId)}/account_data/org.example.settings`, status: 403, errcodes: F },
    { who: bob, method: "PUT", path: () => `/_matrix/client/v3/user/${enc(alice.userId)}/rooms/${enc(roomId)}/tags/u.evil`, body: {}, status: 403, errcodes: F },
    { who: bob, method: "DELETE", path: () => `/_matrix/client/v3/user/${enc(alice.userId)}/rooms/${enc(roomId)}/tags/u.work`, status: 403, errcodes: F },
    { who: bob, method: "POST", path: () => `/_matrix/client/v3/user/${enc(alice.userId)}/filter`, body: {}, status: 403, errcodes: F },
    { who: bob, method: "PUT", path: () => r(`/typing/${enc(alice.userId)}`), body: { typing: true }, status: 403, errcodes: F },
    { who: bob, method: "PUT", path: () => `/_matrix/client/v3/presence/${enc(alice.userId)}/status`, body: { presence: "offline" }, status: 403, errcodes: F },
    // carol is not in the room.
    { who: carol, method: "PUT", path: () => r("/send/m.room.message/c1"), body: { msgtype: "m.text", body: "let me in" }, status: 403, errcodes: F },
    { who: carol, method: "PUT", path: () => r("/state/org.example.x/"), body: { a: 1 }, status: 403, errcodes: F },
    { who: carol, method: "POST", path: () => r("/invite"), body: { user_id: carol.userId }, status: 403, errcodes: F },
    { who: carol, method: "POST", path: () => r("/kick"), body: { user_id: bob.userId }, status: 403, errcodes: F },
    { who: carol, method: "PUT", path: () => r(`/typing/${enc(carol.userId)}`), body: { typing: true }, status: 403, errcodes: F },
    { who: carol, method: "POST", path: () => r(`/receipt/m.read/${enc(aliceEvent)}`), body: {}, status: 403, errcodes: F },
    { who: carol, method: "PUT", path: () => `/_matrix/client/v3/directory/room/${enc("#carols:localhost")}`, body: { room_id: roomId }, status: 403, errcodes: F },
    { who: carol, method: "PUT", path: () => `/_matrix/client/v3/directory/list/room/${enc(roomId)}`, body: { visibility: "private" }, status: 403, errcodes: F },
    // Server-managed account data (spec: 405 M_BAD_JSON).
    { method: "PUT", path: () => `/_matrix/client/v3/user/${enc(alice.userId)}/account_data/m.fully_read`, body: { event_id: aliceEvent }, status: 405, errcodes: ["M_BAD_JSON"] },
    { method: "PUT", path: () => `/_matrix/client/v3/user/${enc(alice.userId)}/rooms/${enc(roomId)}/account_data/m.fully_read`, body: { event_id: aliceEvent }, status: 405, errcodes: ["M_BAD_JSON"] },
    { method: "PUT", path: () => `/_matrix/client/v3/user/${enc(alice.userId)}/account_data/m.push_rules`, body: { global: {} }, status: 405, errcodes: ["M_BAD_JSON"] },
    // Wrong password on user-interactive auth.
    { method: "POST", path: () => "/_matrix/client/v3/login", body: { type: "m.login.password", user: "alice", password: "wrong" }, status: 403, errcodes: F },
    { method: "POST", path: () => "/_matrix/client/v3/login", body: { type: "m.login.password", user: "nobody", password: "wrong" }, status: 403, errcodes: F },
  ];
  await expectRefusedUnchanged(cases);
});
