import { test } from "node:test";
import assert from "node:assert/strict";
import { jsonInputProblem } from "../../../protocol/jsonInput.js";

const strict = { allowFloats: false };
const lax = { allowFloats: true };
const parse = (text: string): unknown => JSON.parse(text);

test("ordinary JSON is accepted under both rules", () => {
  for (const text of ['{"a":[1,-2,0,true,null,"é😀"],"b":{"c":9007199254740991,"d":-9007199254740991}}', "1e10", "-0", "[]"]) {
    assert.equal(jsonInputProblem(parse(text), strict), undefined, text);
    assert.equal(jsonInputProblem(parse(text), lax), undefined, text);
  }
});

test("floats: refused where canonical JSON applies, allowed for stored-only data", () => {
  assert.match(jsonInputProblem(parse('{"order":0.5}'), strict) ?? "", /no floats/);
  assert.equal(jsonInputProblem(parse('{"order":0.5}'), lax), undefined);
});

test("what JSON.parse would silently change is refused under both rules", () => {
  for (const text of ["1e400", "-1e400", "9007199254740992", "[-9007199254740992]", '"\\ud800"', '{"\\udc00":1}', '"a\\udfffb"']) {
    assert.notEqual(jsonInputProblem(parse(text), strict), undefined, text);
    assert.notEqual(jsonInputProblem(parse(text), lax), undefined, text);
  }
  // A proper surrogate pair is one character, not a lone surrogate.
  assert.equal(jsonInputProblem(parse('"\\ud83d\\ude00"'), strict), undefined);
});

test("nesting: 512 levels pass, 513 and 20,000 are refused without overflowing the stack", () => {
  const nest = (n: number) => parse("[".repeat(n) + "]".repeat(n));
  assert.equal(jsonInputProblem(nest(512), strict), undefined);
  assert.match(jsonInputProblem(nest(513), strict) ?? "", /deeper than 512/);
  assert.match(jsonInputProblem(parse('{"a":'.repeat(20_000) + "1" + "}".repeat(20_000)), lax) ?? "", /deeper than 512/);
});
