/**
 * Bad input, part 3: a server with rate limits on and registration closed.
 * Spec: client-server-api "Rate limiting" (429 M_LIMIT_EXCEEDED with retry_after_ms) and
 * registration (403 when registration is disabled).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, call, type RunningServer } from "./harness.js";

let server: RunningServer;

before(async () => {
  server = await startServer({ vars: { RATE_LIMITS: "on", REGISTRATION: "closed" } });
});

after(async () => {
  await server?.stop();
});

test("closed registration refuses new accounts with 403 M_FORBIDDEN", async () => {
  for (const body of [{ username: "eve", password: "pw-eve-123", auth: { type: "m.login.dummy" } }, { username: "eve", password: "pw-eve-123" }]) {
    const r = await call(server.baseUrl, "POST", "/_matrix/client/v3/register", { body });
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.errcode, "M_FORBIDDEN");
  }
  const avail = await call(server.baseUrl, "GET", "/_matrix/client/v3/register/available?username=eve");
  assert.notEqual(avail.body.errcode, "M_USER_IN_USE", "eve was not created");
  const login = await call(server.baseUrl, "POST", "/_matrix/client/v3/login", { body: { type: "m.login.password", user: "eve", password: "pw-eve-123" } });
  assert.equal(login.status, 403);
});

test("hammering /login gives 429 M_LIMIT_EXCEEDED with retry_after_ms", async () => {
  let limited: { status: number; body: Record<string, unknown> } | undefined;
  for (let i = 0; i < 100 && !limited; i++) {
    const r = await call(server.baseUrl, "POST", "/_matrix/client/v3/login", { body: { type: "m.login.password", user: "nobody", password: `guess${i}` } });
    if (r.status === 429) limited = r;
    else assert.equal(r.status, 403, `attempt ${i}: ${JSON.stringify(r.body)}`);
  }
  assert.ok(limited, "rate limited within 100 attempts");
  assert.equal(limited.body.errcode, "M_LIMIT_EXCEEDED");
  assert.equal(typeof limited.body.retry_after_ms, "number");
  assert.ok(Number(limited.body.retry_after_ms) > 0);
  // Still limited on the next try, with CORS headers on the 429 too.
  const res = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: "https://app.element.io" },
    body: JSON.stringify({ type: "m.login.password", user: "nobody", password: "again" }),
  });
  assert.equal(res.status, 429);
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(body.errcode, "M_LIMIT_EXCEEDED");
});
