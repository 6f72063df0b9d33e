/**
 * Bad input, part 1: authentication and routing. Every Client-Server endpoint of the spec that
 * requires an access token is called with none and with bad ones; unknown endpoints and wrong
 * methods; the deprecated `access_token` query parameter; legacy r0 paths; CORS on every
 * response (errors included) and OPTIONS preflight.
 * Spec: client-server-api "Client authentication", "Standard error response", "Web Browser Clients".
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, registerUser, call, type RunningServer, type TestUser } from "./harness.js";
import { specEndpoints, fillPath } from "./specEndpoints.js";

let server: RunningServer;
let alice: TestUser;
let roomId: string;

before(async () => {
  server = await startServer();
  alice = await registerUser(server.baseUrl, "alice");
  const r = await call(server.baseUrl, "POST", "/_matrix/client/v3/createRoom", { token: alice.accessToken, body: { name: "Auth" } });
  assert.equal(r.status, 200);
  roomId = String(r.body.room_id);
});

after(async () => {
  await server?.stop();
});

function pathValues(): Record<string, string> {
  return {
    roomId,
    roomIdOrAlias: roomId,
    userId: alice.userId,
    deviceId: alice.deviceId,
    eventId: "$notanevent",
    eventType: "m.room.message",
    type: "m.some.type",
    stateKey: "",
    txnId: "t1",
    tag: "u.tag",
    filterId: "0",
    receiptType: "m.read",
    relType: "m.reference",
    roomAlias: "#nope:localhost",
    serverName: "localhost",
    mediaId: "abcdef",
    fileName: "f.txt",
    version: "1",
    sessionId: "s",
    kind: "override",
    ruleId: ".m.rule.master",
    keyName: "enabled",
    protocol: "irc",
    networkId: "n",
    appserviceId: "a",
    idpId: "i",
  };
}

function unserved(r: { status: number; body: Record<string, unknown> }): boolean {
  return (r.status === 404 || r.status === 405) && r.body.errcode === "M_UNRECOGNIZED";
}

/** Endpoints of the scope: the server must serve these (so they cannot be skipped silently). */
const MUST_SERVE = [
  "GET /_matrix/client/v3/account/whoami",
  "POST /_matrix/client/v3/createRoom",
  "GET /_matrix/client/v3/sync",
  "GET /_matrix/client/v3/devices",
  "POST /_matrix/client/v3/logout",
  "GET /_matrix/client/v3/joined_rooms",
  "PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}",
  "GET /_matrix/client/v3/rooms/{roomId}/messages",
  "PUT /_matrix/client/v3/profile/{userId}/{keyName}",
  "PUT /_matrix/client/v3/user/{userId}/account_data/{type}",
  "POST /_matrix/client/v3/user_directory/search",
  "GET /_matrix/client/v3/pushrules/",
];

test("every spec endpoint that needs a token answers 401 M_MISSING_TOKEN without one and 401 M_UNKNOWN_TOKEN with a bad one", async (t) => {
  const values = pathValues();
  const endpoints = specEndpoints().filter((e) => e.requiresToken);
  assert.ok(endpoints.length > 100, `read ${endpoints.length} endpoints from the spec`);
  const skipped: string[] = [];
  const checked = new Set<string>();
  const badTokens = [
    "nonsense",
    "lat_bm9ib2R5_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", // well-formed, for a user who does not exist
    `${alice.accessToken.slice(0, -4)}AAAA`, // alice's prefix, wrong secret
    "lat_____",
  ];
  for (const e of endpoints) {
    const path = fillPath(e.path, values);
    const label = `${e.method} ${e.path}`;
    const body = e.method === "GET" || e.method === "DELETE" ? undefined : {};
    const none = await call(server.baseUrl, e.method, path, { body });
    // An endpoint the server does not serve answers 404/405 M_UNRECOGNIZED whatever the token.
    if (unserved(none)) {
      skipped.push(label);
      continue;
    }
    checked.add(label);
    assert.equal(none.status, 401, `${label} without a token: ${JSON.stringify(none.body)}`);
    assert.equal(none.body.errcode, "M_MISSING_TOKEN", `${label} without a token`);
    for (const bad of badTokens) {
      const r = await call(server.baseUrl, e.method, path, { token: bad, body });
      assert.equal(r.status, 401, `${label} with token ${bad}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.errcode, "M_UNKNOWN_TOKEN", `${label} with token ${bad}`);
    }
    const q = await call(server.baseUrl, e.method, `${path}${path.includes("?") ? "&" : "?"}access_token=bogus`, { body });
    assert.equal(q.status, 401, `${label} with a bad access_token query parameter`);
    assert.equal(q.body.errcode, "M_UNKNOWN_TOKEN", `${label} with a bad access_token query parameter`);
  }
  for (const m of MUST_SERVE) assert.ok(checked.has(m), `${m} is served and was checked`);
  t.diagnostic(`checked ${checked.size} endpoints; not served (404/405 M_UNRECOGNIZED): ${skipped.length}: ${skipped.join(", ")}`);
});

test("an empty or malformed Authorization header is refused, never a 500", async () => {
  for (const header of ["Bearer", "Bearer ", "Basic Zm9vOmJhcg==", "bearer", "Bearer a b"]) {
    const r = await call(server.baseUrl, "GET", "/_matrix/client/v3/account/whoami", { headers: { Authorization: header } });
    assert.equal(r.status, 401, `Authorization: ${header}`);
    assert.ok(r.body.errcode === "M_UNKNOWN_TOKEN" || r.body.errcode === "M_MISSING_TOKEN", `Authorization: ${header}: ${String(r.body.errcode)}`);
  }
});

test("a logged-out token is unknown afterwards", async () => {
  const bob = await registerUser(server.baseUrl, "bob");
  assert.equal((await call(server.baseUrl, "POST", "/_matrix/client/v3/logout", { token: bob.accessToken })).status, 200);
  const r = await call(server.baseUrl, "GET", "/_matrix/client/v3/account/whoami", { token: bob.accessToken });
  assert.equal(r.status, 401);
  assert.equal(r.body.errcode, "M_UNKNOWN_TOKEN");
});

test("the deprecated access_token query parameter authenticates", async () => {
  const r = await call(server.baseUrl, "GET", `/_matrix/client/v3/account/whoami?access_token=${encodeURIComponent(alice.accessToken)}`);
  assert.equal(r.status, 200);
  assert.equal(r.body.user_id, alice.userId);
  const send = await call(server.baseUrl, "PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/q1?access_token=${encodeURIComponent(alice.accessToken)}`, {
    body: { msgtype: "m.text", body: "by query token" },
  });
  assert.equal(send.status, 200);
  assert.equal(typeof send.body.event_id, "string");
});

test("legacy r0 paths serve the same endpoints", async () => {
  const who = await call(server.baseUrl, "GET", "/_matrix/client/r0/account/whoami", { token: alice.accessToken });
  assert.equal(who.status, 200);
  assert.equal(who.body.user_id, alice.userId);
  const send = await call(server.baseUrl, "PUT", `/_matrix/client/r0/rooms/${encodeURIComponent(roomId)}/send/m.room.message/r0a`, {
    token: alice.accessToken,
    body: { msgtype: "m.text", body: "via r0" },
  });
  assert.equal(send.status, 200);
  const msgs = await call(server.baseUrl, "GET", `/_matrix/client/r0/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=5`, { token: alice.accessToken });
  assert.equal(msgs.status, 200);
  const bodies = (msgs.body.chunk as Array<{ content: { body?: string } }>).map((e) => e.content.body);
  assert.ok(bodies.includes("via r0"));
  const login = await call(server.baseUrl, "POST", "/_matrix/client/r0/login", {
    body: { type: "m.login.password", user: "alice", password: alice.password },
  });
  assert.equal(login.status, 200);
  const sync = await call(server.baseUrl, "GET", "/_matrix/client/r0/sync?timeout=0", { token: alice.accessToken });
  assert.equal(sync.status, 200);
  assert.equal(typeof sync.body.next_batch, "string");
  // nio style: r0 path and query token together.
  const nio = await call(server.baseUrl, "GET", `/_matrix/client/r0/joined_rooms?access_token=${encodeURIComponent(alice.accessToken)}`);
  assert.equal(nio.status, 200);
  assert.deepEqual(nio.body.joined_rooms, [roomId]);
  const none = await call(server.baseUrl, "GET", "/_matrix/client/r0/account/whoami");
  assert.equal(none.status, 401);
  assert.equal(none.body.errcode, "M_MISSING_TOKEN");
});

test("unknown endpoints are 404 M_UNRECOGNIZED, wrong methods 405 M_UNRECOGNIZED", async () => {
  for (const p of ["/_matrix/client/v3/nope", "/_matrix/client/v3/rooms", "/_matrix/client/v9/account/whoami", "/_matrix/nothing", "/", "/_matrix/client/v3/account/whoami/extra"]) {
    const r = await call(server.baseUrl, "GET", p, { token: alice.accessToken });
    assert.equal(r.status, 404, p);
    assert.equal(r.body.errcode, "M_UNRECOGNIZED", p);
  }
  const wrong: Array<[string, string]> = [
    ["POST", "/_matrix/client/v3/account/whoami"],
    ["GET", "/_matrix/client/v3/createRoom"],
    ["DELETE", "/_matrix/client/v3/sync"],
    ["GET", "/_matrix/client/v3/logout"],
    ["PUT", "/_matrix/client/v3/login"],
    ["POST", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/x`],
    ["GET", `/_matrix/client/r0/rooms/${encodeURIComponent(roomId)}/join`],
  ];
  for (const [method, p] of wrong) {
    const r = await call(server.baseUrl, method, p, { token: alice.accessToken, body: method === "GET" || method === "DELETE" ? undefined : {} });
    assert.equal(r.status, 405, `${method} ${p}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, "M_UNRECOGNIZED", `${method} ${p}`);
  }
});

function assertCors(h: Headers, what: string): void {
  assert.equal(h.get("access-control-allow-origin"), "*", `${what}: Access-Control-Allow-Origin`);
  const methods = (h.get("access-control-allow-methods") ?? "").split(/,\s*/);
  for (const m of ["GET", "POST", "PUT", "DELETE", "OPTIONS"]) assert.ok(methods.includes(m), `${what}: allows ${m}`);
  const headers = (h.get("access-control-allow-headers") ?? "").toLowerCase().split(/,\s*/);
  for (const x of ["x-requested-with", "content-type", "authorization"]) assert.ok(headers.includes(x), `${what}: allows header ${x}`);
}

test("CORS headers on every response, errors included", async () => {
  const cases: Array<[string, string, string | undefined, string | undefined]> = [
    ["GET", "/_matrix/client/versions", undefined, undefined],
    ["GET", "/.well-known/matrix/client", undefined, undefined],
    ["GET", "/_matrix/client/v3/account/whoami", alice.accessToken, undefined],
    ["GET", "/_matrix/client/v3/account/whoami", undefined, undefined], // 401
    ["GET", "/_matrix/client/v3/account/whoami", "bad", undefined], // 401
    ["POST", "/_matrix/client/v3/createRoom", alice.accessToken, "{not json"], // 400
    ["GET", "/_matrix/client/v3/nope", undefined, undefined], // 404
    ["POST", "/_matrix/client/v3/account/whoami", alice.accessToken, "{}"], // 405
    ["GET", "/_matrix/client/v3/rooms/!unknown:localhost/state", alice.accessToken, undefined], // 403
    ["POST", "/_matrix/client/v3/register", undefined, "{}"], // 401 UIA
    ["GET", "/_matrix/client/v1/media/config", alice.accessToken, undefined],
  ];
  for (const [method, path, token, body] of cases) {
    const headers: Record<string, string> = { Origin: "https://app.element.io" };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const r = await fetch(`${server.baseUrl}${path}`, { method, headers, body });
    await r.arrayBuffer();
    assertCors(r.headers, `${method} ${path} (${r.status})`);
  }
});

test("OPTIONS preflight answers 204 with CORS headers, for known and unknown paths", async () => {
  for (const path of ["/_matrix/client/v3/sync", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/1`, "/_matrix/client/v3/nope", "/_matrix/media/v3/upload"]) {
    const r = await fetch(`${server.baseUrl}${path}`, {
      method: "OPTIONS",
      headers: { Origin: "https://app.element.io", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "authorization, content-type" },
    });
    await r.arrayBuffer();
    assert.equal(r.status, 204, path);
    assertCors(r.headers, `OPTIONS ${path}`);
  }
});

test("error bodies are Matrix errors: errcode and error strings, JSON content type", async () => {
  const r = await fetch(`${server.baseUrl}/_matrix/client/v3/account/whoami`);
  assert.equal(r.status, 401);
  assert.match(r.headers.get("content-type") ?? "", /application\/json/);
  const body = (await r.json()) as Record<string, unknown>;
  assert.equal(typeof body.errcode, "string");
  assert.equal(typeof body.error, "string");
});
