/**
 * GET /voip/turnServer (spec: voip.yaml): coturn-style shared-secret credentials, Cloudflare's
 * managed TURN (against a loopback fake of its API), and the answer with nothing configured.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createClient } from "matrix-js-sdk";
import { startServer, registerUser, call, type RunningServer, type TestUser } from "./harness.js";

const started: RunningServer[] = [];
after(async () => {
  for (const s of started) await s.stop();
});

async function start(vars?: Record<string, string>): Promise<RunningServer> {
  const s = await startServer({ vars });
  started.push(s);
  return s;
}

function sdk(server: RunningServer, user: TestUser) {
  return createClient({ baseUrl: server.baseUrl, userId: user.userId, accessToken: user.accessToken, deviceId: user.deviceId });
}

async function registerGuest(base: string): Promise<{ token: string; userId: string }> {
  const r = await call(base, "POST", "/_matrix/client/v3/register?kind=guest", { body: {} });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { token: String(r.body.access_token), userId: String(r.body.user_id) };
}

test("shared secret: credentials a coturn server with that secret accepts, for users and guests", async () => {
  const secret = "coturn-static-auth-secret";
  const server = await start({ TURN_URIS: "turn:turn.example.org:3478?transport=udp, turns:turn.example.org:5349", TURN_SHARED_SECRET: secret, TURN_TTL: "7200" });
  const alice = await registerUser(server.baseUrl, "alice");
  const before = Math.floor(Date.now() / 1000);
  const res = await sdk(server, alice).turnServer();
  const after = Math.floor(Date.now() / 1000);
  assert.deepEqual(res.uris, ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"]);
  assert.equal(res.ttl, 7200);
  const [expiry, ...rest] = res.username.split(":");
  assert.equal(rest.join(":"), alice.userId);
  assert.ok(Number(expiry) >= before + 7200 && Number(expiry) <= after + 7200, `expiry ${expiry}`);
  assert.equal(res.password, createHmac("sha1", secret).update(res.username).digest("base64"));

  const guest = await registerGuest(server.baseUrl);
  const g = await call(server.baseUrl, "GET", "/_matrix/client/v3/voip/turnServer", { token: guest.token });
  assert.equal(g.status, 200);
  assert.ok(String(g.body.username).endsWith(`:${guest.userId}`));
  assert.equal(g.body.password, createHmac("sha1", secret).update(String(g.body.username)).digest("base64"));

  // Without a valid access token: the spec's 401s, no credentials.
  const none = await call(server.baseUrl, "GET", "/_matrix/client/v3/voip/turnServer");
  assert.equal(none.status, 401);
  assert.equal(none.body.errcode, "M_MISSING_TOKEN");
  assert.equal(none.body.username, undefined);
  const bad = await call(server.baseUrl, "GET", "/_matrix/client/v3/voip/turnServer", { token: "not-a-token" });
  assert.equal(bad.status, 401);
  assert.equal(bad.body.errcode, "M_UNKNOWN_TOKEN");
  assert.equal(bad.body.password, undefined);
});

test("nothing configured: 200 with an empty object, as Synapse answers", async () => {
  const server = await start();
  const alice = await registerUser(server.baseUrl, "alice");
  assert.deepEqual(await sdk(server, alice).turnServer(), {});
});

/** A loopback stand-in for Cloudflare's Realtime TURN API; `answer` decides each reply. */
async function fakeCloudflare(answer: (req: IncomingMessage, body: string) => { status: number; body: unknown }): Promise<{ base: string; seen: { url: string; auth: string; body: string }[]; close: () => Promise<void> }> {
  const seen: { url: string; auth: string; body: string }[] = [];
  const srv: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ url: `${req.method} ${req.url}`, auth: String(req.headers.authorization), body });
      const a = answer(req, body);
      res.writeHead(a.status, { "content-type": "application/json" });
      res.end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as AddressInfo).port;
  return { base: `http://127.0.0.1:${port}/v1`, seen, close: () => new Promise((r) => srv.close(() => r())) };
}

test("Cloudflare TURN: credentials minted with the TURN key, mapped to the spec's answer; a failing API answers {}", async () => {
  let fail = false;
  const cf = await fakeCloudflare(() =>
    fail
      ? { status: 401, body: { success: false, errors: [{ message: "Authentication error" }] } }
      : {
          status: 201,
          body: {
            iceServers: [
              { urls: ["stun:stun.cloudflare.com:3478", "stun:stun.cloudflare.com:53"] },
              {
                urls: ["turn:turn.cloudflare.com:3478?transport=udp", "turn:turn.cloudflare.com:3478?transport=tcp", "turns:turn.cloudflare.com:5349?transport=tcp"],
                username: "cf-user-123",
                credential: "cf-credential-456",
              },
            ],
          },
        },
  );
  try {
    const server = await start({ CLOUDFLARE_TURN_KEY_ID: "key-abc", CLOUDFLARE_TURN_KEY_API_TOKEN: "token-xyz", CLOUDFLARE_TURN_API_BASE: cf.base, TURN_TTL: "600" });
    const alice = await registerUser(server.baseUrl, "alice");
    const res = await sdk(server, alice).turnServer();
    assert.deepEqual(res, {
      username: "cf-user-123",
      password: "cf-credential-456",
      uris: ["turn:turn.cloudflare.com:3478?transport=udp", "turn:turn.cloudflare.com:3478?transport=tcp", "turns:turn.cloudflare.com:5349?transport=tcp"],
      ttl: 600,
    });
    assert.equal(cf.seen.length, 1);
    assert.equal(cf.seen[0].url, "POST /v1/turn/keys/key-abc/credentials/generate-ice-servers");
    assert.equal(cf.seen[0].auth, "Bearer token-xyz");
    assert.deepEqual(JSON.parse(cf.seen[0].body), { ttl: 600 });

    // No token: refused before Cloudflare is asked.
    const none = await call(server.baseUrl, "GET", "/_matrix/client/v3/voip/turnServer");
    assert.equal(none.status, 401);
    assert.equal(cf.seen.length, 1);

    fail = true;
    const r = await call(server.baseUrl, "GET", "/_matrix/client/v3/voip/turnServer", { token: alice.accessToken });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {});
    assert.equal(cf.seen.length, 2);
  } finally {
    await cf.close();
  }
});
