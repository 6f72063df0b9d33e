import { test } from "node:test";
import assert from "node:assert/strict";
import { matchRank, searchWords } from "../../../protocol/userDirectorySearch.js";

test("search words: split on punctuation and spaces, lowercased, NFKC-normalised", () => {
  assert.deepEqual(searchWords("@Alice.Smith:Example.org"), ["alice", "smith", "example", "org"]);
  assert.deepEqual(searchWords("Ｊｅａｎ-Luc  Picard"), ["jean", "luc", "picard"]);
  assert.deepEqual(searchWords("Ünïcödé 日本"), ["ünïcödé", "日本"]);
  assert.deepEqual(searchWords("%_:@"), []);
});

test("a user matches when every word of the term starts one of their words", () => {
  const w = searchWords;
  assert.equal(matchRank(w("ali"), "@alice:example.org", null), 0);
  assert.equal(matchRank(w("alice"), "@alice:example.org", null), 1);
  assert.equal(matchRank(w("ALI LIDD"), "@a1:example.org", "Alice Liddell"), 0);
  assert.equal(matchRank(w("alice liddell"), "@a1:example.org", "Alice Liddell"), 2);
  assert.equal(matchRank(w("lice"), "@alice:example.org", "Alice"), undefined, "not a word prefix");
  assert.equal(matchRank(w("alice bob"), "@alice:example.org", null), undefined, "every word must match");
  assert.equal(matchRank(w("exam"), "@alice:example.org", null), 0, "the server name is words too, as in Synapse");
  assert.equal(matchRank(w("%"), "@alice:example.org", "100% Alice"), undefined, "no words: no match");
  assert.equal(matchRank(w("ünï"), "@u:x", "Ünïcödé"), 0);
});
