/**
 * Refresh tokens (durable-objects/user/refreshTokens.ts over refreshTokenStore.ts and
 * accountStore.ts) and access token expiry (account.ts authenticate), run inside workerd by
 * test/unit/stores.test.ts.
 */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { USER_MIGRATIONS } from "../../../schema/user.js";
import { AccountStore } from "../../../durable-objects/user/accountStore.js";
import { RefreshTokenStore } from "../../../durable-objects/user/refreshTokenStore.js";
import { OAuthCodeStore } from "../../../durable-objects/user/oauthCodeStore.js";
import { ToDeviceStore } from "../../../durable-objects/user/toDeviceStore.js";
import * as account from "../../../durable-objects/user/account.js";
import { newTokenPair, rotate, storeTokenPair, type TokenPair } from "../../../durable-objects/user/refreshTokens.js";
import { toMatrixError } from "../../../platform/errors.js";
import { hashToken } from "../../../platform/tokens.js";

const LIFETIME = 60_000;

function fresh(sql: SqlStorage): account.SessionStores {
  migrate(sql, USER_MIGRATIONS);
  const stores = { accounts: new AccountStore(sql), refreshTokens: new RefreshTokenStore(sql), oauthCodes: new OAuthCodeStore(sql), toDevice: new ToDeviceStore(sql) };
  stores.accounts.createAccount("@alice:x", null, false, "alice", 1);
  return stores;
}

/** A device signed in with a refresh token at `now`: its first pair. */
async function signIn(stores: account.SessionStores, deviceId: string, now = 1000, oauth: { clientId: string; scope: string } | null = null): Promise<TokenPair> {
  const pair = await newTokenPair("alice");
  account.startDeviceLogin(stores, deviceId, undefined, oauth, now);
  storeTokenPair(stores, deviceId, pair, LIFETIME, now);
  return pair;
}

async function rotateWith(stores: account.SessionStores, presented: TokenPair, clientId?: string, now = 2000): Promise<{ pair: TokenPair; rotation: ReturnType<typeof rotate> }> {
  const pair = await newTokenPair("alice");
  return { pair, rotation: rotate(stores, presented.refreshHash, pair, clientId, LIFETIME, now) };
}

function assertUnknownToken(f: () => unknown): void {
  assert.throws(f, (e: unknown) => {
    const m = toMatrixError(e);
    return m?.status === 401 && m.errcode === "M_UNKNOWN_TOKEN" && m.extra.soft_logout === false;
  });
}

export const cases: Record<string, (sql: SqlStorage) => Promise<void>> = {
  async "a refresh consumes the token, names its successor and ends the old access token"(sql) {
    const stores = fresh(sql);
    const first = await signIn(stores, "D");
    const { pair, rotation } = await rotateWith(stores, first);
    assert.equal(rotation.kind, "rotated");
    if (rotation.kind !== "rotated") return;
    assert.deepEqual([rotation.deviceId, rotation.access_token, rotation.refresh_token, rotation.expires_in_ms, rotation.scope], ["D", pair.accessToken, pair.refreshToken, LIFETIME, null]);
    assert.equal(stores.accounts.tokenDevice(first.accessHash), undefined, "the old access token is gone");
    const next = stores.accounts.tokenDevice(pair.accessHash);
    assert.equal(next?.device_id, "D");
    assert.equal(next?.expires_ts, 2000 + LIFETIME);
    const old = stores.refreshTokens.get(first.refreshHash);
    assert.equal(old?.consumed_ts, 2000);
    assert.equal(old?.next_hash, pair.refreshHash);
    assert.equal(stores.refreshTokens.get(pair.refreshHash)?.consumed_ts, null);
  },

  async "a spent token presented again while its successor is unused is a retry: a fresh pair replaces the successor"(sql) {
    const stores = fresh(sql);
    const first = await signIn(stores, "D");
    const { pair: lost } = await rotateWith(stores, first);
    const { pair: retried, rotation } = await rotateWith(stores, first, undefined, 3000);
    assert.equal(rotation.kind, "rotated");
    assert.equal(stores.accounts.tokenDevice(lost.accessHash), undefined, "the lost access token is gone");
    assert.equal(stores.refreshTokens.get(lost.refreshHash), undefined, "the lost refresh token is gone");
    assert.equal(stores.refreshTokens.get(first.refreshHash)?.next_hash, retried.refreshHash);
    assert.equal(stores.refreshTokens.get(first.refreshHash)?.consumed_ts, 2000, "first consumption time kept");
    assertUnknownToken(() => rotate(stores, lost.refreshHash, retried, undefined, LIFETIME, 4000));
  },

  async "once the successor's access token authenticated a request, the spent token is a reuse"(sql) {
    const stores = fresh(sql);
    const first = await signIn(stores, "D");
    const { pair } = await rotateWith(stores, first);
    await account.authenticate(stores.accounts, pair.accessToken, undefined, 2500);
    const { rotation } = await rotateWith(stores, first, undefined, 3000);
    assert.deepEqual(rotation, { kind: "reused", deviceId: "D" });
    // Nothing was issued for the replay.
    assert.equal(stores.accounts.tokenDevice(pair.accessHash)?.device_id, "D");
    assert.equal(stores.refreshTokens.forDevice("D").length, 2);
  },

  async "once the successor refresh token was used, the spent token is a reuse"(sql) {
    const stores = fresh(sql);
    const first = await signIn(stores, "D");
    const { pair: second } = await rotateWith(stores, first);
    await rotateWith(stores, second, undefined, 3000);
    const { rotation } = await rotateWith(stores, first, undefined, 4000);
    assert.deepEqual(rotation, { kind: "reused", deviceId: "D" });
  },

  async "unknown tokens, another client's session and OAuth sessions on the legacy endpoint are refused, not revoked"(sql) {
    const stores = fresh(sql);
    const legacy = await signIn(stores, "L");
    const oauth = await signIn(stores, "O", 1000, { clientId: "client-a", scope: "urn:matrix:client:api:*" });
    const unknown = await newTokenPair("alice");
    assertUnknownToken(() => rotate(stores, unknown.refreshHash, unknown, undefined, LIFETIME, 2000));
    assertUnknownToken(() => rotate(stores, oauth.refreshHash, unknown, undefined, LIFETIME, 2000));
    assertUnknownToken(() => rotate(stores, oauth.refreshHash, unknown, "client-b", LIFETIME, 2000));
    assertUnknownToken(() => rotate(stores, legacy.refreshHash, unknown, "client-a", LIFETIME, 2000));
    assert.equal(stores.refreshTokens.get(oauth.refreshHash)?.consumed_ts, null, "a refused attempt consumes nothing");
    const { rotation } = await rotateWith(stores, oauth, "client-a");
    assert.equal(rotation.kind, "rotated");
    if (rotation.kind === "rotated") assert.equal(rotation.scope, "urn:matrix:client:api:*");
  },

  async "a device that refreshes often keeps three refresh tokens, not one per refresh"(sql) {
    const stores = fresh(sql);
    let current = await signIn(stores, "D");
    const history = [current];
    for (let i = 0; i < 6; i++) {
      current = (await rotateWith(stores, current, undefined, 2000 + i)).pair;
      history.push(current);
    }
    assert.equal(stores.refreshTokens.forDevice("D").length, 3);
    // The spent token before the latest one is still recognised as a replay (its successor was
    // spent too); older ones are merely unknown.
    assert.equal((await rotateWith(stores, history[4], undefined, 9000)).rotation.kind, "reused");
    assertUnknownToken(() => rotate(stores, history[0].refreshHash, current, undefined, LIFETIME, 9000));
  },

  async "deleting a device, all devices or logging in again on one takes its refresh tokens and codes"(sql) {
    const stores = fresh(sql);
    const a = await signIn(stores, "A");
    const b = await signIn(stores, "B");
    const c = await signIn(stores, "C");
    stores.oauthCodes.add({ code_hash: "code-a", client_id: "c", redirect_uri: "r", code_challenge: "x", scope: "s", device_id: "A", nonce: null, auth_time: 1, created_ts: 1, expires_ts: 10 ** 12 });
    account.deleteDevice(stores, "A");
    assert.equal(stores.refreshTokens.get(a.refreshHash), undefined);
    assert.equal(stores.oauthCodes.get("code-a"), undefined);
    assert.equal(stores.refreshTokens.get(b.refreshHash)?.device_id, "B", "other devices keep theirs");
    await signIn(stores, "B", 5000);
    assert.equal(stores.refreshTokens.get(b.refreshHash), undefined, "a new login on B replaced its tokens");
    account.deleteAllDevices(stores, "B");
    assert.equal(stores.refreshTokens.get(c.refreshHash), undefined);
    assert.deepEqual(stores.accounts.deviceIds(), ["B"]);
    assert.equal(stores.refreshTokens.forDevice("B").length, 1);
  },

  async "an expired access token is a soft logout; a token's first use is written once"(sql) {
    const stores = fresh(sql);
    const pair = await signIn(stores, "D", 1000, { clientId: "client-a", scope: "s" });
    assert.equal(stores.accounts.tokenDevice(pair.accessHash)?.used, false);
    const session = await account.authenticate(stores.accounts, pair.accessToken, undefined, 1000 + LIFETIME - 1);
    assert.deepEqual(session, { userId: "@alice:x", deviceId: "D", isGuest: false, oauth: true });
    assert.equal(stores.accounts.tokenDevice(pair.accessHash)?.used, true);
    await assert.rejects(account.authenticate(stores.accounts, pair.accessToken, undefined, 1000 + LIFETIME), (e: unknown) => {
      const m = toMatrixError(e);
      return m?.status === 401 && m.errcode === "M_UNKNOWN_TOKEN" && m.extra.soft_logout === true;
    });
    // A password login's token never expires and its session is no OAuth session.
    const legacy = await account.issueToken(stores, "@alice:x", "P", undefined);
    assert.equal(legacy.refresh_token, undefined);
    assert.equal(legacy.expires_in_ms, undefined);
    const s = await account.authenticate(stores.accounts, legacy.access_token, undefined, 10 ** 13);
    assert.equal(s.oauth, false);
  },

  async "a never-expiring token is not written when it authenticates: nothing reads its first use"(sql) {
    const stores = fresh(sql);
    const legacy = await account.issueToken(stores, "@alice:x", "P", undefined);
    await account.authenticate(stores.accounts, legacy.access_token);
    await account.authenticate(stores.accounts, legacy.access_token);
    const hash = await hashToken(legacy.access_token);
    assert.equal(stores.accounts.tokenDevice(hash)?.used, false);
  },

  async "a login with refresh issues an expiring pair; a password login on an OAuth device makes it a password device"(sql) {
    const stores = fresh(sql);
    await signIn(stores, "D", 1000, { clientId: "client-a", scope: "s" });
    const res = await account.issueToken(stores, "@alice:x", "D", "laptop", LIFETIME);
    assert.equal(res.expires_in_ms, LIFETIME);
    assert.ok(res.refresh_token?.startsWith("latr_"));
    assert.deepEqual(stores.accounts.deviceOAuth("D"), { oauth_client_id: null, oauth_scope: null });
    assert.equal(stores.refreshTokens.forDevice("D").length, 1);
  },
};
