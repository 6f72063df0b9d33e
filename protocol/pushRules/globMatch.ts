/**
 * Glob-style matching (spec appendix "Glob-style matching": `*` is zero or more characters, `?`
 * exactly one) as push rules use it: case-insensitive, either against a whole value or, for
 * `content.body` and content rules, against any substring that starts and ends at a word boundary.
 *
 * This is a small NFA simulation rather than a generated RegExp: patterns come from users and
 * bodies from anyone in the room, and a backtracking regex such as `*a*a*a*b` can take
 * polynomial-to-exponential time on a long body. Here the cost is at most pattern × body length.
 *
 * "Case-insensitive" is implementation-defined by the spec; we compare per code point after
 * `toLowerCase()`, keeping a code point as-is when lowercasing would turn it into several (so the
 * value's characters stay aligned with the word-boundary checks on the original text).
 */

const STAR = -1;
const QUESTION = -2;

/** A compiled pattern: folded code points, or STAR / QUESTION for the wildcards. */
type Token = number;

function fold(codePoint: number): number {
  // ASCII fast path: bodies are mostly ASCII and this runs per character per rule.
  if (codePoint < 0x80) return codePoint >= 0x41 && codePoint <= 0x5a ? codePoint + 0x20 : codePoint;
  const lower = String.fromCodePoint(codePoint).toLowerCase();
  const folded = lower.codePointAt(0) ?? codePoint;
  return lower.length === String.fromCodePoint(folded).length ? folded : codePoint;
}

function foldedCodePoints(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) out.push(fold(ch.codePointAt(0) ?? 0));
  return out;
}

const compiled = new Map<string, Token[]>();
const MAX_COMPILED = 1000;

/** Wildcards become tokens; runs of `*` collapse to one, which changes nothing but the work done. */
function compileGlob(pattern: string): Token[] {
  let tokens = compiled.get(pattern);
  if (tokens) return tokens;
  tokens = [];
  for (const ch of pattern) {
    if (ch === "*") {
      if (tokens[tokens.length - 1] !== STAR) tokens.push(STAR);
    } else if (ch === "?") {
      tokens.push(QUESTION);
    } else {
      tokens.push(fold(ch.codePointAt(0) ?? 0));
    }
  }
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(pattern, tokens);
  return tokens;
}

/** A literal (no wildcards), for matching a display name with the same rules. */
function compileLiteral(text: string): Token[] {
  return foldedCodePoints(text);
}

/** Adds state `k` and, through any `*` at k (which may match nothing), the states after it. */
function addState(states: Set<number>, tokens: Token[], k: number): void {
  while (!states.has(k)) {
    states.add(k);
    if (k < tokens.length && tokens[k] === STAR) k++;
    else return;
  }
}

function step(states: Set<number>, tokens: Token[], c: number): Set<number> {
  const next = new Set<number>();
  for (const k of states) {
    if (k >= tokens.length) continue;
    const t = tokens[k];
    if (t === STAR) addState(next, tokens, k);
    else if (t === QUESTION || t === c) addState(next, tokens, k + 1);
  }
  return next;
}

function isWordCodePoint(c: number | undefined): boolean {
  if (c === undefined) return false;
  return (
    (c >= 0x30 && c <= 0x39) || // 0-9
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x61 && c <= 0x7a) || // a-z
    c === 0x5f // _
  );
}

function matchWhole(tokens: Token[], value: string): boolean {
  let states = new Set<number>();
  addState(states, tokens, 0);
  for (const c of foldedCodePoints(value)) {
    states = step(states, tokens, c);
    if (states.size === 0) return false;
  }
  return states.has(tokens.length);
}

/**
 * True if some substring value[i, j) matches all of `tokens`, where i is the start of the value
 * or follows a non-word character, and j is the end of the value or precedes one.
 */
function matchAtWordBoundaries(tokens: Token[], value: string): boolean {
  const original: number[] = [];
  for (const ch of value) original.push(ch.codePointAt(0) ?? 0);
  const folded = original.map(fold);
  let states = new Set<number>();
  for (let i = 0; ; i++) {
    if (i === 0 || !isWordCodePoint(original[i - 1])) addState(states, tokens, 0);
    if (states.has(tokens.length) && (i === original.length || !isWordCodePoint(original[i]))) return true;
    if (i === original.length) return false;
    states = step(states, tokens, folded[i]);
  }
}

/** Case-insensitive glob match against the entire value. */
export function globMatchesWhole(pattern: string, value: string): boolean {
  return matchWhole(compileGlob(pattern), value);
}

/** Case-insensitive glob match against any word-bounded substring (content.body, content rules). */
export function globMatchesWords(pattern: string, value: string): boolean {
  return matchAtWordBoundaries(compileGlob(pattern), value);
}

/** Case-insensitive match of a literal string as a word-bounded substring (display names). */
export function literalMatchesWords(literal: string, value: string): boolean {
  return matchAtWordBoundaries(compileLiteral(literal), value);
}
