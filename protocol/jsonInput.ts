/**
 * What a server accepts as JSON from outside (spec: appendices, "Canonical JSON"; client-server
 * API, "Room events" size limits).
 *
 * `JSON.parse` accepts values that a Matrix server cannot keep faithfully: `1e400` becomes
 * Infinity, `9007199254740993` silently loses its last digit, `"\ud800"` is a string with no
 * UTF-8 form, and 20,000 nested arrays overflow every recursive reader after it. Canonical JSON,
 * which everything signed and hashed goes through, refuses floats as well. This check walks a
 * parsed value without recursion and says what is wrong, so the caller can answer `M_BAD_JSON`
 * before anything is stored.
 */
import { MAX_NESTING_DEPTH, MAX_SAFE_INTEGER, MIN_SAFE_INTEGER, hasLoneSurrogate } from "./canonicalJson.js";

export interface JsonInputRules {
  /**
   * Allow non-integer numbers. Off for anything that becomes an event or is signed (canonical
   * JSON has no floats); on for data that is only stored and handed back, where the spec itself
   * uses floats (the `order` of an `m.tag`).
   */
  allowFloats: boolean;
}

/** Why `value` (fresh from `JSON.parse`) is not acceptable input, or undefined when it is. */
export function jsonInputProblem(value: unknown, rules: JsonInputRules): string | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: v, depth } = stack.pop()!;
    switch (typeof v) {
      case "string":
        if (hasLoneSurrogate(v)) return "a string contains a lone UTF-16 surrogate";
        break;
      case "number":
        if (!Number.isFinite(v)) return "a number is too large to represent";
        if (Number.isInteger(v)) {
          if (v > MAX_SAFE_INTEGER || v < MIN_SAFE_INTEGER) return `integer ${v} is outside the range ±(2^53 − 1)`;
        } else if (!rules.allowFloats) {
          return `${v} is not an integer; canonical JSON has no floats`;
        }
        break;
      case "object": {
        if (v === null) break;
        if (depth >= MAX_NESTING_DEPTH) return `nested deeper than ${MAX_NESTING_DEPTH} levels`;
        if (Array.isArray(v)) {
          for (const item of v) stack.push({ value: item, depth: depth + 1 });
        } else {
          for (const [key, item] of Object.entries(v)) {
            if (hasLoneSurrogate(key)) return "a key contains a lone UTF-16 surrogate";
            stack.push({ value: item, depth: depth + 1 });
          }
        }
        break;
      }
      default:
        break;
    }
  }
  return undefined;
}
