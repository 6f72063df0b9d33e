/**
 * GET /devices and /devices/{deviceId} (spec: device_management.yaml): every device carries
 * device_id, display_name, last_seen_ip and last_seen_ts, null when unknown, as Synapse returns
 * them (matrix-nio rejects a response without these keys). last_seen_ip is the address of the
 * client's latest authenticated request (CF-Connecting-IP at Cloudflare's edge; the local
 * runtime fills it with the socket's address when a client sends none).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, registerUser, call, loginNewDevice, type RunningServer, type TestUser } from "./harness.js";

let server: RunningServer;
let alice: TestUser;
const enc = encodeURIComponent;

before(async () => {
  server = await startServer();
  alice = await registerUser(server.baseUrl, "alice");
});

after(async () => {
  await server?.stop();
});

type Device = Record<string, unknown>;

async function get(u: TestUser, path: string, ip?: string): Promise<Record<string, unknown>> {
  const r = await call(server.baseUrl, "GET", path, { token: u.accessToken, headers: ip ? { "CF-Connecting-IP": ip } : {} });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

function assertShape(d: Device): void {
  assert.deepEqual(Object.keys(d).sort(), ["device_id", "display_name", "last_seen_ip", "last_seen_ts"], JSON.stringify(d));
  assert.equal(typeof d.device_id, "string");
  assert.ok(d.display_name === null || typeof d.display_name === "string");
  assert.ok(d.last_seen_ip === null || typeof d.last_seen_ip === "string");
  assert.ok(d.last_seen_ts === null || Number.isSafeInteger(d.last_seen_ts));
}

test("every device has display_name, last_seen_ip and last_seen_ts; the requesting device shows its client's address", async () => {
  const login = await call(server.baseUrl, "POST", "/_matrix/client/v3/login", {
    body: { type: "m.login.password", identifier: { type: "m.id.user", user: alice.userId }, password: alice.password, initial_device_display_name: "Phone" },
  });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const phoneId = String(login.body.device_id);

  const list = (await get(alice, "/_matrix/client/v3/devices", "203.0.113.7")).devices as Device[];
  assert.deepEqual(list.map((d) => d.device_id).sort(), [alice.deviceId, phoneId].sort());
  for (const d of list) assertShape(d);
  const mine = list.find((d) => d.device_id === alice.deviceId);
  const phone = list.find((d) => d.device_id === phoneId);
  assert.equal(mine?.display_name, null, "registered without initial_device_display_name");
  assert.equal(mine?.last_seen_ip, "203.0.113.7");
  assert.equal(typeof mine?.last_seen_ts, "number");
  assert.equal(phone?.display_name, "Phone");
  assert.equal(phone?.last_seen_ip, null, "the phone has made no authenticated request yet");

  const one = await get(alice, `/_matrix/client/v3/devices/${enc(phoneId)}`);
  assertShape(one);
  assert.equal(one.display_name, "Phone");
});

test("a request from a new address updates last_seen_ip at once", async () => {
  await get(alice, "/_matrix/client/v3/account/whoami", "198.51.100.1");
  await get(alice, "/_matrix/client/v3/account/whoami", "198.51.100.2");
  // Read from another device and address, so that only the second whoami can have recorded .2.
  const other = await loginNewDevice(server.baseUrl, alice);
  const d = await get(other, `/_matrix/client/v3/devices/${enc(alice.deviceId)}`, "198.51.100.99");
  assertShape(d);
  assert.equal(d.last_seen_ip, "198.51.100.2");
});

test("a /sync, also a long-poll, counts as being seen", async () => {
  const first = await call(server.baseUrl, "GET", "/_matrix/client/v3/sync?timeout=0", { token: alice.accessToken, headers: { "CF-Connecting-IP": "192.0.2.43" } });
  assert.equal(first.status, 200);
  const since = enc(String(first.body.next_batch));
  await call(server.baseUrl, "GET", `/_matrix/client/v3/sync?timeout=10&since=${since}`, { token: alice.accessToken, headers: { "CF-Connecting-IP": "192.0.2.44" } });
  // Read from another device, so that only the /sync can have recorded this address.
  const other = await loginNewDevice(server.baseUrl, alice);
  const d = await get(other, `/_matrix/client/v3/devices/${enc(alice.deviceId)}`, "192.0.2.99");
  assert.equal(d.last_seen_ip, "192.0.2.44");
});
