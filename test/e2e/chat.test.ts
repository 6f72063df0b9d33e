/**
 * Two people chatting through matrix-js-sdk (the SDK under Element) against a running Lattice:
 * everything here is what a user would see in their client.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { RoomMemberEvent, EventType, MsgType, RelationType, JoinRule, type MatrixClient, type MatrixEvent } from "matrix-js-sdk";
import { startServer, call, type RunningServer, type TestUser } from "./harness.js";
import { registerWithClient, eventually } from "./sdkHelpers.js";

let server: RunningServer;
let aliceUser: TestUser;
let bobUser: TestUser;
let alice: MatrixClient;
let bob: MatrixClient;
let roomId: string;

function timelineBodies(client: MatrixClient, room: string): string[] {
  return (client.getRoom(room)?.getLiveTimeline().getEvents() ?? [])
    .filter((e) => e.getType() === "m.room.message")
    .map((e) => String(e.getContent().body));
}

function findEvent(client: MatrixClient, room: string, pred: (e: MatrixEvent) => boolean): MatrixEvent | undefined {
  return client.getRoom(room)?.getLiveTimeline().getEvents().find(pred);
}

before(async () => {
  server = await startServer();
  [aliceUser, alice] = await registerWithClient(server.baseUrl, "alice");
  [bobUser, bob] = await registerWithClient(server.baseUrl, "bob");
});

after(async () => {
  alice?.stopClient();
  bob?.stopClient();
  await server?.stop();
});

test("alice creates a room and invites bob, who sees the invite and joins", async () => {
  const res = await alice.createRoom({ name: "Tea", topic: "Leaves", invite: [bobUser.userId] });
  roomId = res.room_id;
  await eventually("bob sees the invite", () => bob.getRoom(roomId)?.getMyMembership() === "invite");
  await bob.joinRoom(roomId);
  await eventually("alice sees bob joined", () => alice.getRoom(roomId)?.getMember(bobUser.userId)?.membership === "join");
  assert.equal(bob.getRoom(roomId)?.name, "Tea");
  assert.equal(alice.getRoom(roomId)?.getJoinedMemberCount(), 2);
});

test("messages arrive at the other user through sync, in order", async () => {
  for (const body of ["one", "two", "three"]) await alice.sendTextMessage(roomId, body);
  await eventually("bob has all three", () => timelineBodies(bob, roomId).join(",").endsWith("one,two,three"));
  await bob.sendTextMessage(roomId, "four");
  await eventually("alice sees bob's reply", () => timelineBodies(alice, roomId).includes("four"));
});

test("an edit arrives and replaces the original text", async () => {
  const { event_id } = await alice.sendTextMessage(roomId, "tpyo");
  await alice.sendEvent(roomId, EventType.RoomMessage, {
    msgtype: MsgType.Text,
    body: "* typo",
    "m.new_content": { msgtype: MsgType.Text, body: "typo" },
    "m.relates_to": { rel_type: RelationType.Replace, event_id },
  });
  const original = await eventually("bob sees the edit applied", () => {
    const e = findEvent(bob, roomId, (x) => x.getId() === event_id);
    return e && e.replacingEvent() ? e : undefined;
  });
  assert.equal(original.getContent().body, "typo");
});

test("a redaction removes the content for the other user", async () => {
  const { event_id } = await alice.sendTextMessage(roomId, "secret");
  await eventually("bob got the message", () => findEvent(bob, roomId, (e) => e.getId() === event_id));
  await alice.redactEvent(roomId, event_id);
  const redacted = await eventually("bob sees it redacted", () => {
    const e = findEvent(bob, roomId, (x) => x.getId() === event_id);
    return e?.isRedacted() ? e : undefined;
  });
  assert.deepEqual(redacted.getContent(), {});
  // A fresh read from the server shows the redacted form too.
  const r = await call(server.baseUrl, "GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(event_id)}`, { token: bobUser.accessToken });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.content, {});
});

test("typing notifications reach the other user and stop", async () => {
  let typingSeen = false;
  bob.on(RoomMemberEvent.Typing, (_e, member) => {
    if (member.userId === aliceUser.userId && member.typing) typingSeen = true;
  });
  await alice.sendTyping(roomId, true, 20_000);
  await eventually("bob sees alice typing", () => typingSeen);
  await alice.sendTyping(roomId, false, 0);
  await eventually("bob sees alice stop", () => bob.getRoom(roomId)?.getMember(aliceUser.userId)?.typing === false);
});

test("read receipts reach the sender", async () => {
  const { event_id } = await alice.sendTextMessage(roomId, "did you read this?");
  const ev = await eventually("bob has it", () => findEvent(bob, roomId, (e) => e.getId() === event_id));
  await bob.sendReadReceipt(ev);
  await eventually("alice sees bob's receipt", () =>
    alice.getRoom(roomId)?.getReceiptsForEvent(findEvent(alice, roomId, (e) => e.getId() === event_id)!).some((r) => r.userId === bobUser.userId),
  );
});

test("room name and topic changes arrive", async () => {
  await alice.setRoomName(roomId, "Coffee");
  await alice.setRoomTopic(roomId, "Beans");
  await eventually("bob sees the new name", () => bob.getRoom(roomId)?.name === "Coffee");
  await eventually("bob sees the new topic", () => bob.getRoom(roomId)?.currentState.getStateEvents("m.room.topic", "")?.getContent().topic === "Beans");
});

test("pagination back through 200 messages returns them all, in order", async () => {
  const { room_id: big } = await alice.createRoom({ name: "History" });
  for (let i = 0; i < 200; i++) {
    const r = await call(server.baseUrl, "PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(big)}/send/m.room.message/p${i}`, {
      token: aliceUser.accessToken,
      body: { msgtype: "m.text", body: `m${i}` },
    });
    assert.equal(r.status, 200);
  }
  const seen: string[] = [];
  let from: string | undefined;
  for (let page = 0; page < 50; page++) {
    const q = new URLSearchParams({ dir: "b", limit: "30" });
    if (from) q.set("from", from);
    const r = await call(server.baseUrl, "GET", `/_matrix/client/v3/rooms/${encodeURIComponent(big)}/messages?${q}`, { token: aliceUser.accessToken });
    assert.equal(r.status, 200);
    for (const e of r.body.chunk as Array<{ type: string; content: { body?: string } }>) if (e.type === "m.room.message") seen.push(String(e.content.body));
    if (!r.body.end) break;
    from = String(r.body.end);
  }
  assert.equal(seen.length, 200);
  assert.deepEqual(seen.reverse(), Array.from({ length: 200 }, (_, i) => `m${i}`));
});

test("a non-moderator is refused a power-level change", async () => {
  await assert.rejects(
    () => bob.setPowerLevel(roomId, bobUser.userId, 100),
    (e: { httpStatus?: number; errcode?: string }) => e.httpStatus === 403 && e.errcode === "M_FORBIDDEN",
  );
  const pl = alice.getRoom(roomId)?.currentState.getStateEvents("m.room.power_levels", "")?.getContent();
  assert.equal(pl?.users?.[bobUser.userId], undefined);
});

test("kick removes bob; he can rejoin a public room but not after a ban", async () => {
  await alice.sendStateEvent(roomId, EventType.RoomJoinRules, { join_rule: JoinRule.Public }, "");
  await alice.kick(roomId, bobUser.userId, "test kick");
  await eventually("bob sees he was kicked", () => bob.getRoom(roomId)?.getMyMembership() === "leave");
  await bob.joinRoom(roomId);
  await eventually("alice sees bob back", () => alice.getRoom(roomId)?.getMember(bobUser.userId)?.membership === "join");
  await alice.ban(roomId, bobUser.userId, "test ban");
  await eventually("bob sees he is banned", () => bob.getRoom(roomId)?.getMyMembership() === "ban");
  await assert.rejects(() => bob.joinRoom(roomId), (e: { httpStatus?: number }) => e.httpStatus === 403);
  await alice.unban(roomId, bobUser.userId);
  await eventually("alice sees the unban", () => alice.getRoom(roomId)?.getMember(bobUser.userId)?.membership === "leave");
});
