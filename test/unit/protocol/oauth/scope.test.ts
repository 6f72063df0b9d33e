/** Scope parsing (spec: "Scope"; MSC2967's unstable spelling; OpenID Connect's openid). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatScope, parseScope, SCOPE_API, SCOPE_DEVICE_PREFIX } from "../../../../protocol/oauth/scope.js";
import { OAuthError } from "../../../../protocol/oauth/errors.js";

const invalidScope = (e: unknown) => e instanceof OAuthError && e.error === "invalid_scope" && e.status === 400;

test("the spec's scope tokens: full API access and one device", () => {
  const s = parseScope("urn:matrix:client:api:* urn:matrix:client:device:AABBCCDDEE");
  assert.deepEqual(s, { tokens: ["urn:matrix:client:api:*", "urn:matrix:client:device:AABBCCDDEE"], deviceId: "AABBCCDDEE", openid: false });
  assert.equal(formatScope(s), "urn:matrix:client:api:* urn:matrix:client:device:AABBCCDDEE");
  assert.equal(SCOPE_API, "urn:matrix:client:api:*");
  assert.equal(SCOPE_DEVICE_PREFIX, "urn:matrix:client:device:");
});

test("matrix-js-sdk's request: openid and MSC2967's spelling, granted back as written", () => {
  const asked = "openid urn:matrix:org.matrix.msc2967.client:api:* urn:matrix:org.matrix.msc2967.client:device:x-y.z_1~";
  const s = parseScope(asked);
  assert.equal(s.deviceId, "x-y.z_1~");
  assert.equal(s.openid, true);
  assert.equal(formatScope(s), asked);
});

test("repeated tokens count once; extra spaces are forgiven; one device in both spellings is one device", () => {
  const s = parseScope("  urn:matrix:client:api:*  urn:matrix:client:api:* urn:matrix:client:device:D1 urn:matrix:org.matrix.msc2967.client:device:D1");
  assert.equal(s.deviceId, "D1");
  assert.deepEqual(s.tokens, ["urn:matrix:client:api:*", "urn:matrix:client:device:D1", "urn:matrix:org.matrix.msc2967.client:device:D1"]);
});

test("refused: no device, two devices, no API access, unknown tokens, bad device IDs, bad characters", () => {
  for (const scope of [
    "urn:matrix:client:api:*",
    "urn:matrix:client:api:* urn:matrix:client:device:A urn:matrix:client:device:B",
    "urn:matrix:client:device:A",
    "openid urn:matrix:client:device:A",
    "urn:matrix:client:api:* urn:matrix:client:device:A email",
    "urn:matrix:client:api:read:* urn:matrix:client:device:A",
    "urn:matrix:client:api:* urn:matrix:client:device:",
    "urn:matrix:client:api:* urn:matrix:client:device:a/b",
    "urn:matrix:client:api:* urn:matrix:client:device:a:b",
    `urn:matrix:client:api:* urn:matrix:client:device:${"a".repeat(256)}`,
    "urn:matrix:client:api:* urn:matrix:client:device:A\"",
    "urn:matrix:client:api:* urn:matrix:client:device:é",
    "",
  ]) {
    assert.throws(() => parseScope(scope), invalidScope, JSON.stringify(scope));
  }
});
