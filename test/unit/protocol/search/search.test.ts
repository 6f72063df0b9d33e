import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  SearchError,
  compareKeys,
  decodeNextBatch,
  encodeNextBatch,
  highlights,
  mergeCandidates,
  parseSearchRequest,
  searchableText,
  searchLimit,
  tieAfter,
  toFtsQuery,
  type SortKey,
} from "../../../../protocol/search/index.js";
import { FilterError } from "../../../../protocol/filters/index.js";

const ALL = ["content.body", "content.name", "content.topic"] as const;

describe("toFtsQuery: the user's search_term as a safe FTS5 expression", () => {
  it("matches each word as a prefix, all required, in the requested columns", () => {
    const q = toFtsQuery("martians and men", ["content.body"]);
    assert.equal(q.match, '({body} : "martians"* AND {body} : "and"* AND {body} : "men"*)');
    assert.deepEqual(q.terms, ["martians", "and", "men"]);
  });

  it("searches all three keys' columns", () => {
    assert.equal(toFtsQuery("x", ALL).match, '({body name topic} : "x"*)');
  });

  it("keeps quoted phrases exact, turns -word into NOT and `or` into OR", () => {
    const q = toFtsQuery('"red car" -blue or Bike', ["content.body"]);
    assert.equal(q.match, '(({body} : "red car") NOT {body} : "blue"*) OR ({body} : "bike"*)');
    assert.deepEqual(q.terms, ["red", "car", "bike"]);
  });

  it("never lets FTS5 syntax through: quotes, *, ^, :, parentheses, NEAR, AND/NOT are plain words", () => {
    for (const hostile of ['"', '""', 'a"b', "*", "^start", "body:x", "(a OR b", "NEAR(a b)", "a AND NOT b", "{body}: x", "a + b", "' OR 1=1 --"]) {
      const q = toFtsQuery(hostile, ALL);
      if (q.match === undefined) continue;
      // Outside the quoted literals, only the grammar's own tokens appear.
      const outside = q.match.replace(/"(?:[^"]|"")*"\*?/g, "L");
      assert.match(outside, /^[(){} :A-Za-zL]*$/, `${hostile} → ${q.match}`);
      assert.doesNotMatch(outside.replace(/\{body name topic\}/g, ""), /[{}]|NEAR|\^/, `${hostile} → ${q.match}`);
      for (const lit of q.match.match(/"(?:[^"]|"")*"/g) ?? []) assert.match(lit, /^"[\p{L}\p{N}\p{M} ]+"$/u, lit);
    }
  });

  it("splits words at punctuation as the tokenizer does, and folds case", () => {
    assert.equal(toFtsQuery("e-mail", ["content.body"]).match, '({body} : "e mail"*)');
    assert.deepEqual(toFtsQuery("Ünïcode ÉTÉ", ["content.body"]).terms, ["ünïcode", "été"]);
  });

  it("reads at most 32 words or phrases of a long term", () => {
    const q = toFtsQuery(Array.from({ length: 100 }, (_, i) => `w${i}`).join(" "), ["content.body"]);
    assert.equal(q.terms.length, 32);
    assert.equal(q.match?.split(" AND ").length, 32);
  });

  it("has nothing to search for when the term has no words, only exclusions, or no keys", () => {
    for (const t of ["", "   ", "!!! ???", "-spam", "or", "-a or -b"]) assert.equal(toFtsQuery(t, ALL).match, undefined, t);
    assert.equal(toFtsQuery("hello", []).match, undefined);
  });
});

describe("searchableText", () => {
  it("indexes body of messages, name of m.room.name, topic and m.topic's plain text", () => {
    assert.deepEqual(searchableText("m.room.message", { msgtype: "m.text", body: "hi" }), { body: "hi" });
    assert.deepEqual(searchableText("m.room.name", { name: "The room" }), { name: "The room" });
    const topic = searchableText("m.room.topic", {
      topic: "plain",
      "m.topic": { "m.text": [{ body: "plain" }, { mimetype: "text/html", body: "<b>html</b>" }, { mimetype: "text/plain", body: "second" }] },
    });
    assert.deepEqual(topic, { topic: "plain\nsecond" });
  });

  it("ignores encrypted events, other types and non-text values", () => {
    assert.equal(searchableText("m.room.encrypted", { ciphertext: "x", body: "leak" }), undefined);
    assert.equal(searchableText("m.reaction", { body: "x" }), undefined);
    assert.equal(searchableText("m.room.message", { body: 5 }), undefined);
    assert.equal(searchableText("m.room.message", { body: "  " }), undefined);
  });
});

describe("highlights", () => {
  it("lists the terms and the words of the results they matched as prefixes, ignoring case and accents", () => {
    assert.deepEqual(highlights(["hel", "cafe"], ["Hello HELP world", "Café shelf"]), ["hel", "cafe", "Hello", "HELP", "Café"]);
  });
});

describe("result order and merging", () => {
  const k = (primary: number, roomId: string, ordering: number): SortKey => ({ primary, roomId, ordering });

  it("puts higher primary first, then the lower room ID, then the later event", () => {
    const keys = [k(1, "!b", 5), k(2, "!a", 1), k(1, "!a", 3), k(1, "!a", 9)];
    assert.deepEqual(keys.sort(compareKeys), [k(2, "!a", 1), k(1, "!a", 9), k(1, "!a", 3), k(1, "!b", 5)]);
  });

  it("tieAfter says which events of a room with the cursor's primary come after it", () => {
    assert.deepEqual(tieAfter(k(1, "!b", 5), "!c"), { all: true });
    assert.deepEqual(tieAfter(k(1, "!b", 5), "!b"), { below: 5 });
    assert.deepEqual(tieAfter(k(1, "!b", 5), "!a"), { none: true });
  });

  it("merges rooms' candidates into pages that cover every result exactly once", () => {
    // Three rooms, each the full sorted list of its results; rooms answer with their first
    // `limit` after the cursor, as RoomDO does.
    const rooms = [
      [k(9, "!a", 3), k(5, "!a", 2), k(5, "!a", 1), k(1, "!a", 0)],
      [k(7, "!b", 2), k(5, "!b", 1)],
      [k(5, "!c", 9), k(3, "!c", 8), k(2, "!c", 7)],
    ];
    const after = (c: SortKey | undefined) => (key: SortKey) => c === undefined || compareKeys(key, c) > 0;
    const seen: SortKey[] = [];
    let cursor: SortKey | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const answers = rooms.map((r) => {
        const left = r.filter(after(cursor));
        return { hits: left.slice(0, 2), more: left.length > 2 };
      });
      const { page, more } = mergeCandidates(answers, 2);
      seen.push(...page);
      if (!more) break;
      cursor = page.at(-1);
    }
    assert.deepEqual(seen, rooms.flat().sort(compareKeys));
  });

  it("pages through rooms that stop at a scan budget without skipping or repeating a result", () => {
    // Room !a has many matches the user can't see (hidden) among its visible ones; each room looks
    // at no more than 3 matches per request, as RoomDO stops at its scan budget.
    const hidden = new Set(["9!a", "8!a", "7!a", "6!a", "4!a", "3!a"]);
    const rooms = [
      [k(9, "!a", 9), k(8, "!a", 8), k(7, "!a", 7), k(6, "!a", 6), k(5, "!a", 5), k(4, "!a", 4), k(3, "!a", 3), k(1, "!a", 1)],
      [k(8.5, "!b", 2), k(2, "!b", 1)],
    ];
    const budget = 3;
    const limit = 2;
    const visible = (key: SortKey) => !hidden.has(`${key.primary}${key.roomId}`);
    const seen: SortKey[] = [];
    let cursor: SortKey | undefined;
    let pages = 0;
    for (; pages < 20; pages++) {
      const answers = rooms.map((r) => {
        const left = r.filter((key) => cursor === undefined || compareKeys(key, cursor) > 0);
        const hits: SortKey[] = [];
        let scanned = 0;
        for (const key of left) {
          if (scanned === budget) return { hits, more: true, scannedTo: left[scanned - 1] };
          scanned++;
          if (!visible(key)) continue;
          if (hits.length === limit) return { hits, more: true };
          hits.push(key);
        }
        return { hits, more: false };
      });
      const { page, more, next } = mergeCandidates(answers, limit);
      seen.push(...page);
      if (!more) {
        assert.equal(next, undefined);
        break;
      }
      assert.ok(next && (cursor === undefined || compareKeys(next, cursor) > 0), "each page moves forward");
      cursor = next;
    }
    assert.ok(pages < 20);
    assert.deepEqual(seen, rooms.flat().filter(visible).sort(compareKeys));
  });
});

describe("next_batch", () => {
  it("round-trips, with and without a group", () => {
    const nb = { order: "rank" as const, after: { primary: -0.000123456789, roomId: "!r:x", ordering: -4 } };
    assert.deepEqual(decodeNextBatch(encodeNextBatch(nb)), nb);
    const g = { order: "recent" as const, after: { primary: 1700000000000, roomId: "!r:x", ordering: 7 }, group: { key: "sender" as const, value: "@u:x" } };
    assert.deepEqual(decodeNextBatch(encodeNextBatch(g)), g);
  });

  it("refuses anything this server did not hand out with M_INVALID_PARAM", () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    for (const bad of ["", "!!!", "abc", b64([1]), b64({ v: 2, o: "rank", p: 1, r: "!r", e: 1 }), b64({ v: 1, o: "best", p: 1, r: "!r", e: 1 }), b64({ v: 1, o: "rank", p: "1", r: "!r", e: 1 }), b64({ v: 1, o: "rank", p: 1, r: "!r", e: 1.5 }), b64({ v: 1, o: "rank", p: 1, r: "!r", e: 1, g: ["type", "x"] })]) {
      assert.throws(() => decodeNextBatch(bad), (e: unknown) => e instanceof SearchError && e.errcode === "M_INVALID_PARAM" && e.status === 400, bad);
    }
  });
});

describe("parseSearchRequest", () => {
  const rejects = (body: Record<string, unknown>, errcode: string) =>
    assert.throws(() => parseSearchRequest(body), (e: unknown) => (e instanceof SearchError || e instanceof FilterError) && e.errcode === errcode && e.status === 400, JSON.stringify(body));
  const room = (extra: Record<string, unknown>) => ({ search_categories: { room_events: { search_term: "x", ...extra } } });

  it("reads the spec's example with the defaults filled in", () => {
    const c = parseSearchRequest({
      search_categories: { room_events: { keys: ["content.body"], search_term: "martians and men", order_by: "recent", groupings: { group_by: [{ key: "room_id" }] } } },
    });
    assert.deepEqual(c, { searchTerm: "martians and men", keys: ["content.body"], filter: {}, orderBy: "recent", includeState: false, groupBy: ["room_id"] });
    const d = parseSearchRequest(room({ event_context: {} }));
    assert.deepEqual(d.keys, ALL);
    assert.equal(d.orderBy, "rank");
    assert.deepEqual(d.eventContext, { beforeLimit: 5, afterLimit: 5, includeProfile: false });
    assert.equal(searchLimit(d.filter), 10);
    assert.equal(searchLimit(parseSearchRequest(room({ filter: { limit: 3 } })).filter), 3);
  });

  it("refuses missing or mistyped fields with M_BAD_JSON", () => {
    rejects({}, "M_BAD_JSON");
    rejects({ search_categories: [] }, "M_BAD_JSON");
    rejects({ search_categories: {} }, "M_BAD_JSON");
    rejects({ search_categories: { room_events: {} } }, "M_BAD_JSON");
    rejects({ search_categories: { room_events: { search_term: 5 } } }, "M_BAD_JSON");
    rejects(room({ keys: "content.body" }), "M_BAD_JSON");
    rejects(room({ order_by: 1 }), "M_BAD_JSON");
    rejects(room({ include_state: "yes" }), "M_BAD_JSON");
    rejects(room({ event_context: { before_limit: "5" } }), "M_BAD_JSON");
    rejects(room({ groupings: { group_by: [{}] } }), "M_BAD_JSON");
    rejects(room({ filter: { senders: "@a:x" } }), "M_BAD_JSON");
  });

  it("refuses values outside the spec's enums with M_INVALID_PARAM", () => {
    rejects(room({ order_by: "best" }), "M_INVALID_PARAM");
    rejects(room({ keys: ["content.msgtype"] }), "M_INVALID_PARAM");
    rejects(room({ groupings: { group_by: [{ key: "type" }] } }), "M_INVALID_PARAM");
    rejects(room({ filter: { limit: 0 } }), "M_INVALID_PARAM");
    rejects(room({ filter: { rooms: ["not-a-room"] } }), "M_INVALID_PARAM");
    rejects(room({ event_context: { after_limit: -1 } }), "M_INVALID_PARAM");
  });
});
