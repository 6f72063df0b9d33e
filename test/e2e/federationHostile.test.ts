/**
 * Hostile peers: one Lattice server A and a fake federating server F in the test process (see
 * fakeServer.ts). F's users join rooms on A for real (make_join/send_join), then F sends what a
 * broken or malicious server might: unsigned and mis-signed requests, PDUs with bad signatures or
 * hashes, events that fail auth, forged memberships, replayed and oversize transactions, events
 * for rooms it is not in, EDUs for other servers' users, ban evasion through old prev_events,
 * and traffic after a server ACL denies it. Each case checks the spec's outcome and that the
 * room, as A's user sees it, did not change.
 */
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { registerUser, call, messageBodies, type RunningServer, type TestUser } from "./harness.js";
import { startFederatedServer, api as userApi, eventually } from "./federationHelpers.js";
import { FakeServer, type Reply } from "./fakeServer.js";
import { generateSigningKey } from "../../protocol/signing.js";
import { buildEvent } from "../../protocol/buildEvent.js";
import { getRoomVersion } from "../../protocol/roomVersions.js";
import { toWireFormat } from "../../protocol/wireFormat.js";
import { signRequest } from "../../federation-client/requestSigning.js";
import type { JsonObject } from "../../protocol/json.js";
import type { PDU } from "../../protocol/pdu.js";

const enc = encodeURIComponent;

let A: RunningServer;
let F: FakeServer;
let alice: TestUser;

before(async () => {
  [A, F] = await Promise.all([startFederatedServer(), FakeServer.start()]);
  alice = await registerUser(A.baseUrl, "alice");
});

after(async () => {
  await Promise.all([A?.stop(), F?.close()]);
});

/** A Client-Server API call by alice on A. */
function api(method: string, path: string, body?: unknown) {
  return userApi(A, alice, method, path, body);
}

interface Snapshot {
  state: string[];
  timeline: string[];
  members: string[];
}

/** The room as alice sees it through the client API: state, timeline event IDs, joined members. */
async function snapshot(roomId: string): Promise<Snapshot> {
  const s = await api("GET", `/rooms/${enc(roomId)}/state`);
  assert.equal(s.status, 200, JSON.stringify(s.body));
  const state = (s.body as unknown as Array<{ type: string; state_key: string; event_id: string }>).map((e) => `${e.type}|${e.state_key}|${e.event_id}`).sort();
  const m = await api("GET", `/rooms/${enc(roomId)}/messages?dir=b&limit=500`);
  assert.equal(m.status, 200, JSON.stringify(m.body));
  const timeline = (m.body.chunk as Array<{ event_id: string }>).map((e) => e.event_id);
  const j = await api("GET", `/rooms/${enc(roomId)}/joined_members`);
  const members = Object.keys(j.body.joined as object).sort();
  return { state, timeline, members };
}

async function assertUnchanged(roomId: string, before: Snapshot): Promise<void> {
  assert.deepEqual(await snapshot(roomId), before);
}

/** alice cannot see the event (not stored, rejected or an outlier). */
async function assertInvisible(roomId: string, eventId: string): Promise<void> {
  const r = await api("GET", `/rooms/${enc(roomId)}/event/${enc(eventId)}`);
  assert.equal(r.status, 404, `${eventId} should not be visible: ${JSON.stringify(r.body)}`);
}

function resultOf(reply: Reply, eventId: string): { error?: string } | undefined {
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return (reply.body.pdus as Record<string, { error?: string }>)[eventId];
}

async function typingUsers(roomId: string): Promise<string[]> {
  const s = await api("GET", "/sync?timeout=0");
  const rooms = (s.body.rooms as { join?: Record<string, { ephemeral?: { events: Array<{ type: string; content: { user_ids?: string[] } }> } }> }).join ?? {};
  const ev = rooms[roomId]?.ephemeral?.events.find((e) => e.type === "m.typing");
  return ev?.content.user_ids ?? [];
}

const timelineBodies = (roomId: string) => messageBodies(A, alice, roomId);

for (const roomVersion of ["12", "10"]) {
  describe(`room version ${roomVersion}`, () => {
    let roomId: string;
    const mallory = () => F.userId("mallory");
    const eve = () => F.userId("eve");

    test("F's users join a public room on A through make_join and send_join", async () => {
      const r = await api("POST", "/createRoom", { preset: "public_chat", name: "Hostile", room_version: roomVersion });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      roomId = String(r.body.room_id);
      await F.join(A, roomId, "mallory");
      await F.join(A, roomId, "eve");
      const members = (await snapshot(roomId)).members;
      assert.deepEqual(members, [alice.userId, eve(), mallory()].sort());
      // A legitimate message from F is accepted: the channel works before we abuse it.
      const { pdu, wire } = await F.message(roomId, "mallory", "hello from F");
      const reply = await F.sendTxn(A, [wire]);
      assert.deepEqual(resultOf(reply, pdu.event_id), {});
      F.record(roomId, pdu);
      assert.ok((await timelineBodies(roomId)).includes("hello from F"));
    });

    test("unsigned, mis-signed, misaddressed and self-origin requests are 401 M_UNAUTHORIZED and change nothing", async () => {
      const before = await snapshot(roomId);
      const { pdu, wire } = await F.message(roomId, "mallory", "should never land");
      const impostorKey = generateSigningKey("fake"); // same key ID, different key
      const attempts: Reply[] = [
        await F.sendTxn(A, [wire], [], { unsigned: true }),
        await F.sendTxn(A, [wire], [], { key: impostorKey }),
        await F.sendTxn(A, [wire], [], { key: generateSigningKey("unknown") }),
        await F.sendTxn(A, [wire], [], { destination: "other.example" }),
        await F.sendTxn(A, [wire], [], { origin: A.serverName, bodyOrigin: A.serverName }),
        await F.sendTxn(A, [wire], [], { origin: "other.example", bodyOrigin: "other.example" }),
      ];
      // A body other than the one signed.
      const path = `/_matrix/federation/v1/send/tampered${Date.now()}`;
      const signedBody = { origin: F.serverName, origin_server_ts: Date.now(), pdus: [] };
      const header = await signRequest({ method: "PUT", uri: path, origin: F.serverName, destination: A.serverName, content: signedBody }, F.key);
      attempts.push(await call(A.baseUrl, "PUT", path, { headers: { Authorization: header }, body: { ...signedBody, pdus: [wire] } }));
      // The signature of a GET is bound to its URI.
      const getHeader = await signRequest({ method: "GET", uri: `/_matrix/federation/v1/state_ids/${enc(roomId)}?event_id=x`, origin: F.serverName, destination: A.serverName }, F.key);
      attempts.push(await call(A.baseUrl, "GET", `/_matrix/federation/v1/state_ids/${enc(roomId)}?event_id=${enc(pdu.event_id)}`, { headers: { Authorization: getHeader } }));
      for (const [i, r] of attempts.entries()) {
        assert.equal(r.status, 401, `attempt ${i}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.errcode, "M_UNAUTHORIZED", `attempt ${i}`);
      }
      await assertInvisible(roomId, pdu.event_id);
      await assertUnchanged(roomId, before);
    });

    test("a PDU with a bad signature, or a forged sender from another server, is dropped", async () => {
      const before = await snapshot(roomId);
      const impostorKey = generateSigningKey("fake");
      const badSig = await F.pdu(roomId, { sender: mallory(), type: "m.room.message", content: { msgtype: "m.text", body: "bad signature" } }, impostorKey);
      // alice "leaves", in an event only F signed: the sender's server never signed it.
      const forgedLeave = await F.pdu(roomId, { sender: alice.userId, type: "m.room.member", state_key: alice.userId, content: { membership: "leave" } });
      // Signed as A by someone who isn't A.
      const forgedAsA = await F.pdu(roomId, { sender: alice.userId, type: "m.room.name", state_key: "", content: { name: "pwned" } }, impostorKey, A.serverName);
      const reply = await F.sendTxn(A, [F.wire(roomId, badSig), F.wire(roomId, forgedLeave), F.wire(roomId, forgedAsA)]);
      for (const ev of [badSig, forgedLeave, forgedAsA]) {
        assert.ok(resultOf(reply, ev.event_id)?.error, `${ev.type} should carry an error: ${JSON.stringify(reply.body)}`);
        await assertInvisible(roomId, ev.event_id);
      }
      await assertUnchanged(roomId, before);
      assert.equal((await api("GET", `/rooms/${enc(roomId)}/state/m.room.member/${enc(alice.userId)}`)).body.membership, "join");
    });

    test("a PDU whose content does not match its hash is stored redacted", async () => {
      const { pdu, wire } = await F.message(roomId, "mallory", "original words");
      // The signature covers the redacted event, which has no message content: it still verifies.
      const tampered = { ...wire, content: { msgtype: "m.text", body: "words F's server slipped in" } };
      const reply = await F.sendTxn(A, [tampered]);
      assert.equal(resultOf(reply, pdu.event_id)?.error, undefined, JSON.stringify(reply.body));
      F.record(roomId, pdu);
      const got = await api("GET", `/rooms/${enc(roomId)}/event/${enc(pdu.event_id)}`);
      assert.equal(got.status, 200, JSON.stringify(got.body));
      assert.deepEqual(got.body.content, {});
      const bodies = await timelineBodies(roomId);
      assert.ok(!bodies.includes("words F's server slipped in") && !bodies.includes("original words"), bodies.join(" | "));
    });

    test("events that fail auth are rejected and the state does not change", async () => {
      const before = await snapshot(roomId);
      const pl = (await api("GET", `/rooms/${enc(roomId)}/state/m.room.power_levels`)).body;
      const cases = [
        await F.pdu(roomId, { sender: mallory(), type: "m.room.name", state_key: "", content: { name: "mallory's room" } }),
        await F.pdu(roomId, { sender: mallory(), type: "m.room.power_levels", state_key: "", content: { ...(pl as JsonObject), users: { ...(pl.users as JsonObject), [mallory()]: 100 } } }),
        // Forged membership for A's user: a kick without the power to kick.
        await F.pdu(roomId, { sender: mallory(), type: "m.room.member", state_key: alice.userId, content: { membership: "leave" } }),
        await F.pdu(roomId, { sender: mallory(), type: "m.room.member", state_key: alice.userId, content: { membership: "ban" } }),
        // A join for a user of A, made by F.s user.
        await F.pdu(roomId, { sender: mallory(), type: "m.room.member", state_key: "@bob:" + A.serverName, content: { membership: "join" } }),
      ];
      const reply = await F.sendTxn(A, cases.map((e) => F.wire(roomId, e)));
      for (const ev of cases) {
        const res = resultOf(reply, ev.event_id);
        assert.match(String(res?.error), /reject/, `${ev.type} ${ev.state_key}: ${JSON.stringify(res)}`);
        await assertInvisible(roomId, ev.event_id);
      }
      await assertUnchanged(roomId, before);
      assert.equal((await api("GET", `/rooms/${enc(roomId)}/state/m.room.name`)).body.name, "Hostile");
    });

    test("a replayed transaction ID is answered but not applied again", async () => {
      const txnId = `replay${Date.now()}`;
      const once = await F.message(roomId, "mallory", `once ${roomVersion}`);
      assert.deepEqual(resultOf(await F.sendTxn(A, [once.wire], [], { txnId }), once.pdu.event_id), {});
      F.record(roomId, once.pdu);
      const before = await snapshot(roomId);
      const replay = await F.sendTxn(A, [once.wire], [], { txnId });
      assert.equal(replay.status, 200, JSON.stringify(replay.body));
      // The same transaction ID carrying something new is still the old transaction.
      const sneaky = await F.message(roomId, "mallory", "sneaky");
      const reuse = await F.sendTxn(A, [sneaky.wire], [], { txnId });
      assert.equal(reuse.status, 200);
      await assertInvisible(roomId, sneaky.pdu.event_id);
      await assertUnchanged(roomId, before);
      assert.equal((await timelineBodies(roomId)).filter((b) => b === `once ${roomVersion}`).length, 1);
    });

    test("transactions over 50 PDUs or 100 EDUs are refused whole; 50 PDUs are fine", async () => {
      const before = await snapshot(roomId);
      const head = F.room(roomId).head;
      const chain: PDU[] = [];
      let prev = head;
      for (let i = 0; i < 51; i++) {
        const ev = await F.pdu(roomId, { sender: mallory(), type: "m.room.message", content: { msgtype: "m.text", body: `bulk ${i}` }, prev_events: [prev.event_id], depth: prev.depth + 1 });
        chain.push(ev);
        prev = ev;
      }
      const tooMany = await F.sendTxn(A, chain.map((e) => F.wire(roomId, e)));
      assert.equal(tooMany.status, 400, JSON.stringify(tooMany.body));
      assert.equal(tooMany.body.errcode, "M_BAD_JSON");
      const typing = { edu_type: "m.typing", content: { room_id: roomId, user_id: mallory(), typing: true } };
      const tooManyEdus = await F.sendTxn(A, [], Array.from({ length: 101 }, () => typing));
      assert.equal(tooManyEdus.status, 400, JSON.stringify(tooManyEdus.body));
      assert.equal(tooManyEdus.body.errcode, "M_BAD_JSON");
      for (const ev of [chain[0], chain[50]]) await assertInvisible(roomId, ev.event_id);
      await assertUnchanged(roomId, before);
      assert.ok(!(await typingUsers(roomId)).includes(mallory()));
      // Exactly at the limit: accepted.
      const fifty = await F.sendTxn(A, chain.slice(0, 50).map((e) => F.wire(roomId, e)));
      for (const ev of chain.slice(0, 50)) assert.deepEqual(resultOf(fifty, ev.event_id), {}, ev.content.body as string);
      for (const ev of chain.slice(0, 50)) F.record(roomId, ev);
      assert.ok((await timelineBodies(roomId)).includes("bulk 49"));
    });

    test("PDUs for rooms F is not in are refused and change nothing", async () => {
      const priv = await api("POST", "/createRoom", { preset: "private_chat", name: "Private", room_version: roomVersion });
      assert.equal(priv.status, 200);
      const privId = String(priv.body.room_id);
      const before = await snapshot(privId);
      const state = (await api("GET", `/rooms/${enc(privId)}/state`)).body as unknown as Array<{ type: string; state_key: string; event_id: string }>;
      const idOf = (type: string, key = "") => state.find((e) => e.type === type && e.state_key === key)?.event_id as string;
      const latest = (await api("GET", `/rooms/${enc(privId)}/messages?dir=b&limit=1`)).body.chunk as Array<{ event_id: string }>;
      const version = getRoomVersion(roomVersion);
      assert.ok(version);
      const createAuth = version.roomIdIsCreateEventHash ? [] : [idOf("m.room.create")];
      const base = { room_id: privId, prev_events: [latest[0].event_id], depth: 100, origin_server_ts: Date.now() };
      const message = await buildEvent(
        { ...base, sender: mallory(), type: "m.room.message", content: { msgtype: "m.text", body: "intruder" }, auth_events: [...createAuth, idOf("m.room.power_levels")] },
        version,
        F.serverName,
        F.key,
      );
      const join = await buildEvent(
        { ...base, sender: mallory(), type: "m.room.member", state_key: mallory(), content: { membership: "join" }, auth_events: [...createAuth, idOf("m.room.power_levels"), idOf("m.room.join_rules")] },
        version,
        F.serverName,
        F.key,
      );
      const reply = await F.sendTxn(A, [toWireFormat(message, version), toWireFormat(join, version)]);
      for (const ev of [message, join]) {
        assert.match(String(resultOf(reply, ev.event_id)?.error), /reject/, JSON.stringify(reply.body));
        await assertInvisible(privId, ev.event_id);
      }
      await assertUnchanged(privId, before);
      // A room A does not have at all: nothing to store, still a 200.
      const ghost = { ...toWireFormat(message, version), room_id: `!nowhere:${A.serverName}` };
      assert.equal((await F.sendTxn(A, [ghost])).status, 200);
      // Reading a room F is not in is refused too.
      const stateIds = await F.request(A, "GET", `/_matrix/federation/v1/state_ids/${enc(privId)}?event_id=${enc(latest[0].event_id)}`);
      assert.equal(stateIds.status, 403, JSON.stringify(stateIds.body));
      assert.equal(stateIds.body.errcode, "M_FORBIDDEN");
    });

    test("a transaction whose body names another origin is refused", async () => {
      const before = await snapshot(roomId);
      const { pdu, wire } = await F.message(roomId, "mallory", "wrong origin");
      const r = await F.sendTxn(A, [wire], [], { bodyOrigin: "other.example" });
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.equal(r.body.errcode, "M_FORBIDDEN");
      await assertInvisible(roomId, pdu.event_id);
      await assertUnchanged(roomId, before);
    });

    test("EDUs about users of other servers are ignored; F's own user's typing is shown", async () => {
      const forged = [
        { edu_type: "m.typing", content: { room_id: roomId, user_id: alice.userId, typing: true } },
        { edu_type: "m.typing", content: { room_id: roomId, user_id: "@someone:other.example", typing: true } },
      ];
      const latest = ((await api("GET", `/rooms/${enc(roomId)}/messages?dir=b&limit=1`)).body.chunk as Array<{ event_id: string }>)[0].event_id;
      const receipt = { edu_type: "m.receipt", content: { [roomId]: { "m.read": { [alice.userId]: { event_ids: [latest], data: { ts: 1 } } } } } };
      assert.equal((await F.sendTxn(A, [], [...forged, receipt])).status, 200);
      assert.equal((await F.sendTxn(A, [], [{ edu_type: "m.typing", content: { room_id: roomId, user_id: mallory(), typing: true } }])).status, 200);
      const users = await eventually("alice sees mallory typing", async () => {
        const u = await typingUsers(roomId);
        return u.includes(mallory()) ? u : undefined;
      });
      assert.deepEqual(users, [mallory()]);
      const receipts = await api("GET", "/sync?timeout=0");
      const eph = (receipts.body.rooms as { join: Record<string, { ephemeral: { events: Array<{ type: string; content: Record<string, { "m.read"?: Record<string, { ts?: number }> }> }> } }> }).join[roomId].ephemeral.events;
      const aliceReceipt = eph.find((e) => e.type === "m.receipt")?.content[latest]?.["m.read"]?.[alice.userId];
      assert.notEqual(aliceReceipt?.ts, 1, "a receipt F forged for alice");
      await F.sendTxn(A, [], [{ edu_type: "m.typing", content: { room_id: roomId, user_id: mallory(), typing: false } }]);
    });

    test("a receipt EDU naming a malformed user ID still delivers the well-formed receipts beside it", async () => {
      const latest = ((await api("GET", `/rooms/${enc(roomId)}/messages?dir=b&limit=1`)).body.chunk as Array<{ event_id: string }>)[0].event_id;
      const byUser = { "not-a-user-id": { event_ids: [latest], data: { ts: 2 } }, [mallory()]: { event_ids: [latest], data: { ts: 3 } } };
      assert.equal((await F.sendTxn(A, [], [{ edu_type: "m.receipt", content: { [roomId]: { "m.read": byUser } } }])).status, 200);
      const ts = await eventually("alice sees mallory's receipt", async () => {
        const sync = await api("GET", "/sync?timeout=0");
        const eph = (sync.body.rooms as { join: Record<string, { ephemeral: { events: Array<{ type: string; content: Record<string, { "m.read"?: Record<string, { ts?: number }> }> }> } }> }).join[roomId].ephemeral.events;
        return eph.find((e) => e.type === "m.receipt")?.content[latest]?.["m.read"]?.[mallory()]?.ts;
      });
      assert.equal(ts, 3);
    });

    test("a banned user's event whose prev_events predate the ban is soft-failed: stored, not shown", async () => {
      const room = F.room(roomId);
      const preBan = room.head;
      const authBefore = F.authEventsFor(roomId, { sender: eve(), type: "m.room.message", content: {} });
      const ban = await api("POST", `/rooms/${enc(roomId)}/ban`, { user_id: eve(), reason: "test" });
      assert.equal(ban.status, 200, JSON.stringify(ban.body));
      const before = await snapshot(roomId);
      const evasion = await F.pdu(roomId, {
        sender: eve(),
        type: "m.room.message",
        content: { msgtype: "m.text", body: "ban evasion" },
        prev_events: [preBan.event_id],
        auth_events: authBefore,
        depth: preBan.depth + 1,
      });
      const reply = await F.sendTxn(A, [F.wire(roomId, evasion)]);
      // Soft failure is not a rejection: the transaction reports no error for it.
      assert.deepEqual(resultOf(reply, evasion.event_id), {});
      // Stored: A serves it over federation to a server in the room (spec: soft-failed events are returned by /event).
      await eventually("A serves the soft-failed event", async () => (await F.request(A, "GET", `/_matrix/federation/v1/event/${enc(evasion.event_id)}`)).status === 200, 5000);
      // Not shown: not in /messages, not in sync, and the room is as it was.
      assert.ok(!(await timelineBodies(roomId)).includes("ban evasion"));
      const sync = await api("GET", "/sync?timeout=0");
      assert.ok(!JSON.stringify(sync.body).includes(evasion.event_id), "soft-failed event in sync");
      await assertUnchanged(roomId, before);
      // Nor is it built upon: alice's next event does not point at it.
      const next = await api("PUT", `/rooms/${enc(roomId)}/send/m.room.message/after-ban`, { msgtype: "m.text", body: "after the ban" });
      // Served once A's fan-out has indexed it (after the send answers), as the soft-failed event above.
      const pduNext = await eventually("A serves alice's next event", async () => {
        const r = await F.request(A, "GET", `/_matrix/federation/v1/event/${enc(String(next.body.event_id))}`);
        return r.status === 200 ? r : undefined;
      }, 5000);
      const prevs = ((pduNext.body.pdus as JsonObject[])[0].prev_events as unknown[]).flat();
      assert.ok(!prevs.includes(evasion.event_id), JSON.stringify(prevs));
    });
  });
}

describe("server ACLs", () => {
  let roomId: string;

  test("a server the room's m.room.server_acl denies is refused on every protected path", async () => {
    const r = await api("POST", "/createRoom", { preset: "public_chat", name: "ACL" });
    assert.equal(r.status, 200);
    roomId = String(r.body.room_id);
    await F.join(A, roomId, "mallory");
    const ok = await F.message(roomId, "mallory", "before the ACL");
    assert.deepEqual(resultOf(await F.sendTxn(A, [ok.wire]), ok.pdu.event_id), {});
    F.record(roomId, ok.pdu);

    // Every server on loopback is 127.0.0.1:<port>; the port is ignored, and A never checks itself.
    const acl = await api("PUT", `/rooms/${enc(roomId)}/state/m.room.server_acl`, { allow: ["*"], deny: ["127.0.0.*"], allow_ip_literals: true });
    assert.equal(acl.status, 200, JSON.stringify(acl.body));
    const aclEventId = String(acl.body.event_id);
    await eventually("F hears of the ACL", async () => F.room(roomId).events.has(aclEventId));
    const before = await snapshot(roomId);

    const denied = await F.message(roomId, "mallory", "after the ACL");
    const reply = await F.sendTxn(A, [denied.wire], [{ edu_type: "m.typing", content: { room_id: roomId, user_id: F.userId("mallory"), typing: true } }]);
    assert.match(String(resultOf(reply, denied.pdu.event_id)?.error), /ACL/);
    await assertInvisible(roomId, denied.pdu.event_id);
    assert.ok(!(await typingUsers(roomId)).includes(F.userId("mallory")), "typing from a denied server");

    const latest = before.timeline[0];
    const protectedPaths: Array<["GET" | "POST", string, JsonObject?]> = [
      ["GET", `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(F.userId("newcomer"))}?ver=12`],
      ["GET", `/_matrix/federation/v1/make_leave/${enc(roomId)}/${enc(F.userId("mallory"))}`],
      ["GET", `/_matrix/federation/v1/state/${enc(roomId)}?event_id=${enc(latest)}`],
      ["GET", `/_matrix/federation/v1/state_ids/${enc(roomId)}?event_id=${enc(latest)}`],
      ["GET", `/_matrix/federation/v1/event_auth/${enc(roomId)}/${enc(latest)}`],
      ["GET", `/_matrix/federation/v1/backfill/${enc(roomId)}?v=${enc(latest)}&limit=10`],
      ["POST", `/_matrix/federation/v1/get_missing_events/${enc(roomId)}`, { earliest_events: [], latest_events: [latest], limit: 10 }],
    ];
    for (const [method, path, body] of protectedPaths) {
      const res = await F.request(A, method, path, body);
      assert.equal(res.status, 403, `${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.errcode, "M_FORBIDDEN", path);
    }
    const leave = await F.pdu(roomId, { sender: F.userId("mallory"), type: "m.room.member", state_key: F.userId("mallory"), content: { membership: "leave" } });
    const join = await F.pdu(roomId, { sender: F.userId("newcomer"), type: "m.room.member", state_key: F.userId("newcomer"), content: { membership: "join" } });
    const invite = await F.pdu(roomId, { sender: F.userId("mallory"), type: "m.room.member", state_key: `@invitee:${A.serverName}`, content: { membership: "invite" } });
    const version = String((await api("GET", `/rooms/${enc(roomId)}/state/m.room.create`)).body.room_version ?? "1");
    // The membership endpoints too, v1 (removed from the spec in v1.18, still protected) and v2.
    const membershipPaths: Array<[string, JsonObject]> = [
      [`/_matrix/federation/v1/send_leave/${enc(roomId)}/${enc(leave.event_id)}`, F.wire(roomId, leave)],
      [`/_matrix/federation/v2/send_leave/${enc(roomId)}/${enc(leave.event_id)}`, F.wire(roomId, leave)],
      [`/_matrix/federation/v1/send_join/${enc(roomId)}/${enc(join.event_id)}`, F.wire(roomId, join)],
      [`/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(join.event_id)}`, F.wire(roomId, join)],
      [`/_matrix/federation/v1/invite/${enc(roomId)}/${enc(invite.event_id)}`, F.wire(roomId, invite)],
      [`/_matrix/federation/v2/invite/${enc(roomId)}/${enc(invite.event_id)}`, { room_version: version, event: F.wire(roomId, invite), invite_room_state: [] }],
    ];
    for (const [path, body] of membershipPaths) {
      const res = await F.request(A, "PUT", path, body);
      assert.equal(res.status, 403, `${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.errcode, "M_FORBIDDEN", path);
    }
    await assertUnchanged(roomId, before);

    // Lifting the ACL lets F back in: the ACL, not something else, was the reason.
    assert.equal((await api("PUT", `/rooms/${enc(roomId)}/state/m.room.server_acl`, { allow: ["*"] })).status, 200);
    const again = await F.message(roomId, "mallory", "after lifting the ACL");
    assert.deepEqual(resultOf(await F.sendTxn(A, [again.wire]), again.pdu.event_id), {});
    assert.ok((await timelineBodies(roomId)).includes("after lifting the ACL"));
  });
});

test("make_join refuses joins the auth rules would refuse (403) and rooms with no member here (404)", async () => {
  const makeJoin = (roomId: string, localpart: string) =>
    F.request(A, "GET", `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(F.userId(localpart))}?ver=10&ver=11&ver=12`);

  const invite = await api("POST", "/createRoom", { preset: "private_chat", name: "Invite only" });
  assert.equal(invite.status, 200, JSON.stringify(invite.body));
  const uninvited = await makeJoin(String(invite.body.room_id), "uninvited");
  assert.equal(uninvited.status, 403, JSON.stringify(uninvited.body));
  assert.equal(uninvited.body.errcode, "M_FORBIDDEN");

  const pub = await api("POST", "/createRoom", { preset: "public_chat", name: "Public, with a ban" });
  assert.equal(pub.status, 200, JSON.stringify(pub.body));
  const pubId = String(pub.body.room_id);
  assert.equal((await api("POST", `/rooms/${enc(pubId)}/ban`, { user_id: F.userId("outcast"), reason: "test" })).status, 200);
  const banned = await makeJoin(pubId, "outcast");
  assert.equal(banned.status, 403, JSON.stringify(banned.body));
  assert.equal(banned.body.errcode, "M_FORBIDDEN");
  // Anyone else may still join the public room: the refusal is about the user, not the room.
  const welcome = await makeJoin(pubId, "welcome");
  assert.equal(welcome.status, 200, JSON.stringify(welcome.body));
  assert.equal((welcome.body.event as { content: { membership: string } }).content.membership, "join");

  const abandoned = await api("POST", "/createRoom", { preset: "public_chat", name: "Abandoned" });
  assert.equal(abandoned.status, 200, JSON.stringify(abandoned.body));
  assert.equal((await api("POST", `/rooms/${enc(String(abandoned.body.room_id))}/leave`, {})).status, 200);
  const nobodyHome = await makeJoin(String(abandoned.body.room_id), "late");
  assert.equal(nobodyHome.status, 404, JSON.stringify(nobodyHome.body));
  assert.equal(nobodyHome.body.errcode, "M_NOT_FOUND");

  const unknown = await makeJoin(`!nosuchroom:${A.serverName}`, "lost");
  assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
  assert.equal(unknown.body.errcode, "M_NOT_FOUND");
});

test("the deprecated v1 send_join, send_leave and invite are served with their [200, body] answers", async () => {
  const r = await api("POST", "/createRoom", { preset: "public_chat", name: "Old peers welcome", room_version: "10" });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const roomId = String(r.body.room_id);

  let joinReply: Reply | undefined;
  await F.join(A, roomId, "oldjoiner", { sendJoinApi: "v1", onReply: (reply) => (joinReply = reply) });
  const joined = joinReply?.body as unknown as [number, { origin: unknown; state: unknown; auth_chain: unknown }];
  assert.ok(Array.isArray(joined) && joined.length === 2, JSON.stringify(joinReply?.body));
  assert.equal(joined[0], 200);
  assert.equal(joined[1].origin, A.serverName);
  assert.ok(Array.isArray(joined[1].state) && joined[1].state.length > 0);
  assert.ok(Array.isArray(joined[1].auth_chain) && joined[1].auth_chain.length > 0);
  assert.ok((await snapshot(roomId)).members.includes(F.userId("oldjoiner")));

  const made = await F.request(A, "GET", `/_matrix/federation/v1/make_leave/${enc(roomId)}/${enc(F.userId("oldjoiner"))}`);
  assert.equal(made.status, 200, JSON.stringify(made.body));
  const t = made.body.event as JsonObject;
  const version = getRoomVersion("10")!;
  const leave = await buildEvent(
    { room_id: roomId, sender: F.userId("oldjoiner"), type: "m.room.member", state_key: F.userId("oldjoiner"), content: { membership: "leave" }, prev_events: t.prev_events as string[], auth_events: t.auth_events as string[], depth: t.depth as number, origin_server_ts: Date.now() },
    version,
    F.serverName,
    F.key,
  );
  const left = await F.request(A, "PUT", `/_matrix/federation/v1/send_leave/${enc(roomId)}/${enc(leave.event_id)}`, toWireFormat(leave, version));
  assert.equal(left.status, 200, JSON.stringify(left.body));
  assert.deepEqual(left.body, [200, {}]);
  assert.ok(!(await snapshot(roomId)).members.includes(F.userId("oldjoiner")));

  // A v1 invite carries no room version (the room is version 1) and its stripped state in unsigned.
  const v1 = getRoomVersion("1")!;
  const fakeRoomId = `!oldroom:${F.serverName}`;
  const inviteEvent = await buildEvent(
    { room_id: fakeRoomId, sender: F.userId("host"), type: "m.room.member", state_key: alice.userId, content: { membership: "invite" }, prev_events: [], auth_events: [], depth: 5, origin_server_ts: Date.now() },
    v1,
    F.serverName,
    F.key,
  );
  const wire: JsonObject = { ...toWireFormat(inviteEvent, v1), unsigned: { invite_room_state: [{ type: "m.room.name", state_key: "", sender: F.userId("host"), content: { name: "An old room" } }] } };
  const invited = await F.request(A, "PUT", `/_matrix/federation/v1/invite/${enc(fakeRoomId)}/${enc(inviteEvent.event_id)}`, wire);
  assert.equal(invited.status, 200, JSON.stringify(invited.body));
  const answer = invited.body as unknown as [number, { event: { event_id?: string; signatures: Record<string, unknown> } }];
  assert.ok(Array.isArray(answer), JSON.stringify(invited.body));
  assert.equal(answer[0], 200);
  assert.ok(answer[1].event.signatures[A.serverName], "A co-signs the invite");
  assert.ok(answer[1].event.signatures[F.serverName], "F's signature is kept");
  await eventually("alice sees the v1 invite", async () => {
    const s = await api("GET", "/sync?timeout=0");
    return Object.keys(((s.body.rooms as { invite?: object } | undefined)?.invite ?? {}) as object).includes(fakeRoomId);
  });
});

test("the v1 send_join, send_leave and invite sent wrong are refused with the spec's errors and change nothing", async () => {
  const r = await api("POST", "/createRoom", { preset: "public_chat", name: "v1 bad input", room_version: "10" });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const roomId = String(r.body.room_id);
  const before = await snapshot(roomId);
  const v10 = getRoomVersion("10")!;
  const made = await F.request(A, "GET", `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(F.userId("v1bad"))}?ver=10`);
  assert.equal(made.status, 200, JSON.stringify(made.body));
  const t = made.body.event as JsonObject;
  const build = (content: JsonObject) =>
    buildEvent(
      { room_id: roomId, sender: F.userId("v1bad"), type: "m.room.member", state_key: F.userId("v1bad"), content, prev_events: t.prev_events as string[], auth_events: t.auth_events as string[], depth: t.depth as number, origin_server_ts: Date.now() },
      v10,
      F.serverName,
      F.key,
    );
  const notAJoin = await build({ membership: "leave" });
  const join = await build({ membership: "join" });
  const sendJoin = (id: string) => `/_matrix/federation/v1/send_join/${enc(roomId)}/${enc(id)}`;
  const cases: Array<[string, Reply, number, string]> = [
    ["no body", await F.request(A, "PUT", sendJoin(join.event_id)), 400, "M_BAD_JSON"],
    ["a leave sent as a join", await F.request(A, "PUT", sendJoin(notAJoin.event_id), toWireFormat(notAJoin, v10)), 400, "M_BAD_JSON"],
    ["unsigned", await F.request(A, "PUT", sendJoin(join.event_id), toWireFormat(join, v10), { unsigned: true }), 401, "M_UNAUTHORIZED"],
    ["signed with another key", await F.request(A, "PUT", sendJoin(join.event_id), toWireFormat(join, v10), { key: generateSigningKey("other") }), 401, "M_UNAUTHORIZED"],
  ];
  // v1 send_leave, the same way.
  const sendLeave = (id: string) => `/_matrix/federation/v1/send_leave/${enc(roomId)}/${enc(id)}`;
  const othersLeave = await buildEvent(
    { room_id: roomId, sender: "@someone:elsewhere.example", type: "m.room.member", state_key: "@someone:elsewhere.example", content: { membership: "leave" }, prev_events: t.prev_events as string[], auth_events: t.auth_events as string[], depth: t.depth as number, origin_server_ts: Date.now() },
    v10,
    F.serverName,
    F.key,
  );
  cases.push(
    ["no body to v1 send_leave", await F.request(A, "PUT", sendLeave(notAJoin.event_id)), 400, "M_BAD_JSON"],
    ["a join sent as a leave", await F.request(A, "PUT", sendLeave(join.event_id), toWireFormat(join, v10)), 400, "M_BAD_JSON"],
    ["an unsigned v1 send_leave", await F.request(A, "PUT", sendLeave(notAJoin.event_id), toWireFormat(notAJoin, v10), { unsigned: true }), 401, "M_UNAUTHORIZED"],
    ["a leave of another server's user", await F.request(A, "PUT", sendLeave(othersLeave.event_id), toWireFormat(othersLeave, v10)), 400, "M_BAD_JSON"],
  );

  // v1 invites: the event itself is the body.
  const v1 = getRoomVersion("1")!;
  const fakeRoomId = `!v1bad:${F.serverName}`;
  const invite = async (sender: string) =>
    buildEvent(
      { room_id: fakeRoomId, sender, type: "m.room.member", state_key: alice.userId, content: { membership: "invite" }, prev_events: [], auth_events: [], depth: 3, origin_server_ts: Date.now() },
      v1,
      F.serverName,
      F.key,
    );
  const inviteUrl = (id: string) => `/_matrix/federation/v1/invite/${enc(fakeRoomId)}/${enc(id)}`;
  const forged = await invite("@someone:elsewhere.example");
  const honest = await invite(F.userId("host"));
  const tampered: JsonObject = { ...toWireFormat(honest, v1), content: { membership: "invite", extra: "changed after signing" } };
  cases.push(
    ["an empty v1 invite", await F.request(A, "PUT", inviteUrl(honest.event_id), {}), 400, "M_BAD_JSON"],
    ["a v1 invite from another server's user", await F.request(A, "PUT", inviteUrl(forged.event_id), toWireFormat(forged, v1)), 403, "M_FORBIDDEN"],
    ["a v1 invite changed after signing", await F.request(A, "PUT", inviteUrl(honest.event_id), tampered), 403, "M_FORBIDDEN"],
    ["a v1 invite for another event ID", await F.request(A, "PUT", inviteUrl(forged.event_id), toWireFormat(honest, v1)), 400, "M_BAD_JSON"],
  );
  for (const [what, reply, status, errcode] of cases) {
    assert.equal(reply.status, status, `${what}: ${JSON.stringify(reply.body)}`);
    assert.equal(reply.body.errcode, errcode, `${what}: ${JSON.stringify(reply.body)}`);
  }
  await assertUnchanged(roomId, before);
  const s = await api("GET", "/sync?timeout=0");
  assert.ok(!Object.keys(((s.body.rooms as { invite?: object } | undefined)?.invite ?? {}) as object).includes(fakeRoomId), "no invite reached alice");
});

test("joining a room on a server without v2 send_join falls back to v1 and reads its [200, body] answer", async () => {
  const roomId = await F.hostLegacyRoom("oldhost");
  const joined = await api("POST", `/join/${enc(roomId)}`, {});
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  assert.equal(joined.body.room_id, roomId);
  const rooms = await api("GET", "/joined_rooms");
  assert.ok((rooms.body.joined_rooms as string[]).includes(roomId), JSON.stringify(rooms.body));
  const members = await api("GET", `/rooms/${enc(roomId)}/joined_members`);
  assert.deepEqual(Object.keys(members.body.joined as object).sort(), [alice.userId, F.userId("oldhost")].sort());
  // The host holds alice's join, received through v1.
  const hosted = F.room(roomId);
  const aliceJoin = hosted.events.get(hosted.state.get(`m.room.member\u0000${alice.userId}`) ?? "");
  assert.equal(aliceJoin?.content.membership, "join");
});

test("inviting a user of a server without v2 invite: v1 for a version 1 room, M_UNSUPPORTED_ROOM_VERSION otherwise", async () => {
  const old = await api("POST", "/createRoom", { preset: "private_chat", name: "Version one", room_version: "1" });
  assert.equal(old.status, 200, JSON.stringify(old.body));
  const oldId = String(old.body.room_id);
  const invited = await api("POST", `/rooms/${enc(oldId)}/invite`, { user_id: F.userId("oldguest") });
  assert.equal(invited.status, 200, JSON.stringify(invited.body));
  const sent = F.invites.at(-1);
  assert.equal(sent?.state_key, F.userId("oldguest"));
  assert.ok(Array.isArray((sent?.unsigned as JsonObject | undefined)?.invite_room_state), "v1 carries the stripped state in unsigned");
  const m = await api("GET", `/rooms/${enc(oldId)}/state/m.room.member/${enc(F.userId("oldguest"))}`);
  assert.equal(m.body.membership, "invite");

  const modern = await api("POST", "/createRoom", { preset: "private_chat", name: "Version ten", room_version: "10" });
  assert.equal(modern.status, 200, JSON.stringify(modern.body));
  const refused = await api("POST", `/rooms/${enc(String(modern.body.room_id))}/invite`, { user_id: F.userId("oldguest") });
  assert.equal(refused.status, 400, JSON.stringify(refused.body));
  assert.equal(refused.body.errcode, "M_UNSUPPORTED_ROOM_VERSION");
});

test("remote media from a server without federation media (400 or 404 M_UNRECOGNIZED) comes from its legacy download", async () => {
  const bytes = new Uint8Array(300).map((_, i) => (i * 7) % 256);
  F.legacyMedia.set("oldsynapse", { bytes, contentType: "application/x-test-old", unknownEndpointStatus: 400 });
  F.legacyMedia.set("older", { bytes: new TextEncoder().encode("plain old text"), contentType: "text/plain", unknownEndpointStatus: 404 });
  for (const [mediaId, type, expected] of [
    ["oldsynapse", "application/x-test-old", bytes],
    ["older", "text/plain", new TextEncoder().encode("plain old text")],
  ] as const) {
    const r = await fetch(`${A.baseUrl}/_matrix/client/v1/media/download/${enc(F.serverName)}/${mediaId}`, { headers: { Authorization: `Bearer ${alice.accessToken}` } });
    const got = new Uint8Array(await r.arrayBuffer());
    assert.equal(r.status, 200, new TextDecoder().decode(got));
    assert.equal(r.headers.get("content-type"), type);
    assert.deepEqual(got, expected);
  }
});

test("rejecting an invite from a server without v2 send_leave goes through v1 send_leave", async () => {
  const roomId = await F.hostLegacyRoom("oldinviter");
  const version = getRoomVersion("10")!;
  const inviteEvent = await F.pdu(roomId, { sender: F.userId("oldinviter"), type: "m.room.member", state_key: alice.userId, content: { membership: "invite" } });
  F.record(roomId, inviteEvent);
  const invited = await F.request(A, "PUT", `/_matrix/federation/v2/invite/${enc(roomId)}/${enc(inviteEvent.event_id)}`, {
    room_version: version.id,
    event: toWireFormat(inviteEvent, version),
    invite_room_state: [],
  });
  assert.equal(invited.status, 200, JSON.stringify(invited.body));
  const rejected = await api("POST", `/rooms/${enc(roomId)}/leave`, {});
  assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
  // The leave reached the host, through v1 (the fake has no v2 send_leave).
  const hosted = F.room(roomId);
  const aliceMember = hosted.events.get(hosted.state.get(`m.room.member\u0000${alice.userId}`) ?? "");
  assert.equal(aliceMember?.content.membership, "leave");
});

test("make_join still serves a restricted room's join to a member of an allowed room, vouched for by a local user", async () => {
  const space = await api("POST", "/createRoom", { preset: "public_chat", name: "Allowed room", room_version: "10" });
  assert.equal(space.status, 200, JSON.stringify(space.body));
  const spaceId = String(space.body.room_id);
  await F.join(A, spaceId, "member");
  const restricted = await api("POST", "/createRoom", {
    preset: "private_chat",
    name: "Restricted",
    room_version: "10",
    initial_state: [{ type: "m.room.join_rules", state_key: "", content: { join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: spaceId }] } }],
  });
  assert.equal(restricted.status, 200, JSON.stringify(restricted.body));
  const roomId = String(restricted.body.room_id);
  const made = await F.request(A, "GET", `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(F.userId("member"))}?ver=10`);
  assert.equal(made.status, 200, JSON.stringify(made.body));
  assert.equal((made.body.event as { content: JsonObject }).content.join_authorised_via_users_server, alice.userId);
  await F.join(A, roomId, "member");
  assert.ok((await snapshot(roomId)).members.includes(F.userId("member")));
});

test("an alias server's answer must name a valid room ID (else 502) and valid servers (others are dropped)", async () => {
  const lookup = (alias: string) => api("GET", `/directory/room/${enc(alias)}`);
  for (const [i, roomId] of [5, "x", "!no-server-part", `!${"a".repeat(300)}:${F.serverName}`, null].entries()) {
    const alias = `#bad${i}:${F.serverName}`;
    F.aliasAnswers.set(alias, { room_id: roomId, servers: [F.serverName] });
    const r = await lookup(alias);
    assert.equal(r.status, 502, `${JSON.stringify(roomId)}: ${JSON.stringify(r.body)}`);
  }
  const alias = `#good:${F.serverName}`;
  const roomId = `!good:${F.serverName}`;
  F.aliasAnswers.set(alias, { room_id: roomId, servers: ["other.example", 5, "not a server name", "x".repeat(300)] });
  const r = await lookup(alias);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body, { room_id: roomId, servers: ["other.example", F.serverName] });
  assert.equal((await lookup(`#unknown:${F.serverName}`)).status, 404);
});
