/**
 * RegistrationNonceStore, OpenIdTokenStore and SigningKeyStore (durable-objects/server/), run
 * inside workerd by test/unit/stores.test.ts.
 */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { SERVER_MIGRATIONS } from "../../../schema/server.js";
import { RegistrationNonceStore } from "../../../durable-objects/server/registrationNonceStore.js";
import { OpenIdTokenStore } from "../../../durable-objects/server/openIdTokenStore.js";
import { SigningKeyStore } from "../../../durable-objects/server/signingKeyStore.js";

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "a registration nonce is good once, and only within a minute"(sql) {
    migrate(sql, SERVER_MIGRATIONS);
    const nonces = new RegistrationNonceStore(sql);
    nonces.issue("n1", 1_000_000);
    nonces.issue("n2", 1_000_000);
    assert.equal(nonces.consume("n1", 1_030_000), true);
    assert.equal(nonces.consume("n1", 1_030_000), false, "used up");
    assert.equal(nonces.consume("n2", 1_060_001), false, "expired");
    assert.equal(nonces.consume("never", 1_000_000), false);
  },

  "an OpenID token names its user until it expires"(sql) {
    migrate(sql, SERVER_MIGRATIONS);
    const tokens = new OpenIdTokenStore(sql);
    tokens.issue("h1", "@alice:x", 5000, 1000);
    assert.equal(tokens.userOf("h1", 5000), "@alice:x");
    assert.equal(tokens.userOf("h1", 5001), null);
    assert.equal(tokens.userOf("h2", 1000), null);
  },

  "the current signing key is the newest unexpired one"(sql) {
    migrate(sql, SERVER_MIGRATIONS);
    const keys = new SigningKeyStore(sql);
    assert.equal(keys.currentKey(), undefined);
    keys.addKey({ keyId: "ed25519:a", seed: "seedA" }, 1000);
    keys.addKey({ keyId: "ed25519:b", seed: "seedB" }, 2000);
    assert.deepEqual(keys.currentKey(), { keyId: "ed25519:b", seed: "seedB" });
    assert.deepEqual(keys.expiredKeys(), []);
    sql.exec("UPDATE signing_keys SET expired_ts = 3000 WHERE key_id = 'ed25519:b'");
    assert.deepEqual(keys.currentKey(), { keyId: "ed25519:a", seed: "seedA" });
    assert.deepEqual(keys.expiredKeys(), [{ keyId: "ed25519:b", seed: "seedB", expiredTs: 3000 }]);
  },
};
