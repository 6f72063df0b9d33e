/**
 * Canonical JSON (spec: appendices, "Canonical JSON").
 *
 * The byte form that Matrix signs and hashes: the shortest UTF-8 JSON with object keys sorted by
 * Unicode code point, no insignificant whitespace, and integers only in ±(2^53 − 1). Every server
 * must produce exactly the same bytes for the same value, or signatures and event IDs disagree.
 */
import type { JsonValue } from "./json.js";

/** The value cannot be encoded as canonical JSON (or the text is not JSON at all). */
export class CanonicalJsonError extends Error {
  override name = "CanonicalJsonError";
}

export interface CanonicalJsonOptions {
  /**
   * Room versions 1–5 do not enforce the canonical JSON number rules (rooms/fragments/
   * v1-canonical-json.md), so their events may hold integers outside ±(2^53 − 1) or floats.
   * With `strict: false` such numbers are encoded anyway (integers as exact decimals, `bigint`
   * accepted, other finite numbers as JavaScript writes them) so old events can still be hashed.
   * Defaults to `true`, which is what everything new must use.
   */
  strict?: boolean;
}

/**
 * Deepest nesting of arrays and objects accepted. The spec sets no limit, but encoding is
 * recursive and a 20,000-deep value would overflow the stack; real events nest a few levels.
 * (Python's json, under Synapse, stops near 1,000.)
 */
export const MAX_NESTING_DEPTH = 512;

export const MAX_SAFE_INTEGER = Number.MAX_SAFE_INTEGER; // 2^53 − 1
export const MIN_SAFE_INTEGER = Number.MIN_SAFE_INTEGER; // −(2^53 − 1)

/** A lone UTF-16 surrogate: not a Unicode scalar value, so it has no UTF-8 encoding. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `s` holds a lone UTF-16 surrogate, which no JSON that is signed or stored can carry. */
export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE.test(s);
}

/**
 * Orders keys by Unicode code point, as the spec requires.
 *
 * JavaScript's default sort compares UTF-16 code units, which agrees with code point order except
 * when a supplementary character (stored as a surrogate pair starting 0xD800–0xDBFF) meets a BMP
 * character in 0xE000–0xFFFF: by code point the supplementary character is larger. Shifting the
 * two ranges past each other at the first differing unit fixes exactly that case.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

interface EncodeContext {
  strict: boolean;
  /** Containers being encoded, outermost first: catches cycles. */
  seen: object[];
  /** Keys and indexes leading to the value being encoded, kept only to name it in errors. */
  path: (string | number)[];
}

function fail(ctx: EncodeContext, problem: string): never {
  let where = "$";
  for (const segment of ctx.path) where += typeof segment === "number" ? `[${segment}]` : `.${segment}`;
  throw new CanonicalJsonError(`${where}: ${problem}`);
}

function encodeString(s: string, ctx: EncodeContext): string {
  if (hasLoneSurrogate(s)) fail(ctx, "string contains a lone UTF-16 surrogate, which has no UTF-8 form");
  // JSON.stringify already writes exactly the spec grammar for well-formed strings: `\b \t \n \f
  // \r \" \\` by name, other C0 controls as lower-case `\u00XX`, everything else (including DEL,
  // U+2028/9 and non-ASCII) as the literal character.
  return JSON.stringify(s);
}

function encodeNumber(n: number, ctx: EncodeContext): string {
  if (!Number.isFinite(n)) fail(ctx, `${n} is not a JSON number`);
  if (Number.isInteger(n)) {
    if (n >= MIN_SAFE_INTEGER && n <= MAX_SAFE_INTEGER) {
      // `-0` is written as `0` (the spec forbids `-0`; String(-0) is "0").
      return String(n);
    }
    if (ctx.strict) fail(ctx, `integer ${n} is outside the canonical JSON range ±(2^53 − 1)`);
    // Exact decimal digits rather than JavaScript's exponent form (1e+21).
    return BigInt(n).toString();
  }
  if (ctx.strict) fail(ctx, `${n} is not an integer; canonical JSON has no floats`);
  return pythonFloat(n);
}

/**
 * A float as Synapse's canonical JSON (Python's repr) writes it, so lax-mode signatures and
 * hashes match what such servers computed. The digits are the shortest that round-trip, as in
 * JavaScript; Python writes them positionally unless the decimal exponent is below −4 or at
 * least 16, and then as d.ddde±XX with at least two exponent digits.
 */
function pythonFloat(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e-4 && abs < 1e16) return String(n);
  const [mantissa, exponent] = n.toExponential().split("e");
  return `${mantissa}e${exponent[0]}${exponent.slice(1).padStart(2, "0")}`;
}

function encode(value: unknown, ctx: EncodeContext): string {
  switch (typeof value) {
    case "string":
      return encodeString(value, ctx);
    case "number":
      return encodeNumber(value, ctx);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      if (ctx.strict && (value > BigInt(MAX_SAFE_INTEGER) || value < BigInt(MIN_SAFE_INTEGER))) {
        fail(ctx, `integer ${value} is outside the canonical JSON range ±(2^53 − 1)`);
      }
      return value.toString();
    case "object": {
      if (value === null) return "null";
      if (ctx.seen.length >= MAX_NESTING_DEPTH) fail(ctx, `nested deeper than ${MAX_NESTING_DEPTH} levels`);
      if (ctx.seen.includes(value)) fail(ctx, "value contains a reference cycle");
      ctx.seen.push(value);
      let out: string;
      if (Array.isArray(value)) {
        out = "[";
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ",";
          ctx.path.push(i);
          out += encode(value[i], ctx);
          ctx.path.pop();
        }
        out += "]";
      } else {
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) fail(ctx, `${describe(value)} is not a plain JSON object`);
        const record = value as Record<string, unknown>;
        const keys = Object.keys(record).sort(compareCodePoints);
        out = "{";
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i];
          const item = record[key];
          ctx.path.push(key);
          // JSON.stringify would silently drop it; a signed object must not change shape between
          // what we sign and what we send, so refuse instead.
          if (item === undefined) fail(ctx, "undefined is not a JSON value");
          if (i > 0) out += ",";
          out += encodeString(key, ctx) + ":" + encode(item, ctx);
          ctx.path.pop();
        }
        out += "}";
      }
      ctx.seen.pop();
      return out;
    }
    default:
      return fail(ctx, `${describe(value)} is not a JSON value`);
  }
}

function describe(value: unknown): string {
  if (typeof value === "object" && value !== null) return value.constructor?.name ?? "object";
  return typeof value;
}

/**
 * Encodes `value` as canonical JSON text. Hash or sign `canonicalJsonBytes(value)` (its UTF-8
 * bytes). Throws `CanonicalJsonError` for anything that is not canonical JSON: floats, integers
 * beyond ±(2^53 − 1), NaN/Infinity, `undefined`, functions, symbols, non-plain objects (Date,
 * Map, Uint8Array…), lone surrogates and cycles.
 */
export function canonicalJson(value: unknown, options?: CanonicalJsonOptions): string {
  return encode(value, { strict: options?.strict ?? true, seen: [], path: [] });
}

const utf8 = new TextEncoder();

/** The UTF-8 bytes of `canonicalJson(value)`: what gets signed and hashed. */
export function canonicalJsonBytes(value: unknown, options?: CanonicalJsonOptions): Uint8Array {
  return utf8.encode(canonicalJson(value, options));
}

/**
 * Parses JSON text and checks that the result is representable as canonical JSON under
 * `options` (strict by default). Syntax errors become `CanonicalJsonError` too, so callers can
 * answer `M_NOT_JSON`/`M_BAD_JSON` from one catch.
 *
 * Numbers are judged by value, as the spec's own example does (`1e10` is the integer
 * 10000000000, `-0` is 0).
 */
export function parseJson(text: string, options?: CanonicalJsonOptions): JsonValue {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CanonicalJsonError(`not valid JSON: ${(e as Error).message}`);
  }
  assertCanonicalJsonValue(value, options);
  return value as JsonValue;
}

/** Throws `CanonicalJsonError` unless `value` can be encoded under `options`. */
export function assertCanonicalJsonValue(value: unknown, options?: CanonicalJsonOptions): asserts value is JsonValue {
  canonicalJson(value, options);
}
