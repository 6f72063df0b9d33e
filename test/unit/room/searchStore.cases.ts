/**
 * The search index (durable-objects/room/searchStore.ts) and the room migration that creates it
 * and indexes the events a room already holds; run inside workerd (real FTS5) by
 * test/unit/stores.test.ts.
 */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { ROOM_MIGRATIONS } from "../../../schema/room.js";
import { EventStore, type InsertOptions } from "../../../durable-objects/room/eventStore.js";
import { SearchStore } from "../../../durable-objects/room/searchStore.js";
import type { PDU } from "../../../protocol/pdu.js";
import type { JsonObject } from "../../../protocol/json.js";
import { compareKeys, searchableText, toFtsQuery, type SortKey } from "../../../protocol/search/index.js";

const ROOM = "!r:x";

function pdu(id: string, type: string, content: JsonObject, ts: number, stateKey?: string): PDU {
  const p: PDU = { event_id: id, room_id: ROOM, sender: "@a:x", type, content, prev_events: [], auth_events: [], depth: 1, origin_server_ts: ts, hashes: { sha256: "" }, signatures: {} };
  if (stateKey !== undefined) p.state_key = stateKey;
  return p;
}

const match = (term: string) => {
  const m = toFtsQuery(term, ["content.body", "content.name", "content.topic"]).match;
  assert.ok(m);
  return m;
};

/** All matches, a page of `limit` at a time, resuming after the last one as next_batch does. */
function paged(search: SearchStore, term: string, order: "rank" | "recent", limit: number): number[] {
  const out: number[] = [];
  let after: SortKey | undefined;
  for (let i = 0; i < 100; i++) {
    const rows = search.matches(match(term), order, ROOM, after, Number.MAX_SAFE_INTEGER, limit);
    out.push(...rows.map((r) => r.ordering));
    if (rows.length < limit) return out;
    const last = rows[rows.length - 1];
    after = { primary: order === "rank" ? last.score : last.origin_server_ts, roomId: ROOM, ordering: last.ordering };
  }
  throw new Error("never ended");
}

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "the migration indexes the messages, names and topics a room already holds, but no hidden, redacted or encrypted event"(sql) {
    migrate(sql, ROOM_MIGRATIONS.slice(0, -1));
    const events = new EventStore(sql);
    const add = (p: PDU, opts: InsertOptions = {}) => events.insertEvent(p, { before: 1, after: 1, ...opts });
    const shown = add(pdu("$m", "m.room.message", { msgtype: "m.text", body: "hello walrus" }, 1));
    const name = add(pdu("$n", "m.room.name", { name: "Walrus Club" }, 2, ""));
    const topic = add(pdu("$t", "m.room.topic", { topic: "tusks", "m.topic": { "m.text": [{ body: "tusks" }, { mimetype: "text/html", body: "<b>walrus</b>" }, { body: "walrus facts" }] } }, 3, ""));
    add(pdu("$out", "m.room.message", { body: "walrus outlier" }, 4), { outlier: true });
    add(pdu("$soft", "m.room.message", { body: "walrus soft" }, 5), { softFailed: true });
    add(pdu("$rej", "m.room.message", { body: "walrus rejected" }, 6), { rejected: "auth" });
    const redacted = add(pdu("$red", "m.room.message", { body: "walrus redacted" }, 7));
    events.storeRedacted(pdu("$red", "m.room.message", {}, 7), "$redaction");
    add(pdu("$enc", "m.room.encrypted", { ciphertext: "walrus", body: "walrus" }, 8));
    add(pdu("$num", "m.room.message", { body: 42 }, 9));
    migrate(sql, ROOM_MIGRATIONS);
    const search = new SearchStore(sql);
    assert.deepEqual(search.matches(match("walrus"), "recent", ROOM, undefined, Number.MAX_SAFE_INTEGER, 50).map((r) => r.ordering), [topic, name, shown]);
    assert.equal(search.matches(match("tusks"), "recent", ROOM, undefined, Number.MAX_SAFE_INTEGER, 50).length, 1, "content.topic once");
    assert.equal(search.matches(match("b"), "recent", ROOM, undefined, Number.MAX_SAFE_INTEGER, 50).length, 0, "not the HTML representation");
    assert.ok(!search.matches(match("walrus"), "recent", ROOM, undefined, Number.MAX_SAFE_INTEGER, 50).some((r) => r.ordering === redacted));
    // The migration's SQL and searchableText (which indexes new events) agree on what is indexed.
    const indexed = sql.exec<{ rowid: number; body: string | null; name: string | null; topic: string | null }>("SELECT rowid, body, name, topic FROM event_search ORDER BY rowid").toArray();
    for (const row of indexed) {
      const ev = events.rowsByOrdering([row.rowid])[0];
      const p = JSON.parse(ev.json) as PDU;
      assert.deepEqual(searchableText(p.type, p.content), Object.fromEntries(Object.entries({ body: row.body, name: row.name, topic: row.topic }).filter(([, v]) => v !== null)));
    }
  },

  "matches come best first or newest first, pages resume after their last row without repeats, and a removed event is gone"(sql) {
    migrate(sql, ROOM_MIGRATIONS);
    const events = new EventStore(sql);
    const search = new SearchStore(sql);
    const all: number[] = [];
    for (let i = 0; i < 23; i++) {
      const body = `otter ${"otter ".repeat(i % 5)}number ${i} ${"filler ".repeat(i % 7)}`;
      // Several events share a timestamp: ties go by ordering.
      const o = events.insertEvent(pdu(`$e${i}`, "m.room.message", { body }, 1000 + Math.floor(i / 3)), { before: 1, after: 1 });
      search.index(o, { body });
      all.push(o);
    }
    const recent = paged(search, "otter", "recent", 4);
    assert.deepEqual(recent, [...all].reverse());
    const byRank = paged(search, "otter", "rank", 4);
    assert.equal(new Set(byRank).size, 23);
    const scores = search.matches(match("otter"), "rank", ROOM, undefined, Number.MAX_SAFE_INTEGER, 50);
    assert.deepEqual(byRank, scores.map((r) => r.ordering));
    const keys = scores.map((r) => ({ primary: r.score, roomId: ROOM, ordering: r.ordering }));
    assert.deepEqual(keys, [...keys].sort(compareKeys), "the same order as the merge uses");
    // upTo: a user who left at ordering all[9] searches only up to it.
    assert.deepEqual(search.matches(match("otter"), "recent", ROOM, undefined, all[9], 50).map((r) => r.ordering), all.slice(0, 10).reverse());
    assert.equal(search.count(match("otter"), 0, all[9]), 10);
    // from: a user whose history starts at all[5] (joined-only visibility) counts nothing before it.
    assert.equal(search.count(match("otter"), all[5], all[9]), 5);
    assert.equal(search.count(match("otter"), 0, Number.MAX_SAFE_INTEGER), 23);
    // A cursor in another room that sorts first: all of this room's events at the tie come after it.
    const tie = { primary: 1000 + 7, roomId: "!a:x", ordering: 0 };
    assert.deepEqual(search.matches(match("otter"), "recent", ROOM, tie, Number.MAX_SAFE_INTEGER, 50).map((r) => r.ordering), all.filter((_, i) => Math.floor(i / 3) <= 7).reverse());
    search.remove(all[22]);
    assert.equal(search.count(match("otter"), 0, Number.MAX_SAFE_INTEGER), 22);
    assert.equal(search.matches(match("number 22"), "rank", ROOM, undefined, Number.MAX_SAFE_INTEGER, 50).length, 0);
  },
};
