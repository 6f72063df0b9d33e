/**
 * Media through matrix-js-sdk, as Element does it: alice uploads a picture with uploadContent
 * and sends an m.image; bob receives the event by sync and fetches the bytes and a thumbnail
 * from the authenticated media endpoints (mxcUrlToHttp with useAuthentication).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { MsgType, type MatrixClient } from "matrix-js-sdk";
import { startServer, type RunningServer, type TestUser } from "./harness.js";
import { registerWithClient, eventually } from "./sdkHelpers.js";
import { makePng } from "./mediaImages.js";
import { readImageHeader } from "../../worker/media/imageHeader.js";

// matrix-js-sdk arms a 110 s timer per request for its local timeout and leaves it running after
// the request completes, which keeps this test process alive for two minutes after the test is
// done. Long timers are unref'd so the process ends with the test; they still fire if it runs.
const armTimer = globalThis.setTimeout;
globalThis.setTimeout = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  const t = armTimer(fn, ms, ...args);
  if ((ms ?? 0) >= 60_000) t.unref();
  return t;
}) as typeof globalThis.setTimeout;

let server: RunningServer;
let bobUser: TestUser;
let alice: MatrixClient;
let bob: MatrixClient;

before(async () => {
  server = await startServer();
  [, alice] = await registerWithClient(server.baseUrl);
  [bobUser, bob] = await registerWithClient(server.baseUrl);
});

after(async () => {
  alice?.stopClient();
  bob?.stopClient();
  await server?.stop();
});

test("alice uploads an image and sends m.image; bob downloads identical bytes and a thumbnail", async () => {
  const picture = makePng(320, 240);
  const uploaded = await alice.uploadContent(new Blob([new Uint8Array(picture)], { type: "image/png" }), { name: "cat.png", type: "image/png" });
  assert.match(uploaded.content_uri, /^mxc:\/\/localhost\//);

  const { room_id: roomId } = await alice.createRoom({ name: "Pictures", invite: [bobUser.userId] });
  await eventually("bob sees the invite", () => bob.getRoom(roomId)?.getMyMembership() === "invite");
  await bob.joinRoom(roomId);
  await eventually("alice sees bob joined", () => alice.getRoom(roomId)?.getMember(bobUser.userId)?.membership === "join");

  await alice.sendMessage(roomId, {
    msgtype: MsgType.Image,
    body: "cat.png",
    url: uploaded.content_uri,
    info: { mimetype: "image/png", size: picture.length, w: 320, h: 240 },
  });
  const event = await eventually("bob receives the image event", () =>
    bob.getRoom(roomId)?.getLiveTimeline().getEvents().find((e) => e.getContent().msgtype === MsgType.Image),
  );
  const url = String(event.getContent().url);
  assert.equal(url, uploaded.content_uri);

  const httpUrl = bob.mxcUrlToHttp(url, undefined, undefined, undefined, false, true, true);
  assert.ok(httpUrl?.includes("/_matrix/client/v1/media/download/"), String(httpUrl));
  const r = await fetch(String(httpUrl), { headers: { Authorization: `Bearer ${bobUser.accessToken}` } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-type"), "image/png");
  assert.deepEqual(Buffer.from(await r.arrayBuffer()), picture);

  const thumbUrl = bob.mxcUrlToHttp(url, 96, 96, "crop", false, true, true);
  const t = await fetch(String(thumbUrl), { headers: { Authorization: `Bearer ${bobUser.accessToken}` } });
  assert.equal(t.status, 200);
  assert.deepEqual(readImageHeader(new Uint8Array(await t.arrayBuffer())), { format: "png", width: 96, height: 96 });

  // Without a token the authenticated endpoint refuses.
  const anon = await fetch(String(httpUrl));
  assert.equal(anon.status, 401);
  await anon.arrayBuffer();
});
