/**
 * End-to-end encryption with matrix-js-sdk and its Rust crypto (the stack under Element) against
 * a running Lattice: every device must decrypt what it should, which exercises keys upload,
 * query and claim, to-device delivery, device list tracking, cross-signing and key backup.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { MatrixClient } from "matrix-js-sdk";
import { startServer, registerUser, call, makeEventually, loginNewDevice, type RunningServer, type TestUser } from "./harness.js";
import { startCryptoClient as startDevice, decryptedBody, findEvent } from "./sdkHelpers.js";

let server: RunningServer;
const clients: MatrixClient[] = [];
const eventually = makeEventually({ timeout: 30_000, every: 50 });

before(async () => {
  server = await startServer();
});

after(async () => {
  for (const c of clients) c.stopClient();
  await server?.stop();
});

/** A logged-in device with Rust crypto (in memory), syncing, its keys published. */
function startCryptoClient(user: TestUser): Promise<MatrixClient> {
  return startDevice(server.baseUrl, user, clients);
}

async function encryptedRoom(creator: MatrixClient, others: MatrixClient[]): Promise<string> {
  const { room_id: roomId } = await creator.createRoom({
    invite: others.map((c) => c.getUserId() ?? ""),
    initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
  });
  for (const o of others) {
    await eventually("invite arrives", () => o.getRoom(roomId)?.getMyMembership() === "invite");
    await o.joinRoom(roomId);
  }
  await eventually("everyone joined", () => creator.getRoom(roomId)?.getJoinedMemberCount() === others.length + 1);
  for (const o of others) await eventually("room is encrypted for members", () => o.getRoom(roomId)?.hasEncryptionStateEvent() === true);
  return roomId;
}

let alice: MatrixClient;
let bob: MatrixClient;
let aliceUser: TestUser;
let bobUser: TestUser;
let roomId: string;

test("Alice and Bob exchange encrypted messages and both decrypt them", async () => {
  aliceUser = await registerUser(server.baseUrl);
  bobUser = await registerUser(server.baseUrl);
  alice = await startCryptoClient(aliceUser);
  bob = await startCryptoClient(bobUser);
  roomId = await encryptedRoom(alice, [bob]);

  const { event_id: e1 } = await alice.sendTextMessage(roomId, "hello bob, secretly");
  assert.equal(await decryptedBody(bob, roomId, e1), "hello bob, secretly");
  const { event_id: e2 } = await bob.sendTextMessage(roomId, "hello alice");
  assert.equal(await decryptedBody(alice, roomId, e2), "hello alice");
  // The server only ever stored ciphertext.
  const raw = await call(server.baseUrl, "GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(e1)}`, { token: bobUser.accessToken });
  assert.equal(raw.body.type, "m.room.encrypted");
});

test("Bob logs in on a second device and decrypts Alice's next message", async () => {
  const bob2User = await loginNewDevice(server.baseUrl, bobUser);
  const bob2 = await startCryptoClient(bob2User);
  await eventually("bob2 sees the room", () => bob2.getRoom(roomId)?.getMyMembership() === "join");
  // Alice learns about the new device through device_lists.changed in her sync (and then keys/query);
  // only once her client knows the device can it share the session with it.
  await eventually("alice's client knows bob's second device", async () => {
    const devices = await alice.getCrypto()?.getUserDeviceInfo([bobUser.userId]);
    return devices?.get(bobUser.userId)?.has(bob2User.deviceId) === true;
  });
  const { event_id } = await alice.sendTextMessage(roomId, "for both of bob's devices");
  assert.equal(await decryptedBody(bob2, roomId, event_id), "for both of bob's devices");
  assert.equal(await decryptedBody(bob, roomId, event_id), "for both of bob's devices");
});

test("Alice bootstraps cross-signing and key backup; a new device restores the backup and decrypts history", async () => {
  const crypto = alice.getCrypto();
  assert.ok(crypto);
  await crypto.bootstrapCrossSigning({
    authUploadDeviceSigningKeys: async (makeRequest) => {
      await makeRequest({ type: "m.login.password", identifier: { type: "m.id.user", user: aliceUser.userId }, password: aliceUser.password });
    },
  });
  assert.equal(await crypto.isCrossSigningReady(), true);
  // The signature reaches the device through keys/signatures/upload, device_lists and keys/query.
  await eventually("the device is signed by the self-signing key", async () => (await crypto.getDeviceVerificationStatus(aliceUser.userId, aliceUser.deviceId))?.crossSigningVerified === true);

  const { event_id: history } = await alice.sendTextMessage(roomId, "history worth keeping");
  await crypto.resetKeyBackup();
  const version = await eventually("backup version", async () => (await crypto.getActiveSessionBackupVersion()) ?? undefined);
  await eventually("keys reach the backup", async () => {
    const r = await call(server.baseUrl, "GET", "/_matrix/client/v3/room_keys/version", { token: aliceUser.accessToken });
    return typeof r.body.count === "number" && r.body.count >= 1;
  });
  const backupKey = await crypto.getSessionBackupPrivateKey();
  assert.ok(backupKey);

  // A fresh device: no room keys until it restores the backup.
  const alice2User = await loginNewDevice(server.baseUrl, aliceUser);
  const alice2 = await startCryptoClient(alice2User);
  await eventually("alice2 sees the history event", () => findEvent(alice2, roomId, history) !== undefined);
  const crypto2 = alice2.getCrypto();
  assert.ok(crypto2);
  await crypto2.storeSessionBackupPrivateKey(backupKey, version);
  const restored = await crypto2.restoreKeyBackup();
  assert.ok(restored.imported >= 1, JSON.stringify(restored));
  assert.equal(await decryptedBody(alice2, roomId, history), "history worth keeping");
  // Bob sees Alice's cross-signing keys.
  const q = await call(server.baseUrl, "POST", "/_matrix/client/v3/keys/query", { token: bobUser.accessToken, body: { device_keys: { [aliceUser.userId]: [] } } });
  assert.ok((q.body.master_keys as Record<string, unknown>)[aliceUser.userId]);
  assert.ok((q.body.self_signing_keys as Record<string, unknown>)[aliceUser.userId]);
  assert.equal((q.body.user_signing_keys as Record<string, unknown>)[aliceUser.userId], undefined, "user-signing key only to its owner");
});

test("5 users on 10 devices: every message decrypts on every device", async () => {
  const users = await Promise.all(Array.from({ length: 5 }, () => registerUser(server.baseUrl)));
  const devices: MatrixClient[] = [];
  for (const u of users) devices.push(await startCryptoClient(u));
  const creator = devices[0];
  const rid = await encryptedRoom(
    creator,
    devices.slice(1),
  );
  for (const u of users) devices.push(await startCryptoClient(await loginNewDevice(server.baseUrl, u)));
  for (const d of devices.slice(5)) await eventually("second device sees the room", () => d.getRoom(rid)?.getMyMembership() === "join");
  const sent: [string, string][] = [];
  for (const [i, sender] of devices.entries()) {
    const body = `message ${i} from ${sender.getUserId()} ${sender.getDeviceId()}`;
    const { event_id } = await sender.sendTextMessage(rid, body);
    sent.push([event_id, body]);
  }
  for (const d of devices) {
    for (const [eventId, body] of sent) assert.equal(await decryptedBody(d, rid, eventId), body);
  }
});
