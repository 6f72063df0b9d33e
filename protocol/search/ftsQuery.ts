import { SEARCH_COLUMNS, type SearchKey } from "./searchableText.js";

/**
 * Turns a user's search_term into an SQLite FTS5 MATCH expression. Users type arbitrary text, and
 * FTS5's own syntax (quotes, `*`, `^`, `:`, `NEAR`, `AND`/`OR`/`NOT`, parentheses, `-`) would
 * otherwise break the query or change its meaning; so the term is read with a small grammar of its
 * own, the one web search boxes use (and Synapse accepts):
 *
 * - words are matched as prefixes (`hel` finds "hello"), all of them required;
 * - `"a quoted phrase"` matches those words in that order;
 * - `-word` (or `-"phrase"`) excludes results containing it;
 * - `or` between words or phrases matches either side.
 *
 * Every word is reduced to its letters and digits and written inside double quotes, so nothing a
 * user types reaches FTS5 as an operator. A query with no positive word matches nothing.
 */
export interface FtsQuery {
  /** The MATCH expression, or undefined when the term has nothing to search for. */
  match: string | undefined;
  /** The lowercased words searched for (not the excluded ones), for highlights. */
  terms: string[];
}

interface Phrase {
  tokens: string[];
  negated: boolean;
  /** A quoted phrase matches exactly; a bare word (its last token) as a prefix. */
  quoted: boolean;
}

/** Words and phrases beyond this many are ignored: a pasted page must not become a huge query. */
export const MAX_PHRASES = 32;

/** Letters, digits and combining marks: what FTS5's unicode61 tokenizer keeps as token characters. */
const TOKEN = /[\p{L}\p{N}\p{M}]+/gu;

/** The words of a text as the tokenizer sees them, as written. */
export function wordsOf(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

export function tokensOf(text: string): string[] {
  return wordsOf(text).map((t) => t.toLowerCase());
}

/** Splits the term into OR-separated groups of phrases. */
function parse(term: string): Phrase[][] {
  const groups: Phrase[][] = [[]];
  const re = /(-?)"([^"]*)"?|(\S+)/g;
  let phrases = 0;
  for (let m = re.exec(term); m !== null && phrases < MAX_PHRASES; m = re.exec(term), phrases++) {
    if (m[2] !== undefined) {
      const tokens = tokensOf(m[2]);
      if (tokens.length > 0) groups[groups.length - 1].push({ tokens, negated: m[1] === "-", quoted: true });
      continue;
    }
    const word = m[3];
    if (word.toLowerCase() === "or") {
      if (groups[groups.length - 1].length > 0) groups.push([]);
      continue;
    }
    const negated = word.startsWith("-") && word.length > 1;
    const tokens = tokensOf(negated ? word.slice(1) : word);
    if (tokens.length > 0) groups[groups.length - 1].push({ tokens, negated, quoted: false });
  }
  return groups;
}

/** An FTS5 string literal: tokens only ever hold letters and digits, but quotes are doubled regardless. */
function literal(p: Phrase, columns: string): string {
  const text = `"${p.tokens.join(" ").replaceAll('"', '""')}"${p.quoted ? "" : "*"}`;
  return `${columns} : ${text}`;
}

export function toFtsQuery(term: string, keys: readonly SearchKey[]): FtsQuery {
  const columns = `{${[...new Set(keys.map((k) => SEARCH_COLUMNS[k]))].join(" ")}}`;
  const terms = new Set<string>();
  const clauses: string[] = [];
  for (const group of parse(term)) {
    const positive = group.filter((p) => !p.negated);
    // FTS5's NOT is binary ("a NOT b"): a group of exclusions alone can't be expressed, and would
    // match nearly everything anyway — it is dropped.
    if (positive.length === 0) continue;
    for (const p of positive) for (const t of p.tokens) terms.add(t);
    let clause = `(${positive.map((p) => literal(p, columns)).join(" AND ")})`;
    for (const n of group.filter((p) => p.negated)) clause = `(${clause} NOT ${literal(n, columns)})`;
    clauses.push(clause);
  }
  if (keys.length === 0 || clauses.length === 0) return { match: undefined, terms: [...terms] };
  return { match: clauses.join(" OR "), terms: [...terms] };
}
