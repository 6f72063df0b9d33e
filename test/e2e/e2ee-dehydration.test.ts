/**
 * Dehydrated devices (MSC3814's unstable endpoints, as matrix-js-sdk's Rust crypto calls them)
 * over raw HTTP: create, get, replace, delete, the to-device events of the dehydrated device in
 * batches, device-list announcements, and bad input (the spec's error, never a 500, nothing stored).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient, type MatrixClient } from "matrix-js-sdk";
import { CryptoEvent } from "matrix-js-sdk/lib/crypto-api/index.js";
import { startServer, call, registerUser, loginNewDevice, makeEventually, type RunningServer, type TestUser } from "./harness.js";
import { decryptedBody, findEvent } from "./sdkHelpers.js";
import { deviceSigningKey as plainDeviceSigningKey, signedOneTimeKeys, type DeviceKeyPair } from "./e2eeRawHelpers.js";
import { generateSigningKey, signJson, type SigningKey } from "../../protocol/signing.js";
import { encodeBase64 } from "../../protocol/base64.js";

let server: RunningServer;
let base: string;

before(async () => {
  server = await startServer();
  base = server.baseUrl;
});
const clients: MatrixClient[] = [];
after(async () => {
  for (const c of clients) c.stopClient();
  await server?.stop();
});

const C = "/_matrix/client/v3";
const D = "/_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device";

/**
 * A device's ed25519 key under `ed25519:<deviceId>`. Dehydrated device IDs are base64 keys, which
 * the signing module's key-ID check (meant for server key versions) refuses, so the key is built
 * under a placeholder ID and renamed.
 */
function deviceSigningKey(deviceId: string): DeviceKeyPair {
  const pair = plainDeviceSigningKey("placeholder");
  const key: SigningKey = { ...pair.key, keyId: `ed25519:${deviceId}` };
  return { key, publicKey: pair.publicKey };
}

function strangerKey(deviceId: string): SigningKey {
  return { ...generateSigningKey(), keyId: `ed25519:${deviceId}` };
}

interface Dehydrated {
  deviceId: string;
  pair: DeviceKeyPair;
  body: Record<string, unknown>;
}

/** A dehydrated device's PUT body: its ID is its Curve25519 key (standard base64, so often with '/' or '+'). */
async function dehydratedBody(user: TestUser, opts: { otks?: number; extraKeys?: Record<string, unknown> } = {}): Promise<Dehydrated> {
  const curve = encodeBase64(crypto.getRandomValues(new Uint8Array(32)));
  const deviceId = curve;
  const pair = deviceSigningKey(deviceId);
  const deviceKeys = await signJson(
    {
      user_id: user.userId,
      device_id: deviceId,
      algorithms: ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
      keys: { [`curve25519:${deviceId}`]: curve, [`ed25519:${deviceId}`]: pair.publicKey },
      dehydrated: true,
      ...(opts.extraKeys ?? {}),
    },
    user.userId,
    pair.key,
  );
  const fallback = await signJson({ key: encodeBase64(crypto.getRandomValues(new Uint8Array(32))), fallback: true }, user.userId, pair.key);
  return {
    deviceId,
    pair,
    body: {
      device_id: deviceId,
      device_data: { algorithm: "org.matrix.msc3814.v2", device_pickle: "opaque", nonce: "n" },
      initial_device_display_name: "Dehydrated device",
      device_keys: deviceKeys,
      one_time_keys: await signedOneTimeKeys(user, pair, opts.otks ?? 3),
      fallback_keys: { "signed_curve25519:fb": fallback },
    },
  };
}

const put = (user: TestUser, body: unknown) => call(base, "PUT", D, { token: user.accessToken, body });
const get = (user: TestUser) => call(base, "GET", D, { token: user.accessToken });
const del = (user: TestUser) => call(base, "DELETE", D, { token: user.accessToken });
const events = (user: TestUser, deviceId: string, nextBatch?: string) =>
  call(base, "POST", `${D}/${encodeURIComponent(deviceId)}/events`, { token: user.accessToken, body: nextBatch === undefined ? {} : { next_batch: nextBatch } });

async function queryDevices(token: string, userId: string): Promise<Record<string, Record<string, unknown>>> {
  const r = await call(base, "POST", `${C}/keys/query`, { token, body: { device_keys: { [userId]: [] } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return ((r.body.device_keys as Record<string, unknown>)[userId] ?? {}) as Record<string, Record<string, unknown>>;
}

async function deviceIds(user: TestUser): Promise<string[]> {
  const r = await call(base, "GET", `${C}/devices`, { token: user.accessToken });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.body.devices as { device_id: string }[]).map((d) => d.device_id);
}

async function sendToDevice(from: TestUser, to: TestUser, deviceId: string, txn: string, content: Record<string, unknown>): Promise<void> {
  const r = await call(base, "PUT", `${C}/sendToDevice/m.test/${txn}`, { token: from.accessToken, body: { messages: { [to.userId]: { [deviceId]: content } } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

async function sync(user: TestUser, since?: string): Promise<Record<string, unknown>> {
  const r = await call(base, "GET", `${C}/sync?timeout=0${since ? `&since=${encodeURIComponent(since)}` : ""}`, { token: user.accessToken });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

test("no dehydrated device: GET and DELETE are 404 M_NOT_FOUND (the SDK reads this as 'supported')", async () => {
  const alice = await registerUser(base);
  const g = await get(alice);
  assert.equal(g.status, 404);
  assert.equal(g.body.errcode, "M_NOT_FOUND");
  const d = await del(alice);
  assert.equal(d.status, 404);
  assert.equal(d.body.errcode, "M_NOT_FOUND");
});

test("create, get, keys/query with dehydrated: true, keys/claim, /devices, replace, delete", async () => {
  const alice = await registerUser(base);
  const bob = await registerUser(base);
  const first = await dehydratedBody(alice, { otks: 2 });
  const p = await put(alice, first.body);
  assert.equal(p.status, 200, JSON.stringify(p.body));
  assert.deepEqual(p.body, { device_id: first.deviceId });

  const g = await get(alice);
  assert.equal(g.status, 200, JSON.stringify(g.body));
  assert.deepEqual(g.body, { device_id: first.deviceId, device_data: first.body.device_data });

  // A device like any other: its keys are queryable (marked dehydrated) and claimable.
  const devs = await queryDevices(bob.accessToken, alice.userId);
  assert.ok(devs[first.deviceId], "dehydrated device keys are in keys/query");
  assert.equal(devs[first.deviceId].dehydrated, true);
  assert.equal((devs[first.deviceId].unsigned as Record<string, unknown>).device_display_name, "Dehydrated device");
  const claim = await call(base, "POST", `${C}/keys/claim`, { token: bob.accessToken, body: { one_time_keys: { [alice.userId]: { [first.deviceId]: "signed_curve25519" } } } });
  assert.equal(claim.status, 200, JSON.stringify(claim.body));
  const claimed = ((claim.body.one_time_keys as Record<string, Record<string, Record<string, unknown>>>)[alice.userId] ?? {})[first.deviceId];
  assert.ok(claimed && Object.keys(claimed)[0].startsWith("signed_curve25519:"), JSON.stringify(claim.body));
  assert.ok((await deviceIds(alice)).includes(first.deviceId));

  // Nobody can log in as the dehydrated device: it must never hold an access token.
  const hijack = await call(base, "POST", `${C}/login`, {
    body: { type: "m.login.password", identifier: { type: "m.id.user", user: alice.userId }, password: alice.password, device_id: first.deviceId },
  });
  assert.equal(hijack.status, 400, JSON.stringify(hijack.body));
  assert.equal(hijack.body.errcode, "M_INVALID_PARAM");
  assert.deepEqual((await get(alice)).body, { device_id: first.deviceId, device_data: first.body.device_data });

  // Replacing: the old device, its keys and its messages go.
  await sendToDevice(bob, alice, first.deviceId, "to-first", { n: 1 });
  const second = await dehydratedBody(alice);
  const p2 = await put(alice, second.body);
  assert.equal(p2.status, 200, JSON.stringify(p2.body));
  assert.equal((await get(alice)).body.device_id, second.deviceId);
  const devs2 = await queryDevices(bob.accessToken, alice.userId);
  assert.equal(devs2[first.deviceId], undefined, "old dehydrated device's keys are gone");
  assert.ok(devs2[second.deviceId]);
  const ids = await deviceIds(alice);
  assert.ok(!ids.includes(first.deviceId) && ids.includes(second.deviceId));
  const old = await events(alice, first.deviceId);
  assert.equal(old.status, 403, "the replaced device's events are no longer served");
  assert.equal(old.body.errcode, "M_FORBIDDEN");
  assert.deepEqual((await events(alice, second.deviceId)).body.events, []);

  // Re-uploading the same device replaces it in place.
  const again = await put(alice, second.body);
  assert.equal(again.status, 200, JSON.stringify(again.body));

  const d = await del(alice);
  assert.equal(d.status, 200, JSON.stringify(d.body));
  assert.deepEqual(d.body, { device_id: second.deviceId });
  assert.equal((await get(alice)).status, 404);
  assert.equal((await queryDevices(bob.accessToken, alice.userId))[second.deviceId], undefined);
  assert.ok(!(await deviceIds(alice)).includes(second.deviceId));
  assert.ok((await deviceIds(alice)).includes(alice.deviceId), "the user's real device is untouched");
});

test("to-device messages for the dehydrated device come in batches; earlier batches stay until it is replaced", async () => {
  const alice = await registerUser(base);
  const bob = await registerUser(base);
  const dev = await dehydratedBody(alice);
  assert.equal((await put(alice, dev.body)).status, 200);
  const total = 130; // more than one batch of 100
  for (let i = 0; i < total; i++) await sendToDevice(bob, alice, dev.deviceId, `t${i}`, { i });
  // Messages to '*' reach it as well; the real device's own inbox is separate.
  const star = await call(base, "PUT", `${C}/sendToDevice/m.test/star`, { token: bob.accessToken, body: { messages: { [alice.userId]: { "*": { i: total } } } } });
  assert.equal(star.status, 200);

  const seen: number[] = [];
  let next: string | undefined;
  let batches = 0;
  for (;;) {
    const r = await events(alice, dev.deviceId, next);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(typeof r.body.next_batch, "string");
    const evs = r.body.events as { sender: string; type: string; content: { i: number } }[];
    if (evs.length === 0) {
      assert.equal(r.body.next_batch, next, "the last, empty batch repeats the token");
      break;
    }
    batches++;
    for (const e of evs) {
      assert.equal(e.sender, bob.userId);
      assert.equal(e.type, "m.test");
      seen.push(e.content.i);
    }
    next = String(r.body.next_batch);
  }
  assert.equal(batches, 2);
  assert.deepEqual(seen, Array.from({ length: total + 1 }, (_, i) => i), "every message once, in order");

  // MSC3814: asking for the next batch does not delete earlier ones, so an interrupted
  // rehydration can start again from the beginning.
  const restart = await events(alice, dev.deviceId);
  assert.equal((restart.body.events as unknown[]).length, 100);

  // The real device got only the '*' message.
  const s = await sync(alice);
  const mine = ((s.to_device as { events: { content: { i: number } }[] } | undefined)?.events ?? []).map((e) => e.content.i);
  assert.deepEqual(mine, [total]);

  // Replacing the device drops its messages.
  const next2 = await dehydratedBody(alice);
  assert.equal((await put(alice, next2.body)).status, 200);
  assert.deepEqual((await events(alice, next2.deviceId)).body.events, []);
});

test("device list changes are announced to users sharing a room", async () => {
  const alice = await registerUser(base);
  const bob = await registerUser(base);
  const room = await call(base, "POST", `${C}/createRoom`, { token: alice.accessToken, body: { invite: [bob.userId] } });
  assert.equal(room.status, 200);
  assert.equal((await call(base, "POST", `${C}/join/${encodeURIComponent(String(room.body.room_id))}`, { token: bob.accessToken, body: {} })).status, 200);
  const s0 = await sync(bob);
  const changed = async (since: string) => {
    const s = await sync(bob, since);
    return { next: String(s.next_batch), changed: ((s.device_lists as { changed?: string[] } | undefined)?.changed ?? []).includes(alice.userId) };
  };
  const dev = await dehydratedBody(alice);
  assert.equal((await put(alice, dev.body)).status, 200);
  const a = await changed(String(s0.next_batch));
  assert.ok(a.changed, "creating the dehydrated device is a device list change");
  assert.equal((await del(alice)).status, 200);
  const b = await changed(a.next);
  assert.ok(b.changed, "deleting it is one too");
});

test("events: bad next_batch, another device ID, no token", async () => {
  const alice = await registerUser(base);
  const dev = await dehydratedBody(alice);
  assert.equal((await put(alice, dev.body)).status, 200);
  const bad = await events(alice, dev.deviceId, "not-a-token");
  assert.equal(bad.status, 400);
  assert.equal(bad.body.errcode, "M_INVALID_PARAM");
  const wrongType = await call(base, "POST", `${D}/${encodeURIComponent(dev.deviceId)}/events`, { token: alice.accessToken, body: { next_batch: 5 } });
  assert.equal(wrongType.status, 400);
  assert.equal(wrongType.body.errcode, "M_BAD_JSON");
  const other = await events(alice, alice.deviceId);
  assert.equal(other.status, 403);
  assert.equal(other.body.errcode, "M_FORBIDDEN");
  const noToken = await call(base, "POST", `${D}/${encodeURIComponent(dev.deviceId)}/events`, { body: {} });
  assert.equal(noToken.status, 401);
  assert.equal(noToken.body.errcode, "M_MISSING_TOKEN");
  // Another user cannot read Alice's dehydrated device's messages.
  const mallory = await registerUser(base);
  const m = await events(mallory, dev.deviceId);
  assert.equal(m.status, 403);
});

test("bad PUT bodies: the spec's errors, never a 500, nothing stored", async () => {
  const alice = await registerUser(base);
  const bob = await registerUser(base);
  const good = await dehydratedBody(alice);
  const cases: [string, Record<string, unknown> | string, number, string][] = [];
  const without = (k: string) => Object.fromEntries(Object.entries(good.body).filter(([key]) => key !== k));
  cases.push(["missing device_id", without("device_id"), 400, "M_MISSING_PARAM"]);
  cases.push(["missing device_data", without("device_data"), 400, "M_MISSING_PARAM"]);
  cases.push(["missing device_keys", without("device_keys"), 400, "M_MISSING_PARAM"]);
  cases.push(["device_id not a string", { ...good.body, device_id: 7 }, 400, "M_BAD_JSON"]);
  cases.push(["device_data not an object", { ...good.body, device_data: "x" }, 400, "M_BAD_JSON"]);
  cases.push(["device_data without algorithm", { ...good.body, device_data: { device_pickle: "x" } }, 400, "M_BAD_JSON"]);
  cases.push(["display name not a string", { ...good.body, initial_device_display_name: 1 }, 400, "M_BAD_JSON"]);
  cases.push(["device_keys not an object", { ...good.body, device_keys: [] }, 400, "M_BAD_JSON"]);
  cases.push(["one_time_keys not an object", { ...good.body, one_time_keys: "x" }, 400, "M_BAD_JSON"]);
  cases.push(["fallback_keys not an object", { ...good.body, fallback_keys: [1] }, 400, "M_BAD_JSON"]);
  cases.push(["empty device_id", { ...good.body, device_id: "" }, 400, "M_INVALID_PARAM"]);
  cases.push(["device_id not the keys' device", { ...good.body, device_id: "OTHERDEVICE" }, 400, "M_INVALID_PARAM"]);
  const dk = good.body.device_keys as Record<string, unknown>;
  cases.push(["device keys for another user", { ...good.body, device_keys: { ...dk, user_id: bob.userId } }, 400, "M_INVALID_PARAM"]);
  cases.push(["device keys signature broken", { ...good.body, device_keys: { ...dk, algorithms: ["m.megolm.v1.aes-sha2"] } }, 400, "M_INVALID_PARAM"]);
  cases.push(["device keys unsigned", { ...good.body, device_keys: { ...dk, signatures: {} } }, 400, "M_INVALID_PARAM"]);
  // Keys that are correctly signed but not marked dehydrated, or whose ID is not the Curve25519 key.
  const notMarked = await dehydratedBody(alice, { extraKeys: { dehydrated: false } });
  cases.push(["dehydrated: false", notMarked.body, 400, "M_INVALID_PARAM"]);
  const otherCurve = await dehydratedBody(alice);
  const wrongCurveKeys = await signJson(
    { ...withoutSigs(otherCurve.body.device_keys), keys: { [`curve25519:${otherCurve.deviceId}`]: encodeBase64(crypto.getRandomValues(new Uint8Array(32))), [`ed25519:${otherCurve.deviceId}`]: otherCurve.pair.publicKey } },
    alice.userId,
    otherCurve.pair.key,
  );
  cases.push(["device_id is not the curve25519 key", { ...otherCurve.body, device_keys: wrongCurveKeys }, 400, "M_INVALID_PARAM"]);
  // One-time keys signed by some other key.
  const stranger = strangerKey(good.deviceId);
  const badOtk = await signJson({ key: "AAAA" }, alice.userId, stranger);
  cases.push(["one-time key wrongly signed", { ...good.body, one_time_keys: { "signed_curve25519:x": badOtk } }, 400, "M_INVALID_PARAM"]);
  cases.push(["fallback key wrongly signed", { ...good.body, fallback_keys: { "signed_curve25519:x": badOtk } }, 400, "M_INVALID_PARAM"]);
  cases.push(["one-time key ID malformed", { ...good.body, one_time_keys: { nocolon: "AAAA" } }, 400, "M_INVALID_PARAM"]);
  cases.push(["one-time key wrong type", { ...good.body, one_time_keys: { "curve25519:a": 5 } }, 400, "M_INVALID_PARAM"]);
  // Taking over an existing (real) device ID is refused.
  const realPair = deviceSigningKey(alice.deviceId);
  const hijack = await signJson(
    {
      user_id: alice.userId,
      device_id: alice.deviceId,
      algorithms: ["m.olm.v1.curve25519-aes-sha2"],
      keys: { [`curve25519:${alice.deviceId}`]: alice.deviceId, [`ed25519:${alice.deviceId}`]: realPair.publicKey },
      dehydrated: true,
    },
    alice.userId,
    realPair.key,
  );
  cases.push(["an existing device's ID", { ...good.body, device_id: alice.deviceId, device_keys: hijack, one_time_keys: {}, fallback_keys: {} }, 400, "M_INVALID_PARAM"]);
  cases.push(["not JSON", "{nope", 400, "M_NOT_JSON"]);
  cases.push(["empty body", "", 400, "M_NOT_JSON"]);

  for (const [what, body, status, errcode] of cases) {
    const r = typeof body === "string" ? await call(base, "PUT", D, { token: alice.accessToken, rawBody: body }) : await put(alice, body);
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, errcode, `${what}: ${JSON.stringify(r.body)}`);
  }
  // Nothing was stored by any of them.
  assert.equal((await get(alice)).status, 404);
  assert.deepEqual(await deviceIds(alice), [alice.deviceId]);
  assert.deepEqual(Object.keys(await queryDevices(bob.accessToken, alice.userId)), []);

  // No token / unknown token.
  const noToken = await call(base, "PUT", D, { body: good.body });
  assert.equal(noToken.status, 401);
  assert.equal(noToken.body.errcode, "M_MISSING_TOKEN");
  const badToken = await call(base, "GET", D, { token: "lat_nope_nope" });
  assert.equal(badToken.status, 401);
  assert.equal(badToken.body.errcode, "M_UNKNOWN_TOKEN");
  assert.equal((await call(base, "DELETE", D, {})).status, 401);

  // An invalid PUT does not disturb an existing dehydrated device.
  assert.equal((await put(alice, good.body)).status, 200);
  assert.equal((await put(alice, { ...good.body, device_keys: { ...dk, signatures: {} } })).status, 400);
  assert.equal((await get(alice)).body.device_id, good.deviceId);
});

function withoutSigs(v: unknown): Record<string, unknown> {
  const o = { ...(v as Record<string, unknown>) };
  delete o.signatures;
  return o;
}

// ---- matrix-js-sdk with Rust crypto ------------------------------------------------------------

const eventually = makeEventually({ timeout: 30_000, every: 50 });

/**
 * A Rust-crypto device whose secret-storage key is `ssssKey` (the user's recovery key, which a
 * real client would ask the user for).
 */
async function cryptoDevice(user: TestUser, ssssKey: { current?: Uint8Array }): Promise<MatrixClient> {
  const client = createClient({
    baseUrl: base,
    userId: user.userId,
    accessToken: user.accessToken,
    deviceId: user.deviceId,
    cryptoCallbacks: {
      getSecretStorageKey: async ({ keys }) => {
        const keyId = Object.keys(keys)[0];
        return keyId && ssssKey.current ? [keyId, ssssKey.current] : null;
      },
    },
  });
  await client.initRustCrypto({ useIndexedDB: false });
  await client.startClient({ initialSyncLimit: 30 });
  clients.push(client);
  await eventually(`${user.deviceId} syncs`, () => client.isInitialSyncComplete());
  return client;
}

test("SDK: Alice's dehydrated device receives Bob's room key while she is offline; her new device rehydrates it and decrypts", async () => {
  const aliceUser = await registerUser(base);
  const bobUser = await registerUser(base);
  const ssssKey: { current?: Uint8Array } = {};
  const alice = await cryptoDevice(aliceUser, ssssKey);
  const bob = await cryptoDevice(bobUser, {});
  const aliceCrypto = alice.getCrypto();
  const bobCrypto = bob.getCrypto();
  assert.ok(aliceCrypto && bobCrypto);

  // An encrypted room both are in.
  const { room_id: roomId } = await bob.createRoom({
    invite: [aliceUser.userId],
    initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
  });
  await eventually("alice is invited", () => alice.getRoom(roomId)?.getMyMembership() === "invite");
  await alice.joinRoom(roomId);
  await eventually("bob sees alice join", () => bob.getRoom(roomId)?.getMember(aliceUser.userId)?.membership === "join");

  // Cross-signing and secret storage, then dehydration (the SDK refuses it without both).
  await aliceCrypto.bootstrapCrossSigning({
    authUploadDeviceSigningKeys: async (makeRequest) => {
      await makeRequest({ type: "m.login.password", identifier: { type: "m.id.user", user: aliceUser.userId }, password: aliceUser.password });
    },
  });
  await aliceCrypto.bootstrapSecretStorage({
    setupNewSecretStorage: true,
    createSecretStorageKey: async () => {
      const key = await aliceCrypto.createRecoveryKeyFromPassphrase();
      ssssKey.current = key.privateKey;
      return key;
    },
  });
  assert.equal(await aliceCrypto.isCrossSigningReady(), true);
  assert.equal(await aliceCrypto.isSecretStorageReady(), true);
  assert.equal(await aliceCrypto.isDehydrationSupported(), true);
  await aliceCrypto.startDehydration({ createNewKey: true });

  const stored = await call(base, "GET", D, { token: aliceUser.accessToken });
  assert.equal(stored.status, 200, JSON.stringify(stored.body));
  const dehydratedId = String(stored.body.device_id);
  const keys = await queryDevices(bobUser.accessToken, aliceUser.userId);
  assert.equal(keys[dehydratedId]?.dehydrated, true, "the SDK marks its dehydrated device's keys");

  // Bob's client learns about the dehydrated device (device_lists, then keys/query).
  await eventually("bob's client knows alice's dehydrated device", async () => {
    const devices = await bobCrypto.getUserDeviceInfo([aliceUser.userId], true);
    return devices.get(aliceUser.userId)?.get(dehydratedId)?.dehydrated === true;
  });

  // Alice goes away entirely: her only device logs out.
  alice.stopClient();
  assert.equal((await call(base, "POST", "/_matrix/client/v3/logout", { token: aliceUser.accessToken, body: {} })).status, 200);
  await eventually("bob's client forgets alice's logged-out device", async () => {
    const devices = await bobCrypto.getUserDeviceInfo([aliceUser.userId], true);
    return devices.get(aliceUser.userId)?.has(aliceUser.deviceId) === false;
  });

  const { event_id: eventId } = await bob.sendTextMessage(roomId, "for whichever device alice uses next");
  // A new login. The room key went to the dehydrated device, the only one she had.
  const alice2User = await loginNewDevice(base, aliceUser);
  await eventually("a to-device message waits for the dehydrated device", async () => {
    const r = await call(base, "POST", `${D}/${encodeURIComponent(dehydratedId)}/events`, { token: alice2User.accessToken, body: {} });
    return r.status === 200 && (r.body.events as unknown[]).length > 0;
  });

  // The new device restores cross-signing from secret storage, then rehydrates.
  const alice2 = await cryptoDevice(alice2User, ssssKey);
  const crypto2 = alice2.getCrypto();
  assert.ok(crypto2);
  await eventually("alice2 sees bob's message", () => findEvent(alice2, roomId, eventId) !== undefined);
  // Importing the private keys needs the public ones first (keys/query of her own user).
  await eventually("alice2 has her public cross-signing keys", async () => crypto2.userHasCrossSigningKeys(aliceUser.userId, true));
  await crypto2.bootstrapCrossSigning({});
  await eventually("alice2's cross-signing is ready", async () => crypto2.isCrossSigningReady());
  let rehydrated = false;
  alice2.on(CryptoEvent.RehydrationCompleted, () => {
    rehydrated = true;
  });
  await crypto2.startDehydration();
  assert.ok(rehydrated, "the SDK rehydrated the device");
  // The event was undecryptable until now; decrypt it again with the imported key.
  const ev = findEvent(alice2, roomId, eventId);
  assert.ok(ev);
  if (ev.isDecryptionFailure()) await alice2.decryptEventIfNeeded(ev, { isRetry: true });
  assert.equal(await decryptedBody(alice2, roomId, eventId), "for whichever device alice uses next");

  // startDehydration made a fresh dehydrated device, replacing the one just used.
  const after2 = await call(base, "GET", D, { token: alice2User.accessToken });
  assert.equal(after2.status, 200);
  assert.notEqual(after2.body.device_id, dehydratedId);
});
