import { test } from "node:test";
import assert from "node:assert/strict";
import { sharedSecretTurnCredentials } from "../../../protocol/turnCredentials.js";

// The expected password was computed outside this code, with OpenSSL:
//   printf %s '1700000000:@alice:example.org' | openssl dgst -sha1 -hmac 's3cr3t' -binary | base64
test("shared-secret TURN credentials: username is expiry:userId, password is padded base64 HMAC-SHA1", async () => {
  const creds = await sharedSecretTurnCredentials("s3cr3t", "@alice:example.org", 3600, (1700000000 - 3600) * 1000 + 999);
  assert.deepEqual(creds, { username: "1700000000:@alice:example.org", password: "/47Hr0ajIe2jPBRH3YAntwss12Y=", ttl: 3600 });
});

test("shared-secret TURN credentials: the expiry is now + ttl in whole seconds", async () => {
  const creds = await sharedSecretTurnCredentials("k", "@bob:example.org", 86400, 1_000_000_500);
  assert.equal(creds.username, `${1_000_000 + 86400}:@bob:example.org`);
  assert.equal(creds.ttl, 86400);
  assert.match(creds.password, /^[A-Za-z0-9+/]{27}=$/);
});
