import { test } from "node:test";
import assert from "node:assert/strict";
import { newUserCode, normalizeUserCode, USER_CODE_ALPHABET } from "../../../../protocol/oauth/userCode.js";

test("user codes are two groups of four letters without vowels", () => {
  for (let i = 0; i < 200; i++) {
    const code = newUserCode();
    assert.match(code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    assert.equal(normalizeUserCode(code), code);
  }
});

test("bytes past the last whole multiple of the alphabet are skipped, not folded in", () => {
  let calls = 0;
  // First batch: all 250 (rejected); then 0..15 → B, C, D, ...
  const code = newUserCode((n) => (calls++ === 0 ? new Uint8Array(n).fill(250) : Uint8Array.from({ length: n }, (_, i) => i)));
  assert.equal(code, `${USER_CODE_ALPHABET.slice(0, 4)}-${USER_CODE_ALPHABET.slice(4, 8)}`);
});

test("typed codes are forgiven case, spaces and dashes; anything else is refused", () => {
  assert.equal(normalizeUserCode("wdjb-mjht"), "WDJB-MJHT");
  assert.equal(normalizeUserCode(" WDJB MJHT "), "WDJB-MJHT");
  assert.equal(normalizeUserCode("WDJBMJHT"), "WDJB-MJHT");
  assert.equal(normalizeUserCode("WDJB-MJH"), undefined);
  assert.equal(normalizeUserCode("WDJA-MJHT"), undefined, "vowels are never in a code");
  assert.equal(normalizeUserCode("WDJB-MJHT1"), undefined);
});
