/**
 * Server-side search benchmark (bench/README.md "Search figures"): POST /search latency for a
 * user in 20 rooms of 200 messages each (4 000 messages), so each search fans out to 20 RoomDOs
 * (8 at a time) and merges their FTS5 results.
 *
 * Messages are 8 words drawn (deterministically) from a 60-word vocabulary, so a common word
 * matches a few hundred messages per room and the rare word "zyzzyva" one message in 50.
 * `BENCH=search npm run bench --silent`, or `node --import tsx bench/search.ts` on its own server.
 */
import { pathToFileURL } from "node:url";
import { call, registerUser, startServer, type TestUser } from "../test/e2e/harness.js";
import { summarize } from "./clientServer.js";

const ROOMS = 20;
const MESSAGES_PER_ROOM = 200;
const SAMPLES = 20;
/** Rooms filled at once (each room's messages go one after another). */
const FILL_CONCURRENCY = 5;

const WORDS = (
  "apple river stone cloud garden window silver orange yellow purple market bridge forest candle " +
  "winter summer autumn spring planet rocket butter pepper ginger lemon island harbor castle meadow " +
  "thunder whisper shadow mirror pocket ladder rabbit falcon tiger dolphin pencil paper marble copper " +
  "violin guitar piano trumpet basket blanket saddle lantern compass anchor helmet jacket velvet cotton"
).split(" ");

export interface SearchFigures {
  setup: { rooms: number; messages_per_room: number; fill_seconds: number };
  /** A word in ~1 message in 8: order_by rank, default page of 10. */
  common_rank: ReturnType<typeof summarize> & { count: number };
  common_recent: ReturnType<typeof summarize>;
  /** The second page of the recent search, through its next_batch. */
  common_recent_next_page: ReturnType<typeof summarize>;
  /** Two words, both required, with event_context (5 before, 5 after) and include_state. */
  two_words_with_context_and_state: ReturnType<typeof summarize>;
  /** A word in 1 message in 50. */
  rare_rank: ReturnType<typeof summarize> & { count: number };
  /** A word in no message: the fan-out's floor. */
  no_match: ReturnType<typeof summarize>;
}

async function ok(base: string, user: TestUser, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await call(base, method, `/_matrix/client/v3${path}`, { token: user.accessToken, body });
  if (r.status !== 200) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A small deterministic generator, so every run indexes the same text. */
function words(seed: number): () => string {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return WORDS[(x >>> 0) % WORDS.length];
  };
}

async function fillRoom(base: string, user: TestUser, r: number): Promise<string> {
  const roomId = String((await ok(base, user, "POST", "/createRoom", { preset: "private_chat", name: `bench room ${r}` })).room_id);
  const next = words(r + 1);
  for (let i = 0; i < MESSAGES_PER_ROOM; i++) {
    const text = Array.from({ length: 8 }, next).join(" ") + (i % 50 === 0 ? " zyzzyva" : "");
    await ok(base, user, "PUT", `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/b${r}-${i}`, { msgtype: "m.text", body: text });
  }
  return roomId;
}

type RoomEvents = { count?: number; next_batch?: string; results?: unknown[] };

async function measure(base: string, user: TestUser, roomEvents: Record<string, unknown>, nextBatch?: () => string | undefined): Promise<{ samples: number[]; last: RoomEvents }> {
  const samples: number[] = [];
  let last: RoomEvents = {};
  // One warm-up, not counted.
  for (let i = 0; i <= SAMPLES; i++) {
    const nb = nextBatch?.();
    const q = nb ? `?next_batch=${encodeURIComponent(nb)}` : "";
    const start = performance.now();
    const body = await ok(base, user, "POST", `/search${q}`, { search_categories: { room_events: roomEvents } });
    if (i > 0) samples.push(performance.now() - start);
    last = (body.search_categories as { room_events: RoomEvents }).room_events;
  }
  return { samples, last };
}

export async function benchSearch(base: string): Promise<SearchFigures> {
  const user = await registerUser(base, { prefix: "benchsearch" });
  const fillStart = performance.now();
  const queue = Array.from({ length: ROOMS }, (_, r) => r);
  await Promise.all(
    Array.from({ length: FILL_CONCURRENCY }, async () => {
      for (let r = queue.shift(); r !== undefined; r = queue.shift()) await fillRoom(base, user, r);
    }),
  );
  const fill_seconds = Math.round((performance.now() - fillStart) / 100) / 10;

  const commonRank = await measure(base, user, { search_term: "falcon", order_by: "rank" });
  const commonRecent = await measure(base, user, { search_term: "falcon", order_by: "recent" });
  const firstPage = commonRecent.last.next_batch;
  if (!firstPage) throw new Error("the common word gave no second page");
  const nextPage = await measure(base, user, { search_term: "falcon", order_by: "recent" }, () => firstPage);
  const twoWords = await measure(base, user, { search_term: "falcon tiger", event_context: { before_limit: 5, after_limit: 5 }, include_state: true });
  const rare = await measure(base, user, { search_term: "zyzzyva" });
  const none = await measure(base, user, { search_term: "nonexistentword" });
  return {
    setup: { rooms: ROOMS, messages_per_room: MESSAGES_PER_ROOM, fill_seconds },
    common_rank: { ...summarize(commonRank.samples), count: commonRank.last.count ?? 0 },
    common_recent: summarize(commonRecent.samples),
    common_recent_next_page: summarize(nextPage.samples),
    two_words_with_context_and_state: summarize(twoWords.samples),
    rare_rank: { ...summarize(rare.samples), count: rare.last.count ?? 0 },
    no_match: summarize(none.samples),
  };
}

export function searchSummary(f: SearchFigures): string {
  return (
    `search (${f.setup.rooms} rooms × ${f.setup.messages_per_room} messages): p50/p95 ` +
    `common rank ${f.common_rank.p50_ms}/${f.common_rank.p95_ms} ms (count ${f.common_rank.count}), ` +
    `recent ${f.common_recent.p50_ms}/${f.common_recent.p95_ms} ms, next page ${f.common_recent_next_page.p50_ms}/${f.common_recent_next_page.p95_ms} ms, ` +
    `with context+state ${f.two_words_with_context_and_state.p50_ms}/${f.two_words_with_context_and_state.p95_ms} ms, ` +
    `rare ${f.rare_rank.p50_ms}/${f.rare_rank.p95_ms} ms, no match ${f.no_match.p50_ms}/${f.no_match.p95_ms} ms`
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const server = await startServer({ vars: { RATE_LIMITS: "off", LATTICE_METRICS: "on" } });
  try {
    const figures = await benchSearch(server.baseUrl);
    console.log(JSON.stringify(figures, null, 2));
    console.error(searchSummary(figures));
  } finally {
    await server.stop();
  }
}
