import { test } from "node:test";
import assert from "node:assert/strict";
import { constantTimeEqual } from "../../../platform/bytes.js";

test("constantTimeEqual compares whole byte strings", () => {
  const enc = new TextEncoder();
  const eq = (a: string, b: string) => constantTimeEqual(enc.encode(a), enc.encode(b));
  assert.equal(eq("abc", "abc"), true);
  assert.equal(eq("abc", "abd"), false);
  assert.equal(eq("abc", "abcd"), false);
  assert.equal(eq("", ""), true);
  assert.equal(eq("é", "e"), false);
});
