/**
 * Third-party identifiers on a server with no e-mail, no SMS and no identity server (spec:
 * "Adding Account Administrative Contact Information", the requestToken endpoints, "3PID
 * invites"): each endpoint checks its request, then answers as Synapse does in that setup, and
 * nothing is ever added, bound or invited.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, registerUser, call, type RunningServer, type TestUser } from "./harness.js";

let server: RunningServer;
let alice: TestUser;

before(async () => {
  server = await startServer();
  alice = await registerUser(server.baseUrl, "alice");
});

after(async () => {
  await server?.stop();
});

const V3 = "/_matrix/client/v3";

async function post(path: string, body: unknown, token?: string, rawBody?: string) {
  return call(server.baseUrl, "POST", `${V3}${path}`, { token, body: rawBody === undefined ? body : undefined, rawBody });
}

function expectError(r: { status: number; body: Record<string, unknown> }, status: number, errcode: string, what: string): void {
  assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.errcode, errcode, `${what}: ${JSON.stringify(r.body)}`);
}

/** Nothing was added: the account still lists no third-party identifiers. */
async function noThreepids(): Promise<void> {
  const r = await call(server.baseUrl, "GET", `${V3}/account/3pid`, { token: alice.accessToken });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { threepids: [] });
}

const email = { client_secret: "s3cr3t.-_=", email: "alice@example.org", send_attempt: 1 };
const msisdn = { client_secret: "s3cr3t", country: "GB", phone_number: "07700900001", send_attempt: 1 };

test("requestToken endpoints: a valid request gets Synapse's refusal for an unconfigured medium", async () => {
  expectError(await post("/account/3pid/email/requestToken", email), 400, "M_THREEPID_MEDIUM_NOT_SUPPORTED", "3pid email");
  expectError(await post("/account/3pid/msisdn/requestToken", msisdn), 400, "M_THREEPID_MEDIUM_NOT_SUPPORTED", "3pid msisdn");
  expectError(await post("/register/email/requestToken", email), 400, "M_UNKNOWN", "register email");
  expectError(await post("/register/msisdn/requestToken", msisdn), 400, "M_UNKNOWN", "register msisdn");
  expectError(await post("/account/password/email/requestToken", email), 400, "M_UNKNOWN", "password email");
  // Synapse has no msisdn password reset at all: an unknown endpoint.
  expectError(await post("/account/password/msisdn/requestToken", msisdn), 404, "M_UNRECOGNIZED", "password msisdn");
  const r = await post("/register/email/requestToken", email);
  assert.equal(r.body.error, "Email-based registration has been disabled on this server");
  assert.equal(r.body.sid, undefined);
  await noThreepids();
});

test("requestToken endpoints: malformed bodies get the spec's JSON errors first", async () => {
  for (const path of ["/account/3pid/email/requestToken", "/register/email/requestToken", "/account/password/email/requestToken"]) {
    expectError(await post(path, undefined, undefined, "{nope"), 400, "M_NOT_JSON", `${path} not JSON`);
    expectError(await post(path, { ...email, client_secret: undefined }), 400, "M_MISSING_PARAM", `${path} no client_secret`);
    expectError(await post(path, { ...email, client_secret: "has space" }), 400, "M_INVALID_PARAM", `${path} bad client_secret`);
    expectError(await post(path, { ...email, send_attempt: "1" }), 400, "M_BAD_JSON", `${path} send_attempt string`);
    expectError(await post(path, { ...email, send_attempt: undefined }), 400, "M_MISSING_PARAM", `${path} no send_attempt`);
    expectError(await post(path, { ...email, email: undefined }), 400, "M_MISSING_PARAM", `${path} no email`);
    expectError(await post(path, { ...email, email: 7 }), 400, "M_BAD_JSON", `${path} email number`);
    expectError(await post(path, { ...email, email: "not-an-address" }), 400, "M_BAD_JSON", `${path} unparsable email`);
    expectError(await post(path, { ...email, id_server: "id.example.org" }), 400, "M_INVALID_PARAM", `${path} id_server without token`);
  }
  for (const path of ["/account/3pid/msisdn/requestToken", "/register/msisdn/requestToken"]) {
    expectError(await post(path, { ...msisdn, country: "gb" }), 400, "M_BAD_JSON", `${path} lowercase country`);
    expectError(await post(path, { ...msisdn, phone_number: undefined }), 400, "M_MISSING_PARAM", `${path} no phone_number`);
    expectError(await post(path, { ...msisdn, phone_number: 7700900001 }), 400, "M_BAD_JSON", `${path} numeric phone_number`);
  }
  await noThreepids();
});

test("POST /account/3pid (deprecated) and /account/3pid/add: no session is ever validated", async () => {
  const creds = { client_secret: "abc", sid: "sid1" };
  expectError(await post("/account/3pid", { three_pid_creds: creds }, alice.accessToken), 400, "M_THREEPID_AUTH_FAILED", "legacy add");
  expectError(await post("/account/3pid", { threePidCreds: creds }, alice.accessToken), 400, "M_THREEPID_AUTH_FAILED", "legacy add, old key");
  expectError(await post("/account/3pid", {}, alice.accessToken), 400, "M_MISSING_PARAM", "legacy add without creds");
  expectError(await post("/account/3pid", { three_pid_creds: { sid: "x" } }, alice.accessToken), 400, "M_MISSING_PARAM", "legacy add without secret");
  expectError(await post("/account/3pid", { three_pid_creds: "x" }, alice.accessToken), 400, "M_BAD_JSON", "legacy add, creds not an object");
  expectError(await post("/account/3pid", { three_pid_creds: creds }), 401, "M_MISSING_TOKEN", "legacy add, no token");

  // /add is protected by user-interactive auth, then finds no validated session.
  const challenge = await post("/account/3pid/add", creds, alice.accessToken);
  assert.equal(challenge.status, 401);
  assert.ok(Array.isArray(challenge.body.flows));
  const session = String(challenge.body.session);
  const wrong = await post("/account/3pid/add", { ...creds, auth: { type: "m.login.password", identifier: { type: "m.id.user", user: alice.userId }, password: "wrong", session } }, alice.accessToken);
  expectError(wrong, 401, "M_FORBIDDEN", "add with a wrong password");
  const done = await post("/account/3pid/add", { ...creds, auth: { type: "m.login.password", identifier: { type: "m.id.user", user: alice.userId }, password: alice.password, session } }, alice.accessToken);
  expectError(done, 400, "M_THREEPID_AUTH_FAILED", "add after auth");
  expectError(await post("/account/3pid/add", { client_secret: "abc" }, alice.accessToken), 400, "M_MISSING_PARAM", "add without sid");
  expectError(await post("/account/3pid/add", { ...creds, sid: 5 }, alice.accessToken), 400, "M_BAD_JSON", "add with a numeric sid");
  expectError(await post("/account/3pid/add", creds, "nope"), 401, "M_UNKNOWN_TOKEN", "add with a bad token");
  await noThreepids();
});

test("bind needs an identity server this server does not contact; delete and unbind have nothing to undo", async () => {
  const bind = { client_secret: "abc", id_access_token: "tok", id_server: "id.example.org", sid: "sid1" };
  expectError(await post("/account/3pid/bind", bind, alice.accessToken), 400, "M_SERVER_NOT_TRUSTED", "bind");
  expectError(await post("/account/3pid/bind", { ...bind, id_server: undefined }, alice.accessToken), 400, "M_MISSING_PARAM", "bind without id_server");
  expectError(await post("/account/3pid/bind", { ...bind, sid: [] }, alice.accessToken), 400, "M_BAD_JSON", "bind with an array sid");
  expectError(await post("/account/3pid/bind", bind), 401, "M_MISSING_TOKEN", "bind without a token");

  for (const path of ["/account/3pid/delete", "/account/3pid/unbind"]) {
    const ok = await post(path, { medium: "email", address: "alice@example.org" }, alice.accessToken);
    assert.equal(ok.status, 200, path);
    assert.deepEqual(ok.body, { id_server_unbind_result: "no-support" });
    const withServer = await post(path, { medium: "msisdn", address: "447700900001", id_server: "id.example.org" }, alice.accessToken);
    assert.deepEqual(withServer.body, { id_server_unbind_result: "no-support" });
    expectError(await post(path, { medium: "fax", address: "1" }, alice.accessToken), 400, "M_BAD_JSON", `${path} unknown medium`);
    expectError(await post(path, { medium: "email" }, alice.accessToken), 400, "M_MISSING_PARAM", `${path} no address`);
    expectError(await post(path, undefined, alice.accessToken, "[]"), 400, "M_NOT_JSON", `${path} array body`);
    expectError(await post(path, { medium: "email", address: "a@b" }), 401, "M_MISSING_TOKEN", `${path} no token`);
    expectError(await post(path, { medium: "email", address: "a@b" }, "nope"), 401, "M_UNKNOWN_TOKEN", `${path} bad token`);
  }
  await noThreepids();
});

test("3PID invites are refused as Synapse refuses them without identity server lookups; the room is unchanged", async () => {
  const room = await call(server.baseUrl, "POST", `${V3}/createRoom`, { token: alice.accessToken, body: {} });
  const roomId = String(room.body.room_id);
  const path = `/rooms/${encodeURIComponent(roomId)}/invite`;
  const stateBefore = await call(server.baseUrl, "GET", `${V3}/rooms/${encodeURIComponent(roomId)}/state`, { token: alice.accessToken });
  const invite = { id_server: "id.example.org", id_access_token: "tok", medium: "email", address: "bob@example.org" };
  const r = await post(path, invite, alice.accessToken);
  expectError(r, 403, "M_UNKNOWN", "3pid invite");
  assert.equal(r.body.error, "Looking up third-party identifiers is denied from this server");
  expectError(await post(path, { ...invite, id_access_token: undefined }, alice.accessToken), 400, "M_MISSING_PARAM", "3pid invite without id_access_token");
  expectError(await post(path, { ...invite, id_server: undefined }, alice.accessToken), 400, "M_MISSING_PARAM", "3pid invite without id_server");
  expectError(await post(path, { ...invite, address: 5 }, alice.accessToken), 400, "M_BAD_JSON", "3pid invite, numeric address");
  expectError(await post(path, invite), 401, "M_MISSING_TOKEN", "3pid invite without a token");
  const stateAfter = await call(server.baseUrl, "GET", `${V3}/rooms/${encodeURIComponent(roomId)}/state`, { token: alice.accessToken });
  assert.deepEqual(stateAfter.body, stateBefore.body);
  // An ordinary invite by user ID still works.
  const bob = await registerUser(server.baseUrl, "bob");
  const ok = await post(path, { user_id: bob.userId }, alice.accessToken);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
});

test("GET /account/3pid: empty for a user, 401 without a valid token", async () => {
  await noThreepids();
  expectError(await call(server.baseUrl, "GET", `${V3}/account/3pid`), 401, "M_MISSING_TOKEN", "list without token");
  expectError(await call(server.baseUrl, "GET", `${V3}/account/3pid`, { token: "nope" }), 401, "M_UNKNOWN_TOKEN", "list with a bad token");
});
