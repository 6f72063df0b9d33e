/**
 * Bundled aggregations (unsigned["m.relations"]: m.replace, m.thread, m.reference) on /messages,
 * /event, /context and /relations, and GET /v1/rooms/{roomId}/threads.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, registerUsers, api, call, type RunningServer, type TestUser } from "./harness.js";

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let eve: TestUser;
const enc = encodeURIComponent;
let txn = 0;

type Ev = { event_id: string; sender: string; content: Record<string, unknown>; unsigned?: { "m.relations"?: Record<string, unknown> } };

async function send(user: TestUser, roomId: string, content: Record<string, unknown>, type = "m.room.message"): Promise<string> {
  const r = await api(server, user, "PUT", `/rooms/${enc(roomId)}/send/${type}/t${txn++}`, content);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return String(r.body.event_id);
}

function text(body: string, extra: Record<string, unknown> = {}) {
  return { msgtype: "m.text", body, ...extra };
}

function threadReply(root: string, body: string) {
  return text(body, { "m.relates_to": { rel_type: "m.thread", event_id: root, is_falling_back: true, "m.in_reply_to": { event_id: root } } });
}

async function roomWith(...members: TestUser[]): Promise<string> {
  const r = await api(server, alice, "POST", "/createRoom", { preset: "public_chat" });
  assert.equal(r.status, 200);
  const roomId = String(r.body.room_id);
  for (const m of members) assert.equal((await api(server, m, "POST", `/join/${enc(roomId)}`, {})).status, 200);
  return roomId;
}

async function messages(user: TestUser, roomId: string): Promise<Ev[]> {
  const r = await api(server, user, "GET", `/rooms/${enc(roomId)}/messages?dir=b&limit=50`);
  assert.equal(r.status, 200);
  return r.body.chunk as Ev[];
}

function threads(user: TestUser, roomId: string, query = "") {
  return call(server.baseUrl, "GET", `/_matrix/client/v1/rooms/${enc(roomId)}/threads${query}`, { token: user.accessToken });
}

before(async () => {
  server = await startServer();
  [alice, bob, carol, eve] = await registerUsers(server.baseUrl, "alice", "bob", "carol", "eve");
});
after(async () => server?.stop());

test("an edit is bundled as m.replace on the original in /messages, /event and /context; another user's edit is not", async () => {
  const roomId = await roomWith(bob);
  const original = await send(alice, roomId, text("I like cake"));
  const edit = (by: TestUser, body: string) =>
    send(by, roomId, text(`* ${body}`, { "m.new_content": text(body), "m.relates_to": { rel_type: "m.replace", event_id: original } }));
  await edit(alice, "I like chocolate cake");
  const latest = await edit(alice, "I really like chocolate cake");
  await edit(bob, "alice likes nothing"); // invalid: another sender

  const check = (ev: Ev | undefined, where: string) => {
    assert.ok(ev, where);
    const replace = ev.unsigned?.["m.relations"]?.["m.replace"] as Ev | undefined;
    assert.equal(replace?.event_id, latest, where);
    assert.equal(replace?.sender, alice.userId, where);
    assert.equal(ev.content.body, "I like cake", `${where}: the original content is left intact`);
  };
  check((await messages(bob, roomId)).find((e) => e.event_id === original), "/messages");
  const one = await api(server, bob, "GET", `/rooms/${enc(roomId)}/event/${enc(original)}`);
  assert.equal(one.status, 200);
  check(one.body as unknown as Ev, "/event");
  const ctx = await api(server, bob, "GET", `/rooms/${enc(roomId)}/context/${enc(original)}?limit=4`);
  assert.equal(ctx.status, 200);
  check(ctx.body.event as Ev, "/context");
});

test("an edit without m.new_content or of another type is not bundled", async () => {
  const roomId = await roomWith();
  const original = await send(alice, roomId, text("hello"));
  await send(alice, roomId, text("* no new content", { "m.relates_to": { rel_type: "m.replace", event_id: original } }));
  await send(alice, roomId, { "m.new_content": text("x"), "m.relates_to": { rel_type: "m.replace", event_id: original } }, "org.example.other");
  const ev = (await messages(alice, roomId)).find((e) => e.event_id === original);
  assert.equal(ev?.unsigned?.["m.relations"]?.["m.replace"], undefined);
});

test("a thread with 3 replies: count, latest_event and current_user_participated per reader", async () => {
  const roomId = await roomWith(bob, carol);
  const root = await send(alice, roomId, text("root"));
  await send(bob, roomId, threadReply(root, "one"));
  await send(alice, roomId, threadReply(root, "two"));
  const last = await send(bob, roomId, threadReply(root, "three"));
  const threadOf = async (user: TestUser) => {
    const r = await api(server, user, "GET", `/rooms/${enc(roomId)}/event/${enc(root)}`);
    assert.equal(r.status, 200);
    return (r.body as unknown as Ev).unsigned?.["m.relations"]?.["m.thread"] as { count: number; latest_event: Ev; current_user_participated: boolean };
  };
  const forBob = await threadOf(bob);
  assert.equal(forBob.count, 3);
  assert.equal(forBob.latest_event.event_id, last);
  assert.equal(forBob.latest_event.content.body, "three");
  assert.equal(forBob.current_user_participated, true);
  assert.equal((await threadOf(alice)).current_user_participated, true, "the root's sender participated");
  assert.equal((await threadOf(carol)).current_user_participated, false);
  const inMessages = (await messages(carol, roomId)).find((e) => e.event_id === root);
  assert.equal((inMessages?.unsigned?.["m.relations"]?.["m.thread"] as { count: number }).count, 3);
});

test("/threads lists roots by latest activity, filters participated, paginates, refuses bad params and non-members", async () => {
  const roomId = await roomWith(bob, carol);
  const a = await send(alice, roomId, text("thread a"));
  const b = await send(alice, roomId, text("thread b"));
  const c = await send(carol, roomId, text("thread c"));
  await send(alice, roomId, text("not a thread"));
  await send(bob, roomId, threadReply(a, "a1"));
  await send(carol, roomId, threadReply(c, "c1"));
  await send(carol, roomId, threadReply(b, "b1"));
  await send(bob, roomId, threadReply(a, "a2")); // a is now the most recently active

  const all = await threads(alice, roomId);
  assert.equal(all.status, 200, JSON.stringify(all.body));
  const ids = (all.body.chunk as Ev[]).map((e) => e.event_id);
  assert.deepEqual(ids, [a, b, c]);
  assert.equal(((all.body.chunk as Ev[])[0].unsigned?.["m.relations"]?.["m.thread"] as { count: number }).count, 2);
  assert.equal(all.body.next_batch, undefined);

  const bobs = await threads(bob, roomId, "?include=participated");
  assert.deepEqual((bobs.body.chunk as Ev[]).map((e) => e.event_id), [a]);
  const carols = await threads(carol, roomId, "?include=participated");
  assert.deepEqual((carols.body.chunk as Ev[]).map((e) => e.event_id), [b, c], "c as its root's sender, b as a replier");

  const seen: string[] = [];
  let from: string | undefined;
  for (let i = 0; i < 5; i++) {
    const page = await threads(alice, roomId, `?limit=2${from ? `&from=${enc(from)}` : ""}`);
    assert.equal(page.status, 200);
    seen.push(...(page.body.chunk as Ev[]).map((e) => e.event_id));
    from = page.body.next_batch as string | undefined;
    if (!from) break;
  }
  assert.deepEqual(seen, [a, b, c]);

  for (const q of ["?include=mine", "?limit=0", "?limit=-3", "?limit=abc", "?from=bogus"]) {
    const r = await threads(alice, roomId, q);
    assert.equal(r.status, 400, q);
    assert.equal(r.body.errcode, "M_INVALID_PARAM", q);
  }
  const outsider = await threads(eve, roomId);
  assert.equal(outsider.status, 403);
  assert.equal(outsider.body.errcode, "M_FORBIDDEN");
});

test("a reference is bundled in m.reference, also on events served by /relations", async () => {
  const roomId = await roomWith(bob);
  const parent = await send(alice, roomId, text("poll-ish"));
  const ref1 = await send(bob, roomId, { body: "ref", "m.relates_to": { rel_type: "m.reference", event_id: parent } }, "org.example.response");
  const ref2 = await send(alice, roomId, { body: "ref", "m.relates_to": { rel_type: "m.reference", event_id: parent } }, "org.example.response");
  const ev = (await messages(bob, roomId)).find((e) => e.event_id === parent);
  assert.deepEqual(ev?.unsigned?.["m.relations"]?.["m.reference"], { chunk: [{ event_id: ref1 }, { event_id: ref2 }] });

  // An edit of a reference is bundled on it when /relations serves it.
  await send(bob, roomId, { body: "* ref", "m.new_content": { body: "ref!" }, "m.relates_to": { rel_type: "m.replace", event_id: ref1 } }, "org.example.response");
  const rel = await call(server.baseUrl, "GET", `/_matrix/client/v1/rooms/${enc(roomId)}/relations/${enc(parent)}/m.reference`, { token: bob.accessToken });
  assert.equal(rel.status, 200);
  const served = (rel.body.chunk as Ev[]).find((e) => e.event_id === ref1);
  assert.ok(served?.unsigned?.["m.relations"]?.["m.replace"]);
});

test("redacting the latest edit falls back to the previous one; redacting the original drops m.replace", async () => {
  const roomId = await roomWith();
  const original = await send(alice, roomId, text("v0"));
  const edit = (body: string) => send(alice, roomId, text(`* ${body}`, { "m.new_content": text(body), "m.relates_to": { rel_type: "m.replace", event_id: original } }));
  const first = await edit("v1");
  const second = await edit("v2");
  const replaceOf = async () => {
    const r = await api(server, alice, "GET", `/rooms/${enc(roomId)}/event/${enc(original)}`);
    return ((r.body as unknown as Ev).unsigned?.["m.relations"]?.["m.replace"] as Ev | undefined)?.event_id;
  };
  assert.equal(await replaceOf(), second);
  assert.equal((await api(server, alice, "PUT", `/rooms/${enc(roomId)}/redact/${enc(second)}/r${txn++}`, {})).status, 200);
  assert.equal(await replaceOf(), first);
  assert.equal((await api(server, alice, "PUT", `/rooms/${enc(roomId)}/redact/${enc(original)}/r${txn++}`, {})).status, 200);
  assert.equal(await replaceOf(), undefined);
});

test("thread replies the reader may not see are not counted", async () => {
  const r = await api(server, alice, "POST", "/createRoom", { preset: "public_chat", initial_state: [{ type: "m.room.history_visibility", content: { history_visibility: "joined" } }] });
  const roomId = String(r.body.room_id);
  assert.equal((await api(server, carol, "POST", `/join/${enc(roomId)}`, {})).status, 200);
  const root = await send(alice, roomId, text("root"));
  const seen = await send(alice, roomId, threadReply(root, "while carol is here"));
  assert.equal((await api(server, carol, "POST", `/rooms/${enc(roomId)}/leave`, {})).status, 200);
  await send(alice, roomId, threadReply(root, "after carol left"));
  const forCarol = await api(server, carol, "GET", `/rooms/${enc(roomId)}/event/${enc(root)}`);
  assert.equal(forCarol.status, 200);
  const thread = (forCarol.body as unknown as Ev).unsigned?.["m.relations"]?.["m.thread"] as { count: number; latest_event: Ev };
  assert.equal(thread.count, 1);
  assert.equal(thread.latest_event.event_id, seen);
  const forAlice = await api(server, alice, "GET", `/rooms/${enc(roomId)}/event/${enc(root)}`);
  assert.equal(((forAlice.body as unknown as Ev).unsigned?.["m.relations"]?.["m.thread"] as { count: number }).count, 2);
});
