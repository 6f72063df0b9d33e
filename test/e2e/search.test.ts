/**
 * Server-side search (spec: client-server-api "Server Side Search", search.yaml): POST /search
 * over the rooms the user is or was in, through matrix-js-sdk's searchRoomEvents / search and raw
 * HTTP for refusals.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient, type MatrixClient, type ISearchResponse, type ISearchRequestBody } from "matrix-js-sdk";
import { startServer, registerUsers, api, call, type RunningServer, type TestUser } from "./harness.js";

let server: RunningServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let aliceSdk: MatrixClient;
const enc = encodeURIComponent;
let txn = 0;

type Result = { rank: number; result: { event_id: string; room_id: string; sender: string; content: { body?: string } }; context?: Record<string, unknown> };

async function send(user: TestUser, roomId: string, body: string): Promise<string> {
  const r = await api(server, user, "PUT", `/rooms/${enc(roomId)}/send/m.room.message/s${txn++}`, { msgtype: "m.text", body });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return String(r.body.event_id);
}

async function room(creator: TestUser, members: TestUser[], extra: Record<string, unknown> = {}): Promise<string> {
  const r = await api(server, creator, "POST", "/createRoom", { preset: "private_chat", invite: members.map((m) => m.userId), ...extra });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const roomId = String(r.body.room_id);
  for (const m of members) assert.equal((await api(server, m, "POST", `/join/${enc(roomId)}`, {})).status, 200);
  return roomId;
}

/** A raw search by `user`; must answer 200. */
async function search(user: TestUser, roomEvents: Record<string, unknown>, nextBatch?: string) {
  const q = nextBatch === undefined ? "" : `?next_batch=${enc(nextBatch)}`;
  const r = await call(server.baseUrl, "POST", `/_matrix/client/v3/search${q}`, { token: user.accessToken, body: { search_categories: { room_events: roomEvents } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.body.search_categories as Record<string, Record<string, unknown>>).room_events as {
    results: Result[];
    count: number;
    highlights: string[];
    next_batch?: string;
    groups?: Record<string, Record<string, { order: number; results: string[]; next_batch?: string }>>;
    state?: Record<string, { type: string }[]>;
  };
}

const bodies = (results: Result[]) => results.map((r) => r.result.content.body);

/** Pages through a search until no next_batch is left; every page within the limit. */
async function allPages(user: TestUser, roomEvents: Record<string, unknown>, limit: number) {
  const seen: Result[] = [];
  let next: string | undefined;
  for (let page = 0; page < 50; page++) {
    const res = await search(user, roomEvents, next);
    assert.ok(res.results.length <= limit, `page ${page} has ${res.results.length} results`);
    seen.push(...res.results);
    next = res.next_batch;
    if (next === undefined) return seen;
  }
  assert.fail("paging never ended");
}

let roomA: string;
let roomB: string;

before(async () => {
  server = await startServer();
  [alice, bob, carol] = await registerUsers(server.baseUrl, "alice", "bob", "carol");
  aliceSdk = createClient({ baseUrl: server.baseUrl, userId: alice.userId, accessToken: alice.accessToken, deviceId: alice.deviceId });
  roomA = await room(alice, [bob], { name: "Fox Den", topic: "All about the fox" });
  roomB = await room(alice, [bob]);
});
after(async () => server?.stop());

test("searchRoomEvents (matrix-js-sdk) finds a word in several rooms, newest first, with context, profiles and highlights", async () => {
  await send(alice, roomA, "first message in A");
  const a1 = await send(bob, roomA, "The quick brown fox jumps");
  await send(alice, roomA, "after the jump");
  const b1 = await send(alice, roomB, "Another FOXES story");
  await send(bob, roomB, "nothing to see here");

  const res = await aliceSdk.searchRoomEvents({ term: "fox" });
  const found = res.results.map((r) => r.context.getEvent());
  // The room's name ("Fox Den") and topic are searched too: they come after the newer messages.
  assert.deepEqual(found.map((e) => e.getType()), ["m.room.message", "m.room.message", "m.room.topic", "m.room.name"]);
  assert.deepEqual(found.slice(0, 2).map((e) => e.getId()), [b1, a1], "newest first");
  assert.ok(res.highlights.includes("fox"), JSON.stringify(res.highlights));
  assert.ok(res.highlights.includes("FOXES"), "the word the prefix matched, as written");
  const ctxA = res.results[1].context;
  assert.equal(ctxA.getTimeline().length, 3, "one event before and one after (the SDK asks before_limit/after_limit 1)");
  assert.equal(ctxA.getTimeline()[0].getContent().body, "first message in A");
  assert.equal(ctxA.getTimeline()[2].getContent().body, "after the jump");
  const raw = await aliceSdk.search({ body: { search_categories: { room_events: { search_term: "fox", keys: ["content.body"], event_context: { include_profile: true, before_limit: 1, after_limit: 1 } } } } });
  const withCtx = (raw.search_categories.room_events.results ?? []).find((r) => r.result.event_id === a1);
  const profiles = withCtx?.context?.profile_info as Record<string, { displayname?: string }> | undefined;
  assert.equal(profiles?.[bob.userId]?.displayname, "bob", JSON.stringify(withCtx?.context));
  assert.equal(typeof withCtx?.context?.start, "string");
  assert.equal(typeof withCtx?.context?.end, "string");
});

test("keys choose what is searched: the room name and topic, or only message bodies", async () => {
  const names = await search(alice, { search_term: "den", keys: ["content.name"] });
  assert.equal(names.results.length, 1);
  assert.equal(names.results[0].result.room_id, roomA);
  assert.equal((names.results[0].result as unknown as { type: string }).type, "m.room.name");
  const topics = await search(alice, { search_term: "fox", keys: ["content.topic"] });
  assert.deepEqual(topics.results.map((r) => (r.result as unknown as { type: string }).type), ["m.room.topic"]);
  const bodiesOnly = await search(alice, { search_term: "den", keys: ["content.body"] });
  assert.equal(bodiesOnly.results.length, 0);
  // m.topic's text/plain representation is searched as well (spec: m.room.topic).
  const t = await api(server, alice, "PUT", `/rooms/${enc(roomB)}/state/m.room.topic`, { topic: "weather", "m.topic": { "m.text": [{ body: "<i>x</i>", mimetype: "text/html" }, { body: "sunny intervals" }] } });
  assert.equal(t.status, 200);
  assert.equal((await search(alice, { search_term: "intervals", keys: ["content.topic"] })).results.length, 1);
  assert.equal((await search(alice, { search_term: "html", keys: ["content.topic"] })).results.length, 0, "not the HTML representation");
});

test("order_by rank puts the best match first, recent the newest; rank is a number, higher is better", async () => {
  const dense = await send(alice, roomA, "zebra zebra zebra");
  const sparse = await send(alice, roomA, "a zebra wandered through a very long sentence about many other unrelated things entirely");
  const byRank = await search(alice, { search_term: "zebra", order_by: "rank" });
  assert.deepEqual(byRank.results.map((r) => r.result.event_id), [dense, sparse]);
  assert.ok(typeof byRank.results[0].rank === "number" && byRank.results[0].rank > byRank.results[1].rank, JSON.stringify(byRank.results.map((r) => r.rank)));
  const byDefault = await search(alice, { search_term: "zebra" });
  assert.deepEqual(byDefault.results.map((r) => r.result.event_id), [dense, sparse], "rank is the default");
  const recent = await search(alice, { search_term: "zebra", order_by: "recent" });
  assert.deepEqual(recent.results.map((r) => r.result.event_id), [sparse, dense]);
  assert.equal(recent.count, 2);
});

test("next_batch pages through every result exactly once, in both orders, and the SDK's backPaginateRoomEventsSearch too", async () => {
  const sent = new Set<string>();
  for (let i = 0; i < 13; i++) sent.add(await send(i % 2 ? bob : alice, i % 3 ? roomA : roomB, `kiwi number ${i}${" kiwi".repeat(i % 4)}`));
  for (const order_by of ["recent", "rank"]) {
    const seen = await allPages(alice, { search_term: "kiwi", order_by, filter: { limit: 4 } }, 4);
    const ids = seen.map((r) => r.result.event_id);
    assert.equal(new Set(ids).size, ids.length, `${order_by}: no duplicates`);
    assert.deepEqual(new Set(ids), sent, `${order_by}: all of them`);
    const keys = seen.map((r) => (order_by === "rank" ? r.rank : 0));
    assert.deepEqual(keys, [...keys].sort((x, y) => y - x), `${order_by}: in order across pages`);
  }
  let res = await aliceSdk.searchRoomEvents({ term: "kiwi", filter: { limit: 5 } });
  while (res.next_batch) res = await aliceSdk.backPaginateRoomEventsSearch(res);
  const ids = res.results.map((r) => r.context.getEvent().getId());
  assert.equal(ids.length, 13);
  assert.deepEqual(new Set(ids), sent);
  const times = res.results.map((r) => r.context.getEvent().getTs());
  assert.deepEqual(times, [...times].sort((x, y) => y - x), "newest first");
});

test("filter: rooms, not_rooms, senders, not_senders and types narrow the results", async () => {
  const inB = await search(alice, { search_term: "kiwi", filter: { rooms: [roomB], limit: 50 } });
  assert.ok(inB.results.length > 0 && inB.results.every((r) => r.result.room_id === roomB));
  const notB = await search(alice, { search_term: "kiwi", filter: { not_rooms: [roomB], limit: 50 } });
  assert.ok(notB.results.length > 0 && notB.results.every((r) => r.result.room_id === roomA));
  assert.equal(inB.results.length + notB.results.length, 13);
  const byBob = await search(alice, { search_term: "kiwi", filter: { senders: [bob.userId], limit: 50 } });
  assert.ok(byBob.results.length === 6 && byBob.results.every((r) => r.result.sender === bob.userId), JSON.stringify(bodies(byBob.results)));
  const notBob = await search(alice, { search_term: "kiwi", filter: { not_senders: [bob.userId], limit: 50 } });
  assert.equal(notBob.results.length, 7);
  assert.equal((await search(alice, { search_term: "kiwi", filter: { types: ["m.room.name"] } })).results.length, 0);
  assert.equal((await search(alice, { search_term: "den", filter: { types: ["m.room.*"] } })).results.length, 1);
});

test("groupings by room_id and sender list each group's results, and a group's next_batch pages within it", async () => {
  const res = await search(alice, { search_term: "kiwi", order_by: "recent", filter: { limit: 4 }, groupings: { group_by: [{ key: "room_id" }, { key: "sender" }] } });
  const rooms = res.groups?.room_id ?? {};
  const senders = res.groups?.sender ?? {};
  const pageIds = res.results.map((r) => r.result.event_id);
  assert.deepEqual(Object.values(rooms).flatMap((g) => g.results).sort(), [...pageIds].sort());
  assert.deepEqual(Object.values(senders).flatMap((g) => g.results).sort(), [...pageIds].sort());
  for (const r of res.results) {
    assert.ok(rooms[r.result.room_id].results.includes(r.result.event_id));
    assert.ok(senders[r.result.sender].results.includes(r.result.event_id));
  }
  assert.deepEqual(Object.values(rooms).map((g) => g.order).sort(), Object.keys(rooms).map((_, i) => i + 1));
  // Paging within room A's group: only room A's results, all of them once.
  const groupA = rooms[roomA];
  assert.ok(groupA?.next_batch, JSON.stringify(rooms));
  const seen = [...groupA.results];
  let next: string | undefined = groupA.next_batch;
  while (next) {
    const page = await search(alice, { search_term: "kiwi", order_by: "recent", filter: { limit: 4 } }, next);
    assert.ok(page.results.every((r) => r.result.room_id === roomA));
    seen.push(...page.results.map((r) => r.result.event_id));
    next = page.next_batch;
  }
  const all = await search(alice, { search_term: "kiwi", filter: { rooms: [roomA], limit: 50 } });
  assert.deepEqual(seen.sort(), all.results.map((r) => r.result.event_id).sort());
});

test("include_state gives the current state of each room in the results", async () => {
  const res = await search(alice, { search_term: "den", include_state: true });
  assert.deepEqual(Object.keys(res.state ?? {}), [roomA]);
  const types = new Set(res.state?.[roomA].map((e) => e.type));
  for (const t of ["m.room.create", "m.room.member", "m.room.name", "m.room.power_levels"]) assert.ok(types.has(t), t);
  assert.equal((await search(alice, { search_term: "den" })).state, undefined, "not unless asked");
});

test("only what the user may see: a left room up to the leave, never a room they were not in, nor an encrypted room, nor a redacted message", async () => {
  const left = await room(carol, [alice]);
  const early = await send(carol, left, "penguin early");
  assert.equal((await api(server, alice, "POST", `/rooms/${enc(left)}/leave`, {})).status, 200);
  await send(carol, left, "penguin late");
  const never = await room(carol, []);
  await send(carol, never, "penguin secret");
  const encrypted = await room(alice, [], { initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }] });
  await send(alice, encrypted, "penguin in an encrypted room");
  const gone = await send(alice, roomA, "penguin redacted");
  const red = await api(server, alice, "PUT", `/rooms/${enc(roomA)}/redact/${enc(gone)}/r${txn++}`, { reason: "oops" });
  assert.equal(red.status, 200);

  const res = await search(alice, { search_term: "penguin" });
  assert.deepEqual(res.results.map((r) => r.result.event_id), [early]);
  assert.equal(res.count, 1, "nor are the others counted");
  const recent = await search(alice, { search_term: "penguin", order_by: "recent", include_state: true });
  assert.deepEqual(recent.results.map((r) => r.result.event_id), [early]);
  assert.deepEqual(Object.keys(recent.state ?? {}), [left]);
  assert.ok(!recent.state?.[left].some((e) => (e as { content?: { body?: string } }).content?.body), "state as of the leave");
  // Asking for the other room by ID does not let the user in.
  assert.equal((await search(alice, { search_term: "penguin", filter: { rooms: [never, encrypted] } })).results.length, 0);
  // Carol, still in both, finds everything but the encrypted and redacted ones.
  assert.equal((await search(carol, { search_term: "penguin" })).results.length, 3);
  assert.equal((await search(alice, { search_term: "redacted" })).results.length, 0);
});

test("search terms with FTS syntax or quotes are plain words: phrases, exclusion and `or` work, nothing errors", async () => {
  await send(alice, roomB, "meet at the red barn");
  await send(alice, roomB, "the barn is red");
  assert.deepEqual(bodies((await search(alice, { search_term: '"red barn"' })).results), ["meet at the red barn"]);
  assert.deepEqual(bodies((await search(alice, { search_term: "barn -meet" })).results), ["the barn is red"]);
  assert.equal((await search(alice, { search_term: "meet or \"barn is\"" })).results.length, 2);
  for (const term of ['"', 'red"', "*", "NEAR(red barn)", "red AND", "NOT", "(barn", "barn)", "{body}: red", "^red", "barn:red", "-", "--", "'; DROP TABLE events; --", "", "🦊"]) {
    const res = await search(alice, { search_term: term });
    assert.ok(Array.isArray(res.results), term);
  }
  // Punctuation joins words into a phrase, as in "e-mail".
  assert.deepEqual(bodies((await search(alice, { search_term: "red:barn" })).results), ["meet at the red barn"]);
});

test("bad requests are refused with the spec's errors, and a search still answers the same after them", async () => {
  const good = { search_categories: { room_events: { search_term: "zebra", order_by: "recent" } } };
  const baseline = await search(alice, good.search_categories.room_events);
  const post = (body: unknown, opts: { token?: string | null; query?: string; raw?: string } = {}) =>
    call(server.baseUrl, "POST", `/_matrix/client/v3/search${opts.query ?? ""}`, {
      token: opts.token === null ? undefined : (opts.token ?? alice.accessToken),
      ...(opts.raw !== undefined ? { rawBody: opts.raw } : { body }),
    });
  const cases: [string, Promise<{ status: number; body: Record<string, unknown> }>, number, string][] = [
    ["no token", post(good, { token: null }), 401, "M_MISSING_TOKEN"],
    ["bad token", post(good, { token: "nope" }), 401, "M_UNKNOWN_TOKEN"],
    ["not JSON", post(undefined, { raw: "{" }), 400, "M_NOT_JSON"],
    ["not an object", post([1]), 400, "M_NOT_JSON"],
    ["missing search_categories", post({}), 400, "M_BAD_JSON"],
    ["missing room_events", post({ search_categories: {} }), 400, "M_BAD_JSON"],
    ["missing search_term", post({ search_categories: { room_events: {} } }), 400, "M_BAD_JSON"],
    ["search_term not a string", post({ search_categories: { room_events: { search_term: 42 } } }), 400, "M_BAD_JSON"],
    ["unknown order_by", post({ search_categories: { room_events: { search_term: "x", order_by: "best" } } }), 400, "M_INVALID_PARAM"],
    ["unknown key", post({ search_categories: { room_events: { search_term: "x", keys: ["content.url"] } } }), 400, "M_INVALID_PARAM"],
    ["unknown group", post({ search_categories: { room_events: { search_term: "x", groupings: { group_by: [{ key: "type" }] } } } }), 400, "M_INVALID_PARAM"],
    ["bad next_batch", post(good, { query: "?next_batch=garbage" }), 400, "M_INVALID_PARAM"],
    ["next_batch of another order", post(good, { query: `?next_batch=${enc(Buffer.from(JSON.stringify({ v: 1, o: "rank", p: 1, r: roomA, e: 1 })).toString("base64url"))}` }), 400, "M_INVALID_PARAM"],
    ["filter not an object", post({ search_categories: { room_events: { search_term: "x", filter: "all" } } }), 400, "M_BAD_JSON"],
    ["filter senders not a list", post({ search_categories: { room_events: { search_term: "x", filter: { senders: alice.userId } } } }), 400, "M_BAD_JSON"],
    ["filter limit 0", post({ search_categories: { room_events: { search_term: "x", filter: { limit: 0 } } } }), 400, "M_INVALID_PARAM"],
    ["filter rooms not room IDs", post({ search_categories: { room_events: { search_term: "x", filter: { rooms: ["general"] } } } }), 400, "M_INVALID_PARAM"],
    ["event_context not an object", post({ search_categories: { room_events: { search_term: "x", event_context: 5 } } }), 400, "M_BAD_JSON"],
  ];
  for (const [what, pending, status, errcode] of cases) {
    const r = await pending;
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.errcode, errcode, what);
  }
  // `age` grows between the two answers; all else is the same.
  const ageless = (r: Awaited<ReturnType<typeof search>>) => JSON.stringify(r, (k, v: unknown) => (k === "age" ? undefined : v));
  assert.equal(ageless(await search(alice, good.search_categories.room_events)), ageless(baseline));
});

test("the SDK's typed search() answers the spec's shape for the spec's example request", async () => {
  const body: ISearchRequestBody = {
    search_categories: { room_events: { keys: ["content.body"], search_term: "martians and men", order_by: "recent" as never, groupings: { group_by: [{ key: "room_id" as never }] } } },
  };
  await send(bob, roomB, "Martians and men met on Mars");
  const res: ISearchResponse = await aliceSdk.search({ body });
  const cat = res.search_categories.room_events;
  assert.equal(cat.results?.length, 1);
  assert.equal(cat.count, 1);
  assert.deepEqual(cat.highlights?.slice(0, 3), ["martians", "and", "men"]);
  assert.equal(cat.next_batch, undefined, "no more results, no next_batch");
  assert.deepEqual((cat as unknown as { groups: Record<string, Record<string, { results: string[] }>> }).groups.room_id[roomB].results, [cat.results?.[0].result.event_id]);
});

test("an ignored user's messages are not in the searcher's results (spec: ignoring users)", async () => {
  const [erin] = await registerUsers(server.baseUrl, "erin");
  const roomId = await room(alice, [bob, erin]);
  await send(erin, roomId, "quokka selfie");
  await send(bob, roomId, "quokka reply");
  const path = `/user/${enc(alice.userId)}/account_data/m.ignored_user_list`;
  assert.equal((await api(server, alice, "PUT", path, { ignored_users: { [erin.userId]: {} } })).status, 200);
  const res = await search(alice, { search_term: "quokka", event_context: { before_limit: 3, after_limit: 3 } });
  assert.deepEqual(bodies(res.results), ["quokka reply"]);
  assert.ok(!JSON.stringify(res.results[0].context).includes("selfie"), "nor in the context");
  assert.equal((await search(bob, { search_term: "quokka" })).results.length, 2, "bob ignores no one");
  assert.equal((await api(server, alice, "PUT", path, { ignored_users: {} })).status, 200);
});

test("history visibility applies: in a `joined` room, only what was sent after the searcher joined", async () => {
  const roomId = await room(carol, [], { initial_state: [{ type: "m.room.history_visibility", state_key: "", content: { history_visibility: "joined" } }] });
  for (let i = 0; i < 30; i++) await send(carol, roomId, `narwhal before ${i}`);
  assert.equal((await api(server, carol, "POST", `/rooms/${enc(roomId)}/invite`, { user_id: alice.userId })).status, 200);
  assert.equal((await api(server, alice, "POST", `/join/${enc(roomId)}`, {})).status, 200);
  await send(carol, roomId, "narwhal after one");
  await send(carol, roomId, "narwhal after two");
  for (const order_by of ["rank", "recent"]) {
    const seen = await allPages(alice, { search_term: "narwhal", order_by, filter: { limit: 1 } }, 1);
    assert.deepEqual(bodies(seen).sort(), ["narwhal after one", "narwhal after two"], order_by);
  }
  // Nor does the count tell alice how often the word was said before she could see the room.
  assert.equal((await search(alice, { search_term: "narwhal" })).count, 2);
  const all = await search(carol, { search_term: "narwhal", filter: { limit: 50 } });
  assert.equal(all.results.length, 32);
  assert.equal(all.count, 32);
});

test("a result's context tokens page on through /messages from where the context ends", async () => {
  const roomId = await room(alice, []);
  for (const w of ["one", "two", "three"]) await send(alice, roomId, `ibex ${w}`);
  const target = await send(alice, roomId, "wombat target");
  for (const w of ["four", "five", "six"]) await send(alice, roomId, `ibex ${w}`);
  const res = await search(alice, { search_term: "wombat", event_context: { before_limit: 1, after_limit: 1 } });
  assert.deepEqual(res.results.map((r) => r.result.event_id), [target]);
  const ctx = res.results[0].context as { start: string; end: string; events_before: { content: { body: string } }[]; events_after: { content: { body: string } }[] };
  assert.deepEqual(ctx.events_before.map((e) => e.content.body), ["ibex three"]);
  assert.deepEqual(ctx.events_after.map((e) => e.content.body), ["ibex four"]);
  const back = await api(server, alice, "GET", `/rooms/${enc(roomId)}/messages?dir=b&limit=1&from=${enc(ctx.start)}`);
  assert.equal(back.status, 200);
  assert.deepEqual((back.body.chunk as { content: { body?: string } }[]).map((e) => e.content.body), ["ibex two"]);
  const fwd = await api(server, alice, "GET", `/rooms/${enc(roomId)}/messages?dir=f&limit=1&from=${enc(ctx.end)}`);
  assert.equal(fwd.status, 200);
  assert.deepEqual((fwd.body.chunk as { content: { body?: string } }[]).map((e) => e.content.body), ["ibex five"]);
});
