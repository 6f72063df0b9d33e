import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_NEXT, safeNext } from "../../../worker/oauth/pages/next.js";

test("next: paths on this server are kept", () => {
  assert.equal(safeNext("/oauth2/auth?client_id=a&state=b"), "/oauth2/auth?client_id=a&state=b");
  assert.equal(safeNext("/link?code=WDJB-MJHT"), "/link?code=WDJB-MJHT");
});

test("next: other sites, scheme-relative and backslash tricks, control characters fall back", () => {
  for (const bad of [null, undefined, "", "https://evil.example/", "//evil.example/", "/\\evil.example", "/\t/evil.example", "javascript:alert(1)", "account", "/" + "a".repeat(5000)]) {
    assert.equal(safeNext(bad), DEFAULT_NEXT, String(bad));
  }
});
