import { wordsOf } from "./ftsQuery.js";

/**
 * The `highlights` of a search response: the words clients should mark in the results. Search
 * matches each word as a prefix, ignoring case and diacritics, so "hel" finds "Hello"; the words
 * that actually matched are listed as they appear in the results (so a client's case-insensitive
 * marking finds them), after the search terms themselves.
 */
export function highlights(terms: readonly string[], texts: readonly string[]): string[] {
  const out = new Set<string>(terms);
  const folded = terms.map(fold);
  for (const text of texts) {
    for (const word of wordsOf(text)) {
      const w = fold(word);
      if (folded.some((t) => w.startsWith(t))) out.add(word);
    }
  }
  return [...out];
}

/** Case and diacritics folded, as FTS5's `unicode61 remove_diacritics 2` tokenizer does. */
function fold(word: string): string {
  return word.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}
