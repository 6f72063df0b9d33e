/**
 * How POST /user_directory/search matches a user (spec: "User directory" leaves it to the server;
 * this is Synapse's rule). The search term is split into words; a user matches when every word is
 * the start of a word of their user ID or display name, case-insensitively: "ali" finds
 * "@alice:example.org" and "Alice Liddell", "lice" finds neither. Punctuation separates words,
 * so a term with no letters or digits finds no one.
 */

/** The words of a text, lowercased and NFKC-normalised (so "Ａlice" and "alice" are one word). */
export function searchWords(text: string): string[] {
  return text.normalize("NFKC").toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
}

/**
 * How well `term`'s words match a user: undefined when some word starts none of the user's words,
 * else the number of words that equal one of theirs (exact words rank above prefixes, as in Synapse).
 */
export function matchRank(termWords: string[], userId: string, displayname: string | null): number | undefined {
  if (termWords.length === 0) return undefined;
  const theirs = searchWords(displayname === null ? userId : `${userId} ${displayname}`);
  let exact = 0;
  for (const w of termWords) {
    if (!theirs.some((t) => t.startsWith(w))) return undefined;
    if (theirs.includes(w)) exact++;
  }
  return exact;
}
