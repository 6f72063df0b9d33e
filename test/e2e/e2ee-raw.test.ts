/**
 * E2EE endpoints over raw HTTP: keys upload/query/claim/changes, to-device delivery and
 * acknowledgement, key backup, and bad input (the spec's error or a safe no-op, never a 500,
 * nothing stored).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, call, registerUser, type RunningServer, type TestUser } from "./harness.js";
import { deviceSigningKey, signedDeviceKeys, signedOneTimeKeys, uploadDevice } from "./e2eeRawHelpers.js";
import { ed25519Sign, signedBytes } from "../../protocol/signing.js";
import { encodeBase64 } from "../../protocol/base64.js";

let server: RunningServer;
let base: string;

before(async () => {
  server = await startServer();
  base = server.baseUrl;
});
after(async () => {
  await server?.stop();
});

const C = "/_matrix/client/v3";

async function query(token: string, userId: string): Promise<Record<string, unknown>> {
  const r = await call(base, "POST", `${C}/keys/query`, { token, body: { device_keys: { [userId]: [] } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

function devicesOf(q: Record<string, unknown>, userId: string): Record<string, Record<string, unknown>> {
  return ((q.device_keys as Record<string, unknown>)[userId] ?? {}) as Record<string, Record<string, unknown>>;
}

async function sync(user: TestUser, since?: string): Promise<Record<string, unknown>> {
  const r = await call(base, "GET", `${C}/sync?timeout=0${since ? `&since=${encodeURIComponent(since)}` : ""}`, { token: user.accessToken });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

async function sharedRoom(a: TestUser, b: TestUser): Promise<string> {
  const r = await call(base, "POST", `${C}/createRoom`, { token: a.accessToken, body: { invite: [b.userId] } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const roomId = String(r.body.room_id);
  const j = await call(base, "POST", `${C}/join/${encodeURIComponent(roomId)}`, { token: b.accessToken, body: {} });
  assert.equal(j.status, 200, JSON.stringify(j.body));
  return roomId;
}

test("keys/upload, query with display name, one-time key counts in sync", async () => {
  const alice = await registerUser(base);
  await uploadDevice(base, alice, 5);
  const q = await query(alice.accessToken, alice.userId);
  const dev = devicesOf(q, alice.userId)[alice.deviceId];
  assert.ok(dev, "device keys are returned");
  assert.equal(dev.device_id, alice.deviceId);
  assert.ok((dev.unsigned as Record<string, unknown>) !== undefined);
  const s = await sync(alice);
  assert.equal((s.device_one_time_keys_count as Record<string, number>).signed_curve25519, 5);
  assert.deepEqual(s.device_unused_fallback_key_types, ["signed_curve25519"]);
});

test("bad keys are rejected with 400 and nothing is stored", async () => {
  const bob = await registerUser(base);
  const pair = deviceSigningKey(bob.deviceId);
  const good = await signedDeviceKeys(bob, pair);
  const cases: [string, unknown][] = [
    ["not an object", "nope"],
    ["another device", await signedDeviceKeys(bob, deviceSigningKey("OTHERDEV"), "OTHERDEV")],
    ["another user", { ...good, user_id: "@someone:localhost" }],
    ["no signatures", { ...good, signatures: undefined }],
  ];
  for (const [what, deviceKeys] of cases) {
    const r = await call(base, "POST", `${C}/keys/upload`, { token: bob.accessToken, body: { device_keys: deviceKeys } });
    assert.equal(r.status, 400, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.match(String(r.body.errcode), /^M_/);
  }
  const malformed = await call(base, "POST", `${C}/keys/upload`, { token: bob.accessToken, rawBody: "{not json" });
  assert.equal(malformed.status, 400);
  const badOtk = await call(base, "POST", `${C}/keys/upload`, { token: bob.accessToken, body: { one_time_keys: { nocolon: "x" } } });
  assert.equal(badOtk.status, 400);
  const noToken = await call(base, "POST", `${C}/keys/upload`, { body: { device_keys: good } });
  assert.equal(noToken.status, 401);
  assert.equal(noToken.body.errcode, "M_MISSING_TOKEN");
  assert.deepEqual(devicesOf(await query(bob.accessToken, bob.userId), bob.userId), {});

  // A one-time key ID re-uploaded with other content is refused, and the first upload stays.
  await call(base, "POST", `${C}/keys/upload`, { token: bob.accessToken, body: { device_keys: good } });
  const otks = await signedOneTimeKeys(bob, pair, 1);
  assert.equal((await call(base, "POST", `${C}/keys/upload`, { token: bob.accessToken, body: { one_time_keys: otks } })).status, 200);
  const again = await call(base, "POST", `${C}/keys/upload`, { token: bob.accessToken, body: { one_time_keys: otks } });
  assert.equal(again.status, 200, "identical re-upload is fine");
  const other = await signedOneTimeKeys(bob, pair, 1);
  const clash = await call(base, "POST", `${C}/keys/upload`, { token: bob.accessToken, body: { one_time_keys: other } });
  assert.equal(clash.status, 400);
  // Signatures are the claiming client's to check, as in Synapse (keyUploadAcceptance.test.ts).
  const s = await sync(bob);
  assert.equal((s.device_one_time_keys_count as Record<string, number>).signed_curve25519, 1);
});

test("50 parallel claims on 20 one-time keys: none handed out twice, then the fallback key", async () => {
  const carol = await registerUser(base);
  const claimer = await registerUser(base);
  await uploadDevice(base, carol, 20);
  const results = await Promise.all(
    Array.from({ length: 50 }, () =>
      call(base, "POST", `${C}/keys/claim`, { token: claimer.accessToken, body: { one_time_keys: { [carol.userId]: { [carol.deviceId]: "signed_curve25519" } } } }),
    ),
  );
  const ids: string[] = [];
  for (const r of results) {
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const byDevice = (r.body.one_time_keys as Record<string, Record<string, Record<string, unknown>>>)[carol.userId][carol.deviceId];
    ids.push(...Object.keys(byDevice));
  }
  const otks = ids.filter((i) => i !== "signed_curve25519:fb");
  assert.equal(otks.length, 20);
  assert.equal(new Set(otks).size, 20, "no one-time key handed out twice");
  assert.equal(ids.filter((i) => i === "signed_curve25519:fb").length, 30, "fallback key after exhaustion");
  const s = await sync(carol);
  assert.equal((s.device_one_time_keys_count as Record<string, number>).signed_curve25519, 0);
  assert.deepEqual(s.device_unused_fallback_key_types, [], "the fallback key is marked used");
  // Unknown users and devices: nothing to hand out, no error.
  const r = await call(base, "POST", `${C}/keys/claim`, { token: claimer.accessToken, body: { one_time_keys: { "@nobody:localhost": { X: "signed_curve25519" }, [carol.userId]: { NODEVICE: "signed_curve25519" } } } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.one_time_keys, {});
});

test("device list changes reach room-mates in sync and keys/changes", async () => {
  const a = await registerUser(base);
  const b = await registerUser(base);
  const roomId = await sharedRoom(a, b);
  const s0 = await sync(b);
  const since = String(s0.next_batch);
  await uploadDevice(base, a, 1);
  const s1 = await sync(b, since);
  assert.ok((s1.device_lists as { changed: string[] }).changed.includes(a.userId), JSON.stringify(s1.device_lists));
  const ch = await call(base, "GET", `${C}/keys/changes?from=${since}&to=${encodeURIComponent(String(s1.next_batch))}`, { token: b.accessToken });
  assert.equal(ch.status, 200);
  assert.ok((ch.body.changed as string[]).includes(a.userId));
  // A stranger sees nothing.
  const c = await registerUser(base);
  const sc = await sync(c);
  const login = await call(base, "POST", `${C}/login`, { body: { type: "m.login.password", identifier: { type: "m.id.user", user: a.userId }, password: a.password } });
  await uploadDevice(base, { ...a, deviceId: String(login.body.device_id), accessToken: String(login.body.access_token) }, 0);
  const s2 = await sync(b, String(s1.next_batch));
  assert.ok((s2.device_lists as { changed: string[] }).changed.includes(a.userId), "a new device of a room-mate");
  const sc1 = await sync(c, String(sc.next_batch));
  assert.deepEqual((sc1.device_lists as { changed: string[] }).changed, []);
  const bad = await call(base, "GET", `${C}/keys/changes?from=garbage&to=s1_0`, { token: b.accessToken });
  assert.equal(bad.status, 400);
  // When a and b no longer share a room, each sees the other in `left`.
  const before = await sync(a);
  assert.equal((await call(base, "POST", `${C}/rooms/${encodeURIComponent(roomId)}/leave`, { token: b.accessToken, body: {} })).status, 200);
  const afterLeave = await sync(a, String(before.next_batch));
  assert.ok((afterLeave.device_lists as { left: string[] }).left.includes(b.userId), JSON.stringify(afterLeave.device_lists));
});

test("to-device: delivered to one device or '*', kept until acknowledged, idempotent per txn", async () => {
  const a = await registerUser(base);
  const b = await registerUser(base);
  const b2login = await call(base, "POST", `${C}/login`, { body: { type: "m.login.password", identifier: { type: "m.id.user", user: b.userId }, password: b.password } });
  const b2: TestUser = { ...b, deviceId: String(b2login.body.device_id), accessToken: String(b2login.body.access_token) };
  const s0 = await sync(b);
  const send = (txn: string, messages: unknown) => call(base, "PUT", `${C}/sendToDevice/m.test/${txn}`, { token: a.accessToken, body: { messages } });
  assert.equal((await send("t1", { [b.userId]: { [b.deviceId]: { n: 1 } } })).status, 200);
  assert.equal((await send("t1", { [b.userId]: { [b.deviceId]: { n: 1 } } })).status, 200, "retry is accepted");
  assert.equal((await send("t2", { [b.userId]: { "*": { n: 2 } } })).status, 200);
  // Unknown users, unknown devices and remote users: silently dropped.
  const dropped = await send("t3", { "@ghost:localhost": { X: { n: 3 } }, [b.userId]: { NOSUCHDEVICE: { n: 3 } }, "@far:elsewhere.example": { Y: { n: 3 } }, "not a user": { Z: {} } });
  assert.equal(dropped.status, 200, JSON.stringify(dropped.body));

  const s1 = await sync(b, String(s0.next_batch));
  const events = (s1.to_device as { events: { sender: string; type: string; content: { n: number } }[] }).events;
  assert.deepEqual(events.map((e) => e.content.n), [1, 2], "one copy per txn, nothing for unknown devices");
  assert.equal(events[0].sender, a.userId);
  assert.equal(events[0].type, "m.test");
  // Not acknowledged yet: the same since returns them again.
  const again = await sync(b, String(s0.next_batch));
  assert.equal((again.to_device as { events: unknown[] }).events.length, 2);
  // Acknowledged with the next since: gone.
  const s2 = await sync(b, String(s1.next_batch));
  assert.equal((s2.to_device as { events: unknown[] }).events.length, 0);
  // The other device got only the '*' message.
  const b2s = await sync(b2);
  assert.deepEqual((b2s.to_device as { events: { content: { n: number } }[] }).events.map((e) => e.content.n), [2]);

  // Bad input.
  const big = "x".repeat(1_100_000);
  const tooBig = await call(base, "PUT", `${C}/sendToDevice/m.test/big`, { token: a.accessToken, body: { messages: { [b.userId]: { [b.deviceId]: { big } } } } });
  assert.equal(tooBig.status, 413);
  assert.equal(tooBig.body.errcode, "M_TOO_LARGE");
  assert.equal((await call(base, "PUT", `${C}/sendToDevice/m.test/nomsg`, { token: a.accessToken, body: {} })).status, 400);
  assert.equal((await call(base, "PUT", `${C}/sendToDevice/m.test/badmsg`, { token: a.accessToken, body: { messages: { [b.userId]: { X: "str" } } } })).status, 400);
  assert.equal((await call(base, "PUT", `${C}/sendToDevice/m.test/notoken`, { body: { messages: {} } })).status, 401);
  const s3 = await sync(b, String(s2.next_batch));
  assert.equal((s3.to_device as { events: unknown[] }).events.length, 0, "nothing from rejected requests");
});

test("key backup: versions, keys at three levels, etag/count, replacement rules", async () => {
  const u = await registerUser(base);
  const t = u.accessToken;
  assert.equal((await call(base, "GET", `${C}/room_keys/version`, { token: t })).status, 404);
  const created = await call(base, "POST", `${C}/room_keys/version`, { token: t, body: { algorithm: "m.megolm_backup.v1.curve25519-aes-sha2", auth_data: { public_key: "abc" } } });
  assert.equal(created.status, 200);
  const v = String(created.body.version);
  const cur = await call(base, "GET", `${C}/room_keys/version`, { token: t });
  assert.equal(cur.body.version, v);
  assert.equal(cur.body.count, 0);
  const key = (fmi: number, fc: number, verified: boolean, tag: string) => ({ first_message_index: fmi, forwarded_count: fc, is_verified: verified, session_data: { ciphertext: tag } });
  const room = "!r:localhost";
  const p1 = await call(base, "PUT", `${C}/room_keys/keys?version=${v}`, { token: t, body: { rooms: { [room]: { sessions: { s1: key(5, 0, false, "a"), s2: key(0, 0, false, "b") } } } } });
  assert.equal(p1.status, 200, JSON.stringify(p1.body));
  assert.equal(p1.body.count, 2);
  const etag1 = p1.body.etag;
  // Worse copy (higher index) is ignored; verified copy replaces an unverified one.
  const p2 = await call(base, "PUT", `${C}/room_keys/keys/${encodeURIComponent(room)}/s1?version=${v}`, { token: t, body: key(9, 0, false, "worse") });
  assert.equal(p2.body.etag, etag1, "no change, same etag");
  await call(base, "PUT", `${C}/room_keys/keys/${encodeURIComponent(room)}/s1?version=${v}`, { token: t, body: key(7, 0, true, "verified") });
  await call(base, "PUT", `${C}/room_keys/keys/${encodeURIComponent(room)}?version=${v}`, { token: t, body: { sessions: { s2: key(0, 3, false, "more-forwarded") } } });
  const s1 = await call(base, "GET", `${C}/room_keys/keys/${encodeURIComponent(room)}/s1?version=${v}`, { token: t });
  assert.deepEqual(s1.body.session_data, { ciphertext: "verified" });
  const roomKeys = await call(base, "GET", `${C}/room_keys/keys/${encodeURIComponent(room)}?version=${v}`, { token: t });
  assert.deepEqual((roomKeys.body.sessions as Record<string, { session_data: unknown }>).s2.session_data, { ciphertext: "b" });
  const all = await call(base, "GET", `${C}/room_keys/keys?version=${v}`, { token: t });
  assert.deepEqual(Object.keys((all.body.rooms as Record<string, unknown>)[room] as object), ["sessions"]);
  assert.deepEqual(await call(base, "GET", `${C}/room_keys/keys/${encodeURIComponent("!none:localhost")}?version=${v}`, { token: t }).then((r) => r.body), { sessions: {} });
  assert.equal((await call(base, "GET", `${C}/room_keys/keys/${encodeURIComponent(room)}/nosuch?version=${v}`, { token: t })).status, 404);
  // Bad input and wrong versions.
  assert.equal((await call(base, "PUT", `${C}/room_keys/keys?version=${v}`, { token: t, body: { rooms: { [room]: { sessions: { s3: { first_message_index: "x" } } } } } })).status, 400);
  assert.equal((await call(base, "GET", `${C}/room_keys/keys`, { token: t })).status, 400);
  const v2 = String((await call(base, "POST", `${C}/room_keys/version`, { token: t, body: { algorithm: "m.megolm_backup.v1.curve25519-aes-sha2", auth_data: { public_key: "def" } } })).body.version);
  const wrong = await call(base, "PUT", `${C}/room_keys/keys?version=${v}`, { token: t, body: { rooms: {} } });
  assert.equal(wrong.status, 403);
  assert.equal(wrong.body.errcode, "M_WRONG_ROOM_KEYS_VERSION");
  assert.equal(wrong.body.current_version, v2);
  // Update and delete.
  assert.equal((await call(base, "PUT", `${C}/room_keys/version/${v2}`, { token: t, body: { algorithm: "other", auth_data: {} } })).status, 400);
  assert.equal((await call(base, "PUT", `${C}/room_keys/version/${v2}`, { token: t, body: { algorithm: "m.megolm_backup.v1.curve25519-aes-sha2", auth_data: { public_key: "ghi" } } })).status, 200);
  assert.deepEqual((await call(base, "GET", `${C}/room_keys/version/${v2}`, { token: t })).body.auth_data, { public_key: "ghi" });
  const del = await call(base, "DELETE", `${C}/room_keys/keys/${encodeURIComponent(room)}?version=${v}`, { token: t });
  assert.equal(del.body.count, 0);
  assert.equal((await call(base, "DELETE", `${C}/room_keys/version/${v2}`, { token: t })).status, 200);
  assert.equal((await call(base, "GET", `${C}/room_keys/version/${v2}`, { token: t })).status, 404);
  assert.equal((await call(base, "GET", `${C}/room_keys/version`, { token: t })).body.version, v);
});

test("cross-signing upload: first without UIA, replacement needs password; signatures/upload", async () => {
  const u = await registerUser(base);
  const pair = await uploadDevice(base, u, 0);
  const master = deviceSigningKey("x");
  const ssk = deviceSigningKey("y");
  // Cross-signing key IDs are ed25519:<public key>, which may contain + and /, so sign by hand.
  const sign = async (obj: Record<string, unknown>, seed: Uint8Array, keyId: string) => {
    const sig = encodeBase64(await ed25519Sign(seed, signedBytes(obj)));
    return { ...obj, signatures: { [u.userId]: { [keyId]: sig } } };
  };
  const masterKeyId = `ed25519:${master.publicKey}`;
  const masterKey = { user_id: u.userId, usage: ["master"], keys: { [masterKeyId]: master.publicKey } };
  const sskKeyId = `ed25519:${ssk.publicKey}`;
  const sskKey = await sign({ user_id: u.userId, usage: ["self_signing"], keys: { [sskKeyId]: ssk.publicKey } }, master.key.seed, masterKeyId);
  const badSsk = await sign({ user_id: u.userId, usage: ["self_signing"], keys: { [sskKeyId]: ssk.publicKey } }, ssk.key.seed, masterKeyId);
  const badUp = await call(base, "POST", `${C}/keys/device_signing/upload`, { token: u.accessToken, body: { master_key: masterKey, self_signing_key: badSsk } });
  assert.equal(badUp.status, 400, JSON.stringify(badUp.body));
  const up = await call(base, "POST", `${C}/keys/device_signing/upload`, { token: u.accessToken, body: { master_key: masterKey, self_signing_key: sskKey } });
  assert.equal(up.status, 200, JSON.stringify(up.body));
  const same = await call(base, "POST", `${C}/keys/device_signing/upload`, { token: u.accessToken, body: { master_key: masterKey, self_signing_key: sskKey } });
  assert.equal(same.status, 200, "repeating the stored keys needs no UIA");
  const other = deviceSigningKey("z");
  const newMaster = { user_id: u.userId, usage: ["master"], keys: { [`ed25519:${other.publicKey}`]: other.publicKey } };
  const replace = await call(base, "POST", `${C}/keys/device_signing/upload`, { token: u.accessToken, body: { master_key: newMaster } });
  assert.equal(replace.status, 401);
  // A password login's device: the password stage, not m.oauth (that is for OAuth devices).
  assert.deepEqual(replace.body.flows, [{ stages: ["m.login.password"] }]);
  const q = await query(u.accessToken, u.userId);
  assert.deepEqual(((q.master_keys as Record<string, Record<string, unknown>>)[u.userId]).keys, masterKey.keys);
  assert.ok((q.self_signing_keys as Record<string, unknown>)[u.userId]);

  // Sign the device with the self-signing key; a bad signature is a failure, nothing stored.
  const dev = devicesOf(q, u.userId)[u.deviceId];
  const { signatures: _s, unsigned: _u, ...bare } = dev;
  const signedDev = await sign(bare, ssk.key.seed, sskKeyId);
  const badDev = await sign(bare, other.key.seed, sskKeyId);
  const bad = await call(base, "POST", `${C}/keys/signatures/upload`, { token: u.accessToken, body: { [u.userId]: { [u.deviceId]: badDev } } });
  assert.equal(bad.status, 200);
  assert.ok(((bad.body.failures as Record<string, Record<string, unknown>>)[u.userId] ?? {})[u.deviceId], JSON.stringify(bad.body));
  const good = await call(base, "POST", `${C}/keys/signatures/upload`, { token: u.accessToken, body: { [u.userId]: { [u.deviceId]: signedDev } } });
  assert.deepEqual(good.body.failures, {});
  const q2 = await query(u.accessToken, u.userId);
  const sigs = devicesOf(q2, u.userId)[u.deviceId].signatures as Record<string, Record<string, string>>;
  assert.ok(sigs[u.userId][sskKeyId], "self-signing signature merged into the device keys");
  assert.ok(sigs[u.userId][`ed25519:${u.deviceId}`], "device self-signature kept");
  void pair;
});
