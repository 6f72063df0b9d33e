/**
 * The federation transport between two real Lattice servers named "127.0.0.1:<port>" on loopback
 * (FEDERATION_ALLOW_PRIVATE and FEDERATION_INSECURE_HTTP on): published and notarised keys,
 * X-Matrix-signed requests both as a remote server sends them and as Lattice sends them,
 * hostile requests, the read-only query endpoints, and the outbound transaction queue against a
 * fake destination that fails on purpose.
 */
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { registerUser, call, type RunningServer, type TestUser } from "./harness.js";
import { startFederatedServer, eventually } from "./federationHelpers.js";
import { uploadDevice } from "./e2eeRawHelpers.js";
import { generateSigningKey, verifyJsonSignature, type SigningKey } from "../../protocol/signing.js";
import { decodeBase64, encodeBase64 } from "../../protocol/base64.js";
import { signRequest, verifyRequestSignature } from "../../federation-client/requestSigning.js";
import { parseXMatrix } from "../../federation-client/xMatrix.js";

const enc = encodeURIComponent;

let a: RunningServer;
let b: RunningServer;
/** Server A's signing key, known to the test so it can sign requests as A. */
const aKey: SigningKey = generateSigningKey("a1");
let bob: TestUser;

before(async () => {
  [a, b] = await Promise.all([
    startFederatedServer({ FEDERATION_TEST_HOOKS: "true", SIGNING_KEY: `${aKey.keyId} ${encodeBase64(aKey.seed)}` }),
    startFederatedServer({ FEDERATION_TEST_HOOKS: "true" }),
  ]);
  bob = await registerUser(b.baseUrl, "bob");
  await call(b.baseUrl, "PUT", `/_matrix/client/v3/profile/${enc(bob.userId)}/displayname`, { token: bob.accessToken, body: { displayname: "Bob B" } });
});
after(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

/** A request to B signed as A (or as told). */
async function signedCall(
  method: "GET" | "POST" | "PUT",
  path: string,
  opts: { body?: Record<string, unknown>; origin?: string; destination?: string; key?: SigningKey; to?: RunningServer; header?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const to = opts.to ?? b;
  const header =
    opts.header ??
    (await signRequest(
      { method, uri: path, origin: opts.origin ?? a.serverName, destination: opts.destination ?? to.serverName, content: opts.body as never },
      opts.key ?? aKey,
    ));
  return call(to.baseUrl, method, path, { body: opts.body, headers: { Authorization: header } });
}

describe("keys", () => {
  test("GET /_matrix/key/v2/server is self-signed with the current key, valid for about a week", async () => {
    const r = await call(b.baseUrl, "GET", "/_matrix/key/v2/server");
    assert.equal(r.status, 200);
    assert.equal(r.body.server_name, b.serverName);
    const verify = r.body.verify_keys as Record<string, { key: string }>;
    const keyIds = Object.keys(verify);
    assert.equal(keyIds.length, 1);
    assert.match(keyIds[0], /^ed25519:[a-zA-Z0-9_]+$/);
    assert.equal(await verifyJsonSignature(r.body, b.serverName, keyIds[0], decodeBase64(verify[keyIds[0]].key)), true);
    assert.deepEqual(r.body.old_verify_keys, {});
    const until = Number(r.body.valid_until_ts);
    assert.ok(until > Date.now() + 6 * 24 * 3600_000 && until < Date.now() + 8 * 24 * 3600_000, String(until));
    // A's key is the configured SIGNING_KEY.
    const ra = await call(a.baseUrl, "GET", "/_matrix/key/v2/server");
    assert.deepEqual(ra.body.verify_keys, { [aKey.keyId]: { key: encodeBase64(aKey.publicKey) } });
  });

  test("notary: B serves A's keys signed by A and by B (POST and GET), and its own", async () => {
    const bKeys = (await call(b.baseUrl, "GET", "/_matrix/key/v2/server")).body;
    const [bKeyId, bPub] = Object.entries(bKeys.verify_keys as Record<string, { key: string }>)[0];
    const post = await call(b.baseUrl, "POST", "/_matrix/key/v2/query", { body: { server_keys: { [a.serverName]: { [aKey.keyId]: { minimum_valid_until_ts: Date.now() } } } } });
    assert.equal(post.status, 200);
    const list = post.body.server_keys as Record<string, unknown>[];
    assert.equal(list.length, 1);
    assert.equal(list[0].server_name, a.serverName);
    assert.equal(await verifyJsonSignature(list[0], a.serverName, aKey.keyId, aKey.publicKey), true, "A's own signature");
    assert.equal(await verifyJsonSignature(list[0], b.serverName, bKeyId, decodeBase64(bPub.key)), true, "B's notary signature");

    const get = await call(b.baseUrl, "GET", `/_matrix/key/v2/query/${enc(a.serverName)}`);
    assert.equal((get.body.server_keys as unknown[]).length, 1);
    const own = await call(b.baseUrl, "GET", `/_matrix/key/v2/query/${enc(b.serverName)}`);
    assert.equal(((own.body.server_keys as Record<string, unknown>[])[0] ?? {}).server_name, b.serverName);
    const none = await call(b.baseUrl, "POST", "/_matrix/key/v2/query", { body: { server_keys: { "127.0.0.1:1": {} } } });
    assert.deepEqual(none.body, { server_keys: [] });
    const empty = await call(b.baseUrl, "POST", "/_matrix/key/v2/query", { body: { server_keys: {} } });
    assert.deepEqual(empty.body, { server_keys: [] });
  });

  test("GET /_matrix/federation/v1/version needs no authentication", async () => {
    const r = await call(b.baseUrl, "GET", "/_matrix/federation/v1/version");
    assert.equal(r.status, 200);
    assert.equal((r.body.server as Record<string, unknown>).name, "Lattice");
    assert.equal(typeof (r.body.server as Record<string, unknown>).version, "string");
  });
});

describe("inbound authentication", () => {
  const profilePath = () => `/_matrix/federation/v1/query/profile?user_id=${enc(bob.userId)}`;

  test("a request signed by A is accepted by B (B fetches A's key from A)", async () => {
    const r = await signedCall("GET", profilePath());
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, { displayname: "Bob B" });
    const field = await signedCall("GET", `${profilePath()}&field=displayname`);
    assert.deepEqual(field.body, { displayname: "Bob B" });
  });

  test("hostile requests are 401 M_UNAUTHORIZED", async () => {
    const other = generateSigningKey("a1"); // same key ID, wrong key
    const good = await signRequest({ method: "GET", uri: profilePath(), origin: a.serverName, destination: b.serverName }, aKey);
    const cases: [string, Promise<{ status: number; body: Record<string, unknown> }>][] = [
      ["no Authorization", call(b.baseUrl, "GET", profilePath())],
      ["Bearer token", call(b.baseUrl, "GET", profilePath(), { token: "abc" })],
      ["wrong key", signedCall("GET", profilePath(), { key: other })],
      ["unknown key ID", signedCall("GET", profilePath(), { key: generateSigningKey("nope") })],
      ["wrong destination", signedCall("GET", profilePath(), { destination: "elsewhere.example" })],
      ["signed for another path", call(b.baseUrl, "GET", `${profilePath()}&field=avatar_url`, { headers: { Authorization: good } })],
      ["unreachable origin", signedCall("GET", profilePath(), { origin: "127.0.0.1:1" })],
      ["origin claiming to be B", signedCall("GET", profilePath(), { origin: b.serverName })],
      ["invalid origin", signedCall("GET", profilePath(), { origin: "not a server" })],
      ["malformed header", signedCall("GET", profilePath(), { header: 'X-Matrix origin="unterminated' })],
      ["garbage header", signedCall("GET", profilePath(), { header: "X-Matrix ,,," })],
      ["tampered signature", signedCall("GET", profilePath(), { header: good.replace(/sig="(..)/, 'sig="AA') })],
    ];
    for (const [name, p] of cases) {
      const r = await p;
      assert.equal(r.status, 401, `${name}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.errcode, "M_UNAUTHORIZED", name);
    }
  });

  test("a body that differs from the signed one is refused and changes nothing", async () => {
    const user = await registerUser(b.baseUrl, "carol");
    await uploadDevice(b.baseUrl, user, 1);
    const claim = { one_time_keys: { [user.userId]: { [user.deviceId]: "signed_curve25519" } } };
    const header = await signRequest({ method: "POST", uri: "/_matrix/federation/v1/user/keys/claim", origin: a.serverName, destination: b.serverName, content: { one_time_keys: {} } }, aKey);
    const forged = await call(b.baseUrl, "POST", "/_matrix/federation/v1/user/keys/claim", { body: claim, headers: { Authorization: header } });
    assert.equal(forged.status, 401);
    const unsigned = await call(b.baseUrl, "POST", "/_matrix/federation/v1/user/keys/claim", { body: claim });
    assert.equal(unsigned.status, 401);
    // The one-time key is still there: the first real claim gets it, not the fallback key.
    const real = await signedCall("POST", "/_matrix/federation/v1/user/keys/claim", { body: claim });
    assert.equal(real.status, 200);
    const got = ((real.body.one_time_keys as Record<string, Record<string, Record<string, unknown>>>)[user.userId] ?? {})[user.deviceId] ?? {};
    assert.deepEqual(Object.keys(got), ["signed_curve25519:k0"]);
  });
});

describe("query endpoints", () => {
  test("directory: local alias → room ID and servers; unknown → 404 M_NOT_FOUND", async () => {
    const room = await call(b.baseUrl, "POST", "/_matrix/client/v3/createRoom", { token: bob.accessToken, body: { room_alias_name: "fedlobby", visibility: "public", name: "Fed lobby" } });
    assert.equal(room.status, 200);
    const alias = `#fedlobby:${b.serverName}`;
    const r = await signedCall("GET", `/_matrix/federation/v1/query/directory?room_alias=${enc(alias)}`);
    assert.deepEqual(r.body, { room_id: room.body.room_id, servers: [b.serverName] });
    const missing = await signedCall("GET", `/_matrix/federation/v1/query/directory?room_alias=${enc(`#nope:${b.serverName}`)}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.errcode, "M_NOT_FOUND");
    const noParam = await signedCall("GET", "/_matrix/federation/v1/query/directory");
    assert.equal(noParam.status, 400);

    const list = await signedCall("GET", "/_matrix/federation/v1/publicRooms?limit=10");
    assert.equal(list.status, 200);
    assert.ok((list.body.chunk as Record<string, unknown>[]).some((c) => c.room_id === room.body.room_id));
    const search = await signedCall("POST", "/_matrix/federation/v1/publicRooms", { body: { limit: 5, filter: { generic_search_term: "fed lob" } } });
    assert.equal((search.body.chunk as unknown[]).length, 1);
  });

  test("profile of an unknown or remote user: 404 M_NOT_FOUND", async () => {
    for (const u of [`@nobody:${b.serverName}`, "@x:elsewhere.example"]) {
      const r = await signedCall("GET", `/_matrix/federation/v1/query/profile?user_id=${enc(u)}`);
      assert.equal(r.status, 404, u);
      assert.equal(r.body.errcode, "M_NOT_FOUND");
    }
  });

  test("user devices and keys/query", async () => {
    const dave = await registerUser(b.baseUrl, "dave");
    await uploadDevice(b.baseUrl, dave, 2);
    const devs = await signedCall("GET", `/_matrix/federation/v1/user/devices/${enc(dave.userId)}`);
    assert.equal(devs.status, 200);
    assert.equal(devs.body.user_id, dave.userId);
    assert.equal(typeof devs.body.stream_id, "number");
    const list = devs.body.devices as Record<string, unknown>[];
    assert.equal(list.length, 1);
    assert.equal(list[0].device_id, dave.deviceId);
    assert.equal((list[0].keys as Record<string, unknown>).user_id, dave.userId);
    const q = await signedCall("POST", "/_matrix/federation/v1/user/keys/query", { body: { device_keys: { [dave.userId]: [] } } });
    assert.equal(q.status, 200);
    assert.deepEqual(Object.keys((q.body.device_keys as Record<string, Record<string, unknown>>)[dave.userId]), [dave.deviceId]);
  });
});

describe("outbound", () => {
  test("A's signed GET to B through federationRequest works; to an unreachable server it fails cleanly", async () => {
    const r = await call(a.baseUrl, "POST", "/_lattice/test/federation/request", { body: { destination: b.serverName, path: `/_matrix/federation/v1/query/profile?user_id=${enc(bob.userId)}` } });
    assert.deepEqual(r.body, { ok: true, reply: { displayname: "Bob B" } });
    const bad = await call(a.baseUrl, "POST", "/_lattice/test/federation/request", { body: { destination: "127.0.0.1:1", path: "/_matrix/federation/v1/version" } });
    assert.equal(bad.body.ok, false);
    assert.equal(bad.body.network, true);
    const notFound = await call(a.baseUrl, "POST", "/_lattice/test/federation/request", { body: { destination: b.serverName, path: `/_matrix/federation/v1/query/profile?user_id=${enc(`@x:${b.serverName}`)}` } });
    assert.equal(notFound.body.status, 404);
    assert.equal(notFound.body.errcode, "M_NOT_FOUND");
  });

  test("transactions: batched (≤50 PDUs, ≤100 EDUs), signed, retried with backoff keeping the same ID and order, then drained", async () => {
    const fake = await fakeDestination((n) => (n <= 2 ? 500 : 200));
    try {
      const pdus = Array.from({ length: 60 }, (_, i) => ({ n: i, type: "test.pdu" }));
      const edus = Array.from({ length: 150 }, (_, i) => ({ edu_type: "test.edu", content: { n: i } }));
      const q = await call(a.baseUrl, "POST", "/_lattice/test/federation/queue", { body: { destination: fake.name, pdus, edus } });
      assert.equal(q.status, 200);
      await eventually("two transactions accepted", async () => fake.accepted.length >= 2, 20_000);
      // Two failures (500) of the first transaction, then it and one more were accepted.
      assert.equal(fake.attempts.length, 4, JSON.stringify(fake.attempts.map((t) => t.txnId)));
      const first = fake.attempts[0];
      assert.equal(fake.attempts[1].txnId, first.txnId, "a retry resends the same transaction");
      assert.equal(fake.attempts[2].txnId, first.txnId);
      assert.ok(fake.attempts[1].at - fake.attempts[0].at >= 900, "backed off about 1 s");
      assert.ok(fake.attempts[2].at - fake.attempts[1].at >= 1900, "then about 2 s");
      assert.deepEqual(fake.accepted.map((t) => [t.body.pdus.length, t.body.edus.length]), [[50, 100], [10, 50]]);
      assert.deepEqual(fake.accepted.flatMap((t) => t.body.pdus.map((p) => p.n)), pdus.map((p) => p.n), "PDU order kept");
      assert.deepEqual(fake.accepted.flatMap((t) => t.body.edus.map((e) => e.content.n)), edus.map((e) => e.content.n), "EDU order kept");
      for (const t of fake.attempts) {
        assert.equal(t.body.origin, a.serverName);
        assert.equal(typeof t.body.origin_server_ts, "number");
        assert.equal(t.signed, true, "X-Matrix signature verifies with A's key");
      }
      const st = await call(a.baseUrl, "POST", "/_lattice/test/federation/status", { body: { destination: fake.name } });
      assert.deepEqual([st.body.queuedPdus, st.body.queuedEdus, st.body.failures], [0, 0, 0]);
    } finally {
      await fake.close();
    }
  });

  test("a transaction the remote rejects with 4xx is dropped, the next one is sent", async () => {
    const fake = await fakeDestination((n) => (n === 1 ? 400 : 200));
    try {
      await call(a.baseUrl, "POST", "/_lattice/test/federation/queue", { body: { destination: fake.name, edus: [{ edu_type: "test.edu", content: { n: 1 } }] } });
      await eventually("a first attempt", async () => fake.attempts.length >= 1, 10_000);
      await call(a.baseUrl, "POST", "/_lattice/test/federation/queue", { body: { destination: fake.name, edus: [{ edu_type: "test.edu", content: { n: 2 } }] } });
      await eventually("the next transaction accepted", async () => fake.accepted.length >= 1, 10_000);
      assert.equal(fake.attempts.length, 2);
      assert.deepEqual(fake.accepted[0].body.edus.map((e) => e.content.n), [2]);
    } finally {
      await fake.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------

interface SeenTxn {
  txnId: string;
  at: number;
  signed: boolean;
  body: { origin: string; origin_server_ts: number; pdus: { n: number }[]; edus: { content: { n: number } }[] };
}

/** A destination server on loopback that answers /send with `statusFor(attempt number)`. */
async function fakeDestination(statusFor: (n: number) => number): Promise<{ name: string; attempts: SeenTxn[]; accepted: SeenTxn[]; close(): Promise<void> }> {
  const attempts: SeenTxn[] = [];
  const accepted: SeenTxn[] = [];
  let name = "";
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let s = "";
      req.on("data", (d: Buffer) => (s += d.toString()));
      req.on("end", () => resolve(s));
    });
  const server: Server = createServer(async (req, res) => {
    const text = await read(req);
    const m = /^\/_matrix\/federation\/v1\/send\/([^/?]+)$/.exec(req.url ?? "");
    if (req.method !== "PUT" || !m) {
      res.writeHead(404).end(JSON.stringify({ errcode: "M_UNRECOGNIZED", error: "" }));
      return;
    }
    const body = JSON.parse(text) as SeenTxn["body"];
    let signed = false;
    try {
      const auth = parseXMatrix(req.headers.authorization ?? "");
      signed =
        auth.destination === name &&
        (await verifyRequestSignature({ method: "PUT", uri: req.url ?? "", origin: auth.origin, destination: name, content: body as never }, auth, aKey.publicKey));
    } catch {
      signed = false;
    }
    const t: SeenTxn = { txnId: decodeURIComponent(m[1]), at: Date.now(), signed, body };
    attempts.push(t);
    const status = statusFor(attempts.length);
    if (status === 200) accepted.push(t);
    res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(status === 200 ? { pdus: {} } : { errcode: "M_UNKNOWN", error: "on purpose" }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  name = `127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  return { name, attempts, accepted, close: () => new Promise<void>((r) => server.close(() => r())) };
}
