/**
 * Device keys and key backup accept what Synapse accepts (issue 14): the server checks that
 * uploaded device keys name the uploading user and device and have the spec's shape, and leaves
 * the signatures on a device's own keys to the clients that fetch them. A backup whose auth_data
 * signatures the server cannot verify is stored too (Synapse checks only that it is an object).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient, type MatrixClient } from "matrix-js-sdk";
import { startServer, call, registerUser, type RunningServer, type TestUser } from "./harness.js";

let server: RunningServer;
let base: string;
const C = "/_matrix/client/v3";

before(async () => {
  server = await startServer();
  base = server.baseUrl;
});
after(async () => {
  await server?.stop();
});

function sdk(user: TestUser): MatrixClient {
  return createClient({ baseUrl: base, userId: user.userId, accessToken: user.accessToken, deviceId: user.deviceId });
}

/** Device keys a client could send, with a signature nobody can verify. */
function placeholderDeviceKeys(user: TestUser): Record<string, unknown> {
  return {
    user_id: user.userId,
    device_id: user.deviceId,
    algorithms: ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
    keys: { [`curve25519:${user.deviceId}`]: "Y3VydmVrZXk", [`ed25519:${user.deviceId}`]: "ZWRrZXk" },
    signatures: { [user.userId]: { [`ed25519:${user.deviceId}`]: "placeholder-signature" } },
  };
}

async function ownDevices(user: TestUser): Promise<Record<string, Record<string, unknown>>> {
  const r = await call(base, "POST", `${C}/keys/query`, { token: user.accessToken, body: { device_keys: { [user.userId]: [] } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return ((r.body.device_keys as Record<string, unknown>)[user.userId] ?? {}) as Record<string, Record<string, unknown>>;
}

test("keys/upload stores device keys and one-time keys whose signatures the server cannot verify", async () => {
  const alice = await registerUser(base);
  const client = sdk(alice);
  const res = await client.uploadKeysRequest({
    device_keys: placeholderDeviceKeys(alice) as never,
    one_time_keys: { "signed_curve25519:AAAAAQ": { key: "b3RrMQ", signatures: { [alice.userId]: { [`ed25519:${alice.deviceId}`]: "bad" } } } },
    fallback_keys: { "signed_curve25519:AAAAAg": { key: "ZmIx", fallback: true, signatures: { [alice.userId]: { [`ed25519:${alice.deviceId}`]: "bad" } } } },
  } as never);
  assert.equal(res.one_time_key_counts.signed_curve25519, 1);
  const dev = (await ownDevices(alice))[alice.deviceId];
  assert.ok(dev, "the device's keys are handed out");
  assert.deepEqual(dev.keys, placeholderDeviceKeys(alice).keys);
  // Another user can claim the one-time key: the claiming client checks the signature.
  const bob = await registerUser(base);
  const claim = await call(base, "POST", `${C}/keys/claim`, { token: bob.accessToken, body: { one_time_keys: { [alice.userId]: { [alice.deviceId]: "signed_curve25519" } } } });
  assert.equal(claim.status, 200);
  const claimed = ((claim.body.one_time_keys as Record<string, Record<string, Record<string, unknown>>>)[alice.userId] ?? {})[alice.deviceId];
  assert.ok(claimed && "signed_curve25519:AAAAAQ" in claimed, JSON.stringify(claim.body));
});

test("keys/upload refuses device_keys naming another user or device, or malformed, with M_BAD_JSON; nothing is stored", async () => {
  const carol = await registerUser(base);
  const good = placeholderDeviceKeys(carol);
  const cases: [string, unknown][] = [
    ["another user", { ...good, user_id: "@someoneelse:localhost" }],
    ["another device", { ...good, device_id: "OTHERDEVICE" }],
    ["no user_id", { ...good, user_id: undefined }],
    ["not an object", "keys"],
    ["algorithms not a list", { ...good, algorithms: "m.megolm.v1.aes-sha2" }],
    ["keys not strings", { ...good, keys: { [`ed25519:${carol.deviceId}`]: 5 } }],
    ["no signatures", { ...good, signatures: undefined }],
    ["signatures not a map of maps", { ...good, signatures: { [carol.userId]: "sig" } }],
  ];
  for (const [what, deviceKeys] of cases) {
    const r = await call(base, "POST", `${C}/keys/upload`, { token: carol.accessToken, body: { device_keys: deviceKeys } });
    assert.equal(r.status, 400, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, "M_BAD_JSON", what);
  }
  // Through the SDK too: the error reaches the client as M_BAD_JSON.
  await assert.rejects(sdk(carol).uploadKeysRequest({ device_keys: { ...good, device_id: "NOTMINE" } } as never), (e: { errcode?: string }) => e.errcode === "M_BAD_JSON");
  const oneTimeBad = await call(base, "POST", `${C}/keys/upload`, { token: carol.accessToken, body: { one_time_keys: { nocolon: "x" } } });
  assert.equal(oneTimeBad.status, 400);
  const noToken = await call(base, "POST", `${C}/keys/upload`, { body: { device_keys: good } });
  assert.equal(noToken.status, 401);
  assert.equal(noToken.body.errcode, "M_MISSING_TOKEN");
  const badToken = await call(base, "POST", `${C}/keys/upload`, { token: "not-a-token", body: { device_keys: good } });
  assert.equal(badToken.status, 401);
  assert.equal(badToken.body.errcode, "M_UNKNOWN_TOKEN");
  const malformed = await call(base, "POST", `${C}/keys/upload`, { token: carol.accessToken, rawBody: "{not json" });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.errcode, "M_NOT_JSON");
  assert.deepEqual(await ownDevices(carol), {}, "nothing was stored");
});

test("a key backup with auth_data signatures the server cannot verify is created and read back", async () => {
  const dave = await registerUser(base);
  // The device uploads placeholder-signed keys first, as a client setting up backup does.
  assert.equal((await call(base, "POST", `${C}/keys/upload`, { token: dave.accessToken, body: { device_keys: placeholderDeviceKeys(dave) } })).status, 200);
  const authData = {
    public_key: "cHVibGlja2V5",
    signatures: { [dave.userId]: { [`ed25519:${dave.deviceId}`]: "unverifiable", "ed25519:somecrosssigningkey": "also-unverifiable" } },
  };
  const created = await call(base, "POST", `${C}/room_keys/version`, { token: dave.accessToken, body: { algorithm: "m.megolm_backup.v1.curve25519-aes-sha2", auth_data: authData } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const info = (await call(base, "GET", `${C}/room_keys/version`, { token: dave.accessToken })).body;
  assert.equal(info.version, created.body.version);
  assert.deepEqual(info.auth_data, authData);
  // Another algorithm is the client's business too.
  const other = await call(base, "POST", `${C}/room_keys/version`, { token: dave.accessToken, body: { algorithm: "org.example.backup", auth_data: {} } });
  assert.equal(other.status, 200);
});

test("room_keys/version refuses a missing algorithm or a non-object auth_data, and keeps the current backup", async () => {
  const erin = await registerUser(base);
  const first = await call(base, "POST", `${C}/room_keys/version`, { token: erin.accessToken, body: { algorithm: "m.megolm_backup.v1.curve25519-aes-sha2", auth_data: { public_key: "a" } } });
  assert.equal(first.status, 200);
  const cases: [string, unknown, string][] = [
    ["no algorithm", { auth_data: {} }, "M_MISSING_PARAM"],
    ["auth_data a string", { algorithm: "m.megolm_backup.v1.curve25519-aes-sha2", auth_data: "x" }, "M_BAD_JSON"],
    ["no auth_data", { algorithm: "m.megolm_backup.v1.curve25519-aes-sha2" }, "M_MISSING_PARAM"],
  ];
  for (const [what, body, errcode] of cases) {
    const r = await call(base, "POST", `${C}/room_keys/version`, { token: erin.accessToken, body });
    assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, errcode, what);
  }
  const noToken = await call(base, "POST", `${C}/room_keys/version`, { body: { algorithm: "a", auth_data: {} } });
  assert.equal(noToken.status, 401);
  const current = await call(base, "GET", `${C}/room_keys/version`, { token: erin.accessToken });
  assert.equal(current.body.version, first.body.version);
  assert.deepEqual(current.body.auth_data, { public_key: "a" });
});
