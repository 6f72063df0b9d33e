/** X-Matrix Authorization header parsing and formatting (spec: "Request Authentication"). */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { formatXMatrix, parseXMatrix, XMatrixParseError } from "../../../federation-client/xMatrix.js";

describe("parseXMatrix", () => {
  test("the spec's example", () => {
    const h = 'X-Matrix origin="origin.hs.example.com",destination="destination.hs.example.com",key="ed25519:key1",sig="ABCDEF..."';
    assert.deepEqual(parseXMatrix(h), { origin: "origin.hs.example.com", destination: "destination.hs.example.com", key: "ed25519:key1", sig: "ABCDEF..." });
  });

  test("unquoted tokens, colons unquoted, case-insensitive names, any order, spaces and tabs around commas", () => {
    const h = "X-Matrix  Sig=abc+def , \tKEY=ed25519:a_1,origin=hs.example:8448\t,destination=\"d.example\"";
    assert.deepEqual(parseXMatrix(h), { origin: "hs.example:8448", destination: "d.example", key: "ed25519:a_1", sig: "abc+def" });
  });

  test("the scheme is case-insensitive; destination is optional (older servers)", () => {
    assert.deepEqual(parseXMatrix('x-matrix origin=a.example,key="ed25519:k",sig="s"'), { origin: "a.example", key: "ed25519:k", sig: "s" });
  });

  test("quoted values are unescaped", () => {
    const auth = parseXMatrix('X-Matrix origin="a\\"b\\\\c",key="ed25519:k",sig="s\\x"');
    assert.equal(auth.origin, 'a"b\\c');
    assert.equal(auth.sig, "sx");
  });

  test("unknown parameters are ignored", () => {
    assert.equal(parseXMatrix('X-Matrix origin="o",key="ed25519:k",sig="s",extra="whatever, really"').origin, "o");
  });

  for (const [name, h] of [
    ["another scheme", 'Bearer origin="o",key="k",sig="s"'],
    ["no space after the scheme", 'X-Matrixorigin="o",key="k",sig="s"'],
    ["missing origin", 'X-Matrix key="ed25519:k",sig="s"'],
    ["missing key", 'X-Matrix origin="o",sig="s"'],
    ["missing sig", 'X-Matrix origin="o",key="ed25519:k"'],
    ["unterminated quote", 'X-Matrix origin="o,key="ed25519:k",sig="s'],
    ["missing comma", 'X-Matrix origin="o" key="ed25519:k",sig="s"'],
    ["empty value", 'X-Matrix origin=,key="ed25519:k",sig="s"'],
    ["repeated parameter", 'X-Matrix origin="o",origin="p",key="ed25519:k",sig="s"'],
    ["trailing comma", 'X-Matrix origin="o",key="ed25519:k",sig="s",'],
    ["control character", 'X-Matrix origin="o\u0001",key="ed25519:k",sig="s"'],
    ["two headers joined", 'X-Matrix origin="o",key="ed25519:k",sig="s", X-Matrix origin="o",key="ed25519:l",sig="t"'],
    ["empty", ""],
  ] as const) {
    test(`refuses ${name}`, () => assert.throws(() => parseXMatrix(h), XMatrixParseError));
  }
});

describe("formatXMatrix", () => {
  test("one space, lower-case names, quoted values, no spaces around commas; parses back", () => {
    const auth = { origin: "a.example:8448", destination: "b.example", key: "ed25519:k1", sig: "abc/+def" };
    const h = formatXMatrix(auth);
    assert.equal(h, 'X-Matrix origin="a.example:8448",destination="b.example",key="ed25519:k1",sig="abc/+def"');
    assert.deepEqual(parseXMatrix(h), auth);
  });

  test("escapes quotes and backslashes", () => {
    const auth = { origin: 'we"ird\\', destination: "b", key: "ed25519:k", sig: "s" };
    assert.deepEqual(parseXMatrix(formatXMatrix(auth)), auth);
  });
});
