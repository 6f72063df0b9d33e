import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CanonicalJsonError,
  canonicalJson,
  canonicalJsonBytes,
  compareCodePoints,
  parseJson,
  MAX_NESTING_DEPTH,
} from "../../../protocol/canonicalJson.js";

// appendices.md, "Canonical JSON" → "Examples": input text, expected canonical text.
const SPEC_EXAMPLES: Array<[string, string]> = [
  ["{}", "{}"],
  ['{\n    "one": 1,\n    "two": "Two"\n}', '{"one":1,"two":"Two"}'],
  ['{\n    "b": "2",\n    "a": "1"\n}', '{"a":"1","b":"2"}'],
  ['{"b":"2","a":"1"}', '{"a":"1","b":"2"}'],
  [
    `{
    "auth": {
        "success": true,
        "mxid": "@john.doe:example.com",
        "profile": {
            "display_name": "John Doe",
            "three_pids": [
                {
                    "medium": "email",
                    "address": "john.doe@example.org"
                },
                {
                    "medium": "msisdn",
                    "address": "123456789"
                }
            ]
        }
    }
}`,
    '{"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe","three_pids":[{"address":"john.doe@example.org","medium":"email"},{"address":"123456789","medium":"msisdn"}]},"success":true}}',
  ],
  ['{\n    "a": "日本語"\n}', '{"a":"日本語"}'],
  ['{\n    "本": 2,\n    "日": 1\n}', '{"日":1,"本":2}'],
  ['{\n    "a": "\\u65E5"\n}', '{"a":"日"}'],
  ['{\n    "a": null\n}', '{"a":null}'],
  ['{\n    "a": -0,\n    "b": 1e10\n}', '{"a":0,"b":10000000000}'],
];

test("the appendix examples, byte for byte", () => {
  for (const [input, expected] of SPEC_EXAMPLES) {
    const value = parseJson(input);
    assert.equal(canonicalJson(value), expected);
    assert.deepEqual(canonicalJsonBytes(value), new TextEncoder().encode(expected));
  }
});

test("escapes exactly what the grammar requires", () => {
  assert.equal(canonicalJson("\b\t\n\f\r\"\\"), '"\\b\\t\\n\\f\\r\\"\\\\"');
  assert.equal(canonicalJson("\u0000\u0001\u000b\u000e\u001f"), '"\\u0000\\u0001\\u000b\\u000e\\u001f"');
  // DEL, U+2028/9, "/" and non-ASCII are written literally.
  assert.equal(canonicalJson("\u007f\u2028\u2029/é😀"), '"\u007f\u2028\u2029/é😀"');
});

test("keys sort by code point, not UTF-16 code unit", () => {
  // U+1F600 is \uD83D\uDE00 in UTF-16, which sorts below U+FFFF by code unit but above it by code point.
  const value = { "\u{1F600}": 1, "\uFFFF": 2, "\uE000": 3, a: 4, "": 5, "\u{10000}": 6 };
  assert.equal(canonicalJson(value), '{"":5,"a":4,"\uE000":3,"\uFFFF":2,"\u{10000}":6,"\u{1F600}":1}');
  assert.ok(compareCodePoints("\u{1F600}", "\uFFFF") > 0);
  assert.ok(compareCodePoints("\u{10000}", "\u{1F600}") < 0);
  assert.ok(compareCodePoints("ab", "abc") < 0);
  assert.equal(compareCodePoints("x", "x"), 0);
});

test("integers: the ±(2^53−1) range, -0 as 0", () => {
  assert.equal(canonicalJson([9007199254740991, -9007199254740991, -0, 0]), "[9007199254740991,-9007199254740991,0,0]");
  assert.throws(() => canonicalJson(9007199254740992), CanonicalJsonError);
  assert.throws(() => canonicalJson(-9007199254740992), CanonicalJsonError);
  assert.throws(() => canonicalJson(10n ** 20n), CanonicalJsonError);
  assert.equal(canonicalJson(5n), "5");
});

test("rejects floats, NaN, Infinity and non-JSON values", () => {
  const bad: unknown[] = [
    1.5,
    { a: 0.1 },
    NaN,
    Infinity,
    -Infinity,
    undefined,
    { a: undefined },
    [undefined],
    () => 1,
    Symbol("s"),
    new Date(0),
    new Map(),
    new Uint8Array(1),
    "\uD800",
    { "\uDC00": 1 },
    "a\uDBFFb",
  ];
  for (const value of bad) assert.throws(() => canonicalJson(value), CanonicalJsonError);
});

test("errors say where the problem is", () => {
  assert.throws(() => canonicalJson({ content: { list: [1, 2.5] } }), /\$\.content\.list\[1\]: 2\.5 is not an integer/);
});

test("rejects cycles", () => {
  const a: Record<string, unknown> = {};
  a.self = a;
  assert.throws(() => canonicalJson(a), /cycle/);
  // The same object twice (not a cycle) is fine.
  const shared = { x: 1 };
  assert.equal(canonicalJson({ a: shared, b: shared }), '{"a":{"x":1},"b":{"x":1}}');
});

test("lax mode (room versions 1–5) encodes out-of-range integers and floats", () => {
  assert.equal(canonicalJson({ a: 2 ** 60 }, { strict: false }), '{"a":1152921504606846976}');
  assert.equal(canonicalJson(1e21, { strict: false }), "1000000000000000000000");
  assert.equal(canonicalJson(50.57, { strict: false }), "50.57");
  assert.equal(canonicalJson(2n ** 63n - 1n, { strict: false }), "9223372036854775807");
  assert.throws(() => canonicalJson(NaN, { strict: false }), CanonicalJsonError);
});

test("non-strict floats are written as Synapse's (Python's) canonical JSON writes them", () => {
  // Shortest round-trip digits, positional from 1e-4 up, exponent form below with a signed
  // two-digit exponent (Python's repr), where JavaScript would write 0.00005 and 1.5e-7.
  assert.equal(canonicalJson({ a: 1.5 }, { strict: false }), '{"a":1.5}');
  assert.equal(canonicalJson(0.0001, { strict: false }), "0.0001");
  assert.equal(canonicalJson(0.00005, { strict: false }), "5e-05");
  assert.equal(canonicalJson(-1.5e-7, { strict: false }), "-1.5e-07");
  assert.equal(canonicalJson(1.25e-123, { strict: false }), "1.25e-123");
  assert.equal(canonicalJson(123456.789, { strict: false }), "123456.789");
});

test("__proto__ keys are ordinary keys", () => {
  const value = JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as unknown;
  assert.equal(canonicalJson(value), '{"__proto__":{"x":1},"a":2}');
});

test("parseJson reports syntax errors as CanonicalJsonError", () => {
  assert.throws(() => parseJson("{"), CanonicalJsonError);
  assert.throws(() => parseJson('{"a": 1.5}'), CanonicalJsonError);
  assert.deepEqual(parseJson('{"a": 1.5}', { strict: false }), { a: 1.5 });
});

test("nesting: 512 levels encode, deeper values are refused instead of overflowing the stack", () => {
  const nest = (depth: number): string => "[".repeat(depth) + "]".repeat(depth);
  assert.equal(canonicalJson(parseJson(nest(MAX_NESTING_DEPTH))), nest(MAX_NESTING_DEPTH));
  assert.throws(() => parseJson(nest(MAX_NESTING_DEPTH + 1)), /nested deeper than 512/);
  assert.throws(() => parseJson('{"a":'.repeat(20000) + "1" + "}".repeat(20000)), CanonicalJsonError);
});
