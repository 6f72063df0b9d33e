/**
 * OAuthClientStore and OAuthKeyStore (durable-objects/server/), run inside workerd by
 * test/unit/stores.test.ts.
 */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { SERVER_MIGRATIONS } from "../../../schema/server.js";
import { OAuthClientStore } from "../../../durable-objects/server/oauthClientStore.js";
import { OAuthKeyStore } from "../../../durable-objects/server/oauthKeyStore.js";
import { clientIdOf, validateClientMetadata } from "../../../protocol/oauth/clientMetadata.js";
import { generateRs256Jwk, importRs256SigningKey, jwkThumbprint, publicJwkOf, signJwtRs256, verifyJwtRs256 } from "../../../protocol/oauth/idToken.js";

const ELEMENT_X = validateClientMetadata({
  client_name: "Element X",
  client_uri: "https://element.io",
  redirect_uris: ["io.element.elementx:/"],
  application_type: "native",
  grant_types: ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"],
  response_types: ["code"],
  token_endpoint_auth_method: "none",
  "client_name#fr": "Element X (fr)",
});

export const cases: Record<string, (sql: SqlStorage) => void | Promise<void>> = {
  async "a registered client reads back whole; registering it again keeps one row"(sql) {
    migrate(sql, SERVER_MIGRATIONS);
    const clients = new OAuthClientStore(sql);
    const id = await clientIdOf(ELEMENT_X);
    assert.equal(clients.client(id), null);
    clients.register(id, ELEMENT_X, 1000);
    clients.register(id, ELEMENT_X, 2000);
    assert.deepEqual(clients.client(id), ELEMENT_X);
    assert.equal(sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM oauth_clients").one().n, 1);
    assert.equal(sql.exec<{ t: number }>("SELECT created_ts AS t FROM oauth_clients").one().t, 1000, "the first registration's time stays");
    assert.equal(clients.client("unknown"), null);
  },

  async "the id_token key is the newest stored one, and signs what its public key verifies in workerd"(sql) {
    migrate(sql, SERVER_MIGRATIONS);
    const keys = new OAuthKeyStore(sql);
    assert.equal(keys.currentKey(), undefined);
    const a = await generateRs256Jwk();
    const b = await generateRs256Jwk();
    keys.addKey(await jwkThumbprint(a), a, 1000);
    keys.addKey(await jwkThumbprint(b), b, 2000);
    assert.deepEqual(keys.currentKey(), { kid: await jwkThumbprint(b), jwk: b });
    const jwt = await signJwtRs256({ sub: "@a:x" }, await importRs256SigningKey(b));
    assert.deepEqual((await verifyJwtRs256(jwt, await publicJwkOf(b)))?.claims, { sub: "@a:x" });
    assert.equal(await verifyJwtRs256(jwt, await publicJwkOf(a)), null);
  },
};
