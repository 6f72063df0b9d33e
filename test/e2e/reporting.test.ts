/**
 * Reporting content (spec: client-server-api "Reporting content", report_content.yaml): events,
 * rooms and users, through matrix-js-sdk where it has the call; bad input refused with the spec's
 * errors and nothing stored. What was stored is read through the test-only REPORTS_TEST_HOOK.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient, type MatrixClient } from "matrix-js-sdk";
import { startServer, registerUsers, call, callOk as callOkAt, type RunningServer, type TestUser } from "./harness.js";

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let roomId: string;
let eventId: string;
let aliceSdk: MatrixClient;

const enc = encodeURIComponent;
/** A Client-Server API call that must answer 200 (`path` under /_matrix/client/v3). */
const callOk = (s: RunningServer, u: TestUser, method: string, path: string, body?: unknown) => callOkAt(s, u, method, `/_matrix/client/v3${path}`, body);

before(async () => {
  server = await startServer({ vars: { REPORTS_TEST_HOOK: "true" } });
  [alice, bob, carol] = await registerUsers(server.baseUrl, "alice", "bob", "carol");
  roomId = String((await callOk(server, alice, "POST", "/createRoom", { preset: "public_chat" })).room_id);
  await callOk(server, bob, "POST", `/join/${enc(roomId)}`, {});
  eventId = String((await callOk(server, bob, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/t1`, { msgtype: "m.text", body: "offensive" })).event_id);
  aliceSdk = createClient({ baseUrl: server.baseUrl, userId: alice.userId, accessToken: alice.accessToken, deviceId: alice.deviceId });
});

after(async () => {
  await server?.stop();
});

interface StoredReport {
  kind: string;
  reporter: string;
  roomId: string | null;
  eventId: string | null;
  userId: string | null;
  reason: string | null;
  content: Record<string, unknown> | null;
}

async function storedReports(): Promise<StoredReport[]> {
  const r = await call(server.baseUrl, "GET", "/_lattice/test/content_reports");
  assert.equal(r.status, 200);
  return r.body.reports as StoredReport[];
}

/** Sends a request that must be refused with `status`/`errcode` and checks nothing was stored. */
async function refused(status: number, errcode: string, path: string, opts: Parameters<typeof call>[3]): Promise<void> {
  const before = await storedReports();
  const r = await call(server.baseUrl, "POST", `/_matrix/client/v3${path}`, opts);
  assert.equal(r.status, status, `${path}: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.errcode, errcode, path);
  assert.deepEqual(await storedReports(), before, `${path}: nothing stored`);
}

test("a joined member reports an event through the SDK; the report is kept with its reason", async () => {
  assert.deepEqual(await aliceSdk.reportEvent(roomId, eventId, -100, "spam"), {});
  const last = (await storedReports()).at(-1);
  assert.deepEqual(
    { kind: last?.kind, reporter: last?.reporter, roomId: last?.roomId, eventId: last?.eventId, reason: last?.reason, content: last?.content },
    { kind: "event", reporter: alice.userId, roomId, eventId, reason: "spam", content: { score: -100, reason: "spam" } },
  );
  // Without a reason (optional for events): still a report.
  await callOk(server, alice, "POST", `/rooms/${enc(roomId)}/report/${enc(eventId)}`, {});
  assert.equal((await storedReports()).at(-1)?.reason, null);
});

test("event reports: not joined, unknown or redacted events are 404 M_NOT_FOUND; bad input refused; nothing stored", async () => {
  const path = `/rooms/${enc(roomId)}/report/${enc(eventId)}`;
  // Carol never joined the public room: she may not report its events (spec v1.8).
  await refused(404, "M_NOT_FOUND", path, { token: carol.accessToken, body: { reason: "x" } });
  await refused(404, "M_NOT_FOUND", `/rooms/${enc(roomId)}/report/${enc("$nosuchevent")}`, { token: alice.accessToken, body: { reason: "x" } });
  await refused(404, "M_NOT_FOUND", `/rooms/${enc("!nosuchroom:" + server.serverName)}/report/${enc(eventId)}`, { token: alice.accessToken, body: { reason: "x" } });
  await refused(404, "M_NOT_FOUND", `/rooms/not-a-room-id/report/${enc(eventId)}`, { token: alice.accessToken, body: {} });
  // The event of another room, reported under this room's ID.
  const other = String((await callOk(server, alice, "POST", "/createRoom", {})).room_id);
  const otherEvent = String((await callOk(server, alice, "PUT", `/rooms/${enc(other)}/send/m.room.message/t2`, { msgtype: "m.text", body: "x" })).event_id);
  await refused(404, "M_NOT_FOUND", `/rooms/${enc(roomId)}/report/${enc(otherEvent)}`, { token: alice.accessToken, body: {} });
  // A redacted event is answered as not found.
  const gone = String((await callOk(server, bob, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/t3`, { msgtype: "m.text", body: "oops" })).event_id);
  await callOk(server, bob, "PUT", `/rooms/${enc(roomId)}/redact/${enc(gone)}/r1`, {});
  await refused(404, "M_NOT_FOUND", `/rooms/${enc(roomId)}/report/${enc(gone)}`, { token: alice.accessToken, body: { reason: "x" } });
  // Bob left: no longer joined, so no longer allowed.
  const left = String((await callOk(server, bob, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/t4`, { msgtype: "m.text", body: "y" })).event_id);
  await refused(401, "M_MISSING_TOKEN", path, { body: { reason: "x" } });
  await refused(401, "M_UNKNOWN_TOKEN", path, { token: "nope", body: { reason: "x" } });
  await refused(400, "M_NOT_JSON", path, { token: alice.accessToken, rawBody: "{not json" });
  await refused(400, "M_NOT_JSON", path, { token: alice.accessToken, rawBody: "[]" });
  await refused(400, "M_BAD_JSON", path, { token: alice.accessToken, body: { reason: 42 } });
  await refused(400, "M_BAD_JSON", path, { token: alice.accessToken, body: { reason: "x", score: "bad" } });
  await refused(400, "M_BAD_JSON", path, { token: alice.accessToken, body: { reason: "x", score: 1.5 } });
  await callOk(server, bob, "POST", `/rooms/${enc(roomId)}/leave`, {});
  await refused(404, "M_NOT_FOUND", `/rooms/${enc(roomId)}/report/${enc(left)}`, { token: bob.accessToken, body: { reason: "x" } });
  await callOk(server, bob, "POST", `/join/${enc(roomId)}`, {});
});

test("event reports: an event from before a member could see the room is 404 as if it did not exist", async () => {
  const hidden = String(
    (
      await callOk(server, alice, "POST", "/createRoom", {
        preset: "public_chat",
        initial_state: [{ type: "m.room.history_visibility", state_key: "", content: { history_visibility: "joined" } }],
      })
    ).room_id,
  );
  const before = String((await callOk(server, alice, "PUT", `/rooms/${enc(hidden)}/send/m.room.message/h1`, { msgtype: "m.text", body: "before carol" })).event_id);
  await callOk(server, carol, "POST", `/join/${enc(hidden)}`, {});
  await refused(404, "M_NOT_FOUND", `/rooms/${enc(hidden)}/report/${enc(before)}`, { token: carol.accessToken, body: { reason: "x" } });
  const unknown = await call(server.baseUrl, "POST", `/_matrix/client/v3/rooms/${enc(hidden)}/report/${enc("$nosuchevent")}`, { token: carol.accessToken, body: { reason: "x" } });
  const invisible = await call(server.baseUrl, "POST", `/_matrix/client/v3/rooms/${enc(hidden)}/report/${enc(before)}`, { token: carol.accessToken, body: { reason: "x" } });
  assert.deepEqual(invisible.body, unknown.body, "an event carol can't see answers exactly as one that does not exist");
  const after = String((await callOk(server, alice, "PUT", `/rooms/${enc(hidden)}/send/m.room.message/h2`, { msgtype: "m.text", body: "after carol" })).event_id);
  await callOk(server, carol, "POST", `/rooms/${enc(hidden)}/report/${enc(after)}`, { reason: "x" });
  assert.deepEqual([(await storedReports()).at(-1)?.reporter, (await storedReports()).at(-1)?.eventId], [carol.userId, after]);
});

test("room reports: any user may report an existing room (no membership needed); unknown rooms are 404", async () => {
  assert.deepEqual(await createClient({ baseUrl: server.baseUrl, userId: carol.userId, accessToken: carol.accessToken }).reportRoom(roomId, "hateful room"), {});
  const last = (await storedReports()).at(-1);
  assert.deepEqual([last?.kind, last?.reporter, last?.roomId, last?.reason], ["room", carol.userId, roomId, "hateful room"]);
  const path = `/rooms/${enc(roomId)}/report`;
  await refused(404, "M_NOT_FOUND", `/rooms/${enc("!nosuchroom:" + server.serverName)}/report`, { token: carol.accessToken, body: { reason: "x" } });
  await refused(404, "M_NOT_FOUND", `/rooms/garbage/report`, { token: carol.accessToken, body: { reason: "x" } });
  await refused(400, "M_MISSING_PARAM", path, { token: carol.accessToken, body: {} });
  await refused(400, "M_BAD_JSON", path, { token: carol.accessToken, body: { reason: ["x"] } });
  await refused(400, "M_NOT_JSON", path, { token: carol.accessToken, rawBody: "reason=x" });
  await refused(401, "M_MISSING_TOKEN", path, { body: { reason: "x" } });
  await refused(401, "M_UNKNOWN_TOKEN", path, { token: "nope", body: { reason: "x" } });
});

test("user reports: kept for local users; unknown and remote users get the same 200 and nothing is kept", async () => {
  const r = await call(server.baseUrl, "POST", `/_matrix/client/v3/users/${enc(bob.userId)}/report`, { token: carol.accessToken, body: { reason: "harassment" } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, {});
  const last = (await storedReports()).at(-1);
  assert.deepEqual([last?.kind, last?.reporter, last?.userId, last?.reason], ["user", carol.userId, bob.userId, "harassment"]);

  const before = await storedReports();
  for (const target of [`@nobody:${server.serverName}`, "@someone:elsewhere.example", "not-a-user-id"]) {
    const u = await call(server.baseUrl, "POST", `/_matrix/client/v3/users/${enc(target)}/report`, { token: carol.accessToken, body: { reason: "x" } });
    assert.equal(u.status, 200, target);
    assert.deepEqual(u.body, {});
  }
  assert.deepEqual(await storedReports(), before);

  const path = `/users/${enc(bob.userId)}/report`;
  await refused(400, "M_MISSING_PARAM", path, { token: carol.accessToken, body: {} });
  await refused(400, "M_BAD_JSON", path, { token: carol.accessToken, body: { reason: 7 } });
  await refused(400, "M_BAD_JSON", path, { token: carol.accessToken, body: { reason: "x".repeat(1001) } });
  await refused(400, "M_NOT_JSON", path, { token: carol.accessToken, rawBody: "" });
  await refused(401, "M_MISSING_TOKEN", path, { body: { reason: "x" } });
  await refused(401, "M_UNKNOWN_TOKEN", path, { token: "nope", body: { reason: "x" } });
});

test("guests may not report", async () => {
  const g = await call(server.baseUrl, "POST", "/_matrix/client/v3/register?kind=guest", { body: {} });
  assert.equal(g.status, 200);
  const token = String(g.body.access_token);
  await refused(403, "M_GUEST_ACCESS_FORBIDDEN", `/rooms/${enc(roomId)}/report`, { token, body: { reason: "x" } });
  await refused(403, "M_GUEST_ACCESS_FORBIDDEN", `/users/${enc(bob.userId)}/report`, { token, body: { reason: "x" } });
});

test("the stored reports page with from and limit", async () => {
  const all = await storedReports();
  assert.ok(all.length >= 4);
  const r = await call(server.baseUrl, "GET", "/_lattice/test/content_reports?from=0&limit=1");
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.reports, all.slice(0, 1));
});

test("reports are rate-limited per user (429 M_LIMIT_EXCEEDED, nothing kept); bad input spends nothing", async () => {
  const limited = await startServer({ vars: { RATE_LIMITS: "on", REPORTS_TEST_HOOK: "true" } });
  try {
    const [dan, eve] = await registerUsers(limited.baseUrl, "dan", "eve");
    const room = String((await callOkAt(limited, dan, "POST", "/_matrix/client/v3/createRoom", {})).room_id);
    const kept = async () => ((await call(limited.baseUrl, "GET", "/_lattice/test/content_reports")).body.reports as StoredReport[]).length;
    // Refused input is answered before the limit is counted: these leave dan's whole burst.
    for (let i = 0; i < 10; i++) {
      const bad = await call(limited.baseUrl, "POST", `/_matrix/client/v3/rooms/${enc(room)}/report`, { token: dan.accessToken, body: { reason: 7 } });
      assert.equal(bad.status, 400);
      const tooLong = await call(limited.baseUrl, "POST", `/_matrix/client/v3/users/${enc(eve.userId)}/report`, { token: dan.accessToken, body: { reason: "x".repeat(1001) } });
      assert.equal(tooLong.status, 400);
    }
    // Report until refused (the bucket refills as it goes, so the count of successes is not fixed).
    let ok = 0;
    let refusal: { status: number; body: Record<string, unknown> } | undefined;
    for (let i = 0; i < 50 && !refusal; i++) {
      const r = await call(limited.baseUrl, "POST", `/_matrix/client/v3/rooms/${enc(room)}/report`, { token: dan.accessToken, body: { reason: `spam ${i}` } });
      if (r.status === 200) ok++;
      else refusal = r;
    }
    assert.ok(refusal, "a flood of reports is refused");
    assert.equal(refusal.status, 429);
    assert.equal(refusal.body.errcode, "M_LIMIT_EXCEEDED");
    assert.equal(typeof refusal.body.retry_after_ms, "number");
    assert.ok(ok >= 5, `the burst passes first (${ok})`);
    assert.equal(await kept(), ok, "the refused report was not kept");
    // The limit is dan's: eve still reports.
    const other = await call(limited.baseUrl, "POST", `/_matrix/client/v3/users/${enc(dan.userId)}/report`, { token: eve.accessToken, body: { reason: "flooding" } });
    assert.equal(other.status, 200);
    assert.equal(await kept(), ok + 1);
  } finally {
    await limited.stop();
  }
});
