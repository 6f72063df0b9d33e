/**
 * OAuth sessions, authorization codes, web sessions and approvals (durable-objects/user/sessions.ts
 * over its stores and rules), run inside workerd by test/unit/stores.test.ts.
 */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { USER_MIGRATIONS } from "../../../schema/user.js";
import { AccountStore } from "../../../durable-objects/user/accountStore.js";
import { RefreshTokenStore } from "../../../durable-objects/user/refreshTokenStore.js";
import { OAuthCodeStore } from "../../../durable-objects/user/oauthCodeStore.js";
import { ToDeviceStore } from "../../../durable-objects/user/toDeviceStore.js";
import { DehydratedDeviceStore } from "../../../durable-objects/user/dehydratedDeviceStore.js";
import { WebSessionStore } from "../../../durable-objects/user/webSessionStore.js";
import { OAuthApprovalStore } from "../../../durable-objects/user/oauthApprovalStore.js";
import { Sessions } from "../../../durable-objects/user/sessions.js";
import * as account from "../../../durable-objects/user/account.js";
import { CODE_LIFETIME_MS, checkCode } from "../../../durable-objects/user/oauthCodes.js";
import { sessionUser } from "../../../durable-objects/user/webSessions.js";
import { WEB_SESSION_LIFETIME_MS } from "../../../platform/tokens.js";
import { s256Challenge } from "../../../protocol/oauth/pkce.js";
import { toOAuthError } from "../../../protocol/oauth/errors.js";
import { toMatrixError } from "../../../platform/errors.js";
import { hashToken } from "../../../platform/tokens.js";
import type { AuthorizationCodeRequest } from "../../../platform/rpc/user.js";

const LIFETIME = 60_000;
const VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const SCOPE = "openid urn:matrix:client:api:* urn:matrix:client:device:OAUTHDEV";

interface World {
  sessions: Sessions;
  stores: account.SessionStores;
  web: WebSessionStore;
  removals: { count: number };
  /** The devices the grants announced as new (deviceAdded). */
  added: string[];
}

async function world(sql: SqlStorage, storage: DurableObjectStorage, password?: string): Promise<World> {
  migrate(sql, USER_MIGRATIONS);
  const stores = { accounts: new AccountStore(sql), refreshTokens: new RefreshTokenStore(sql), oauthCodes: new OAuthCodeStore(sql), toDevice: new ToDeviceStore(sql) };
  await account.createAccount(stores.accounts, "@alice:x", password, false, "Alice");
  const web = new WebSessionStore(sql);
  const removals = { count: 0 };
  const added: string[] = [];
  const sessions = new Sessions(
    storage,
    stores,
    new DehydratedDeviceStore(sql),
    web,
    new OAuthApprovalStore(sql),
    () => LIFETIME,
    async () => {
      removals.count++;
    },
    async (deviceId) => {
      added.push(deviceId);
    },
  );
  return { sessions, stores, web, removals, added };
}

async function codeRequest(overrides: Partial<AuthorizationCodeRequest> = {}): Promise<AuthorizationCodeRequest> {
  return {
    clientId: "client-a",
    redirectUri: "https://app.example/cb",
    codeChallenge: await s256Challenge(VERIFIER),
    scope: SCOPE,
    deviceId: "OAUTHDEV",
    nonce: "n-0S6_WzA2Mj",
    authTime: 1234,
    ...overrides,
  };
}

const redemption = (code: string) => ({ code, clientId: "client-a", redirectUri: "https://app.example/cb", codeVerifier: VERIFIER });

async function assertInvalidGrant(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    const o = toOAuthError(e);
    return o?.error === "invalid_grant" && o.status === 400;
  }, message);
}

export const cases: Record<string, (sql: SqlStorage, storage: DurableObjectStorage) => Promise<void>> = {
  async "an OAuth session is a device with its client and scope, an expiring access token and a refresh token only that client may use"(sql, storage) {
    const { sessions, stores } = await world(sql, storage);
    const t = await sessions.issueOAuthSession({ deviceId: "OAUTHDEV", clientId: "client-a", scope: SCOPE, displayName: "Phone" });
    assert.equal(t.user_id, "@alice:x");
    assert.equal(t.device_id, "OAUTHDEV");
    assert.equal(t.scope, SCOPE);
    assert.equal(t.expires_in_ms, LIFETIME);
    const s = await account.authenticate(stores.accounts, t.access_token);
    assert.deepEqual(s, { userId: "@alice:x", deviceId: "OAUTHDEV", isGuest: false, oauth: true });
    const listed = stores.accounts.listSessions();
    assert.deepEqual(listed.map((d) => [d.device_id, d.display_name, d.oauth_client_id]), [["OAUTHDEV", "Phone", "client-a"]]);
    await assert.rejects(sessions.refresh(t.refresh_token), (e: unknown) => toMatrixError(e)?.errcode === "M_UNKNOWN_TOKEN", "not on the legacy endpoint");
    await assert.rejects(sessions.refresh(t.refresh_token, "client-b"), (e: unknown) => toMatrixError(e)?.errcode === "M_UNKNOWN_TOKEN", "not by another client");
    const r = await sessions.refresh(t.refresh_token, "client-a");
    assert.equal(r.device_id, "OAUTHDEV");
    assert.equal(r.scope, SCOPE);
    // Signing in again on the same device replaces its tokens.
    const again = await sessions.issueOAuthSession({ deviceId: "OAUTHDEV", clientId: "client-a", scope: SCOPE });
    await assert.rejects(sessions.refresh(r.refresh_token, "client-a"));
    await sessions.refresh(again.refresh_token, "client-a");
  },

  async "a refresh token reused after its successor was used revokes the session"(sql, storage) {
    const { sessions, stores, removals } = await world(sql, storage);
    const t = await sessions.issueOAuthSession({ deviceId: "OAUTHDEV", clientId: "client-a", scope: SCOPE });
    const next = await sessions.refresh(t.refresh_token, "client-a");
    await account.authenticate(stores.accounts, next.access_token);
    await assert.rejects(sessions.refresh(t.refresh_token, "client-a"), (e: unknown) => {
      const m = toMatrixError(e);
      return m?.errcode === "M_UNKNOWN_TOKEN" && m.extra.soft_logout === false;
    });
    assert.equal(stores.accounts.hasDevice("OAUTHDEV"), false);
    assert.equal(removals.count, 1, "room-mates learn the device went");
    await assert.rejects(account.authenticate(stores.accounts, next.access_token));
  },

  async "an authorization code redeems once, for its client, redirect URI and verifier, into the session it names"(sql, storage) {
    const { sessions, stores } = await world(sql, storage);
    const code = await sessions.createAuthorizationCode(await codeRequest());
    assert.ok(code.startsWith("latc_"));
    await assertInvalidGrant(sessions.redeemAuthorizationCode({ ...redemption(code), clientId: "client-b" }), "another client");
    await assertInvalidGrant(sessions.redeemAuthorizationCode({ ...redemption(code), redirectUri: "https://app.example/cb2" }), "another redirect URI");
    await assertInvalidGrant(sessions.redeemAuthorizationCode({ ...redemption(code), codeVerifier: VERIFIER.replace("d", "e") }), "another verifier");
    await assertInvalidGrant(sessions.redeemAuthorizationCode({ ...redemption(code), codeVerifier: "short" }), "a malformed verifier");
    await assertInvalidGrant(sessions.redeemAuthorizationCode(redemption(code + "x")), "an unknown code");
    // None of the failures spent it.
    const t = await sessions.redeemAuthorizationCode(redemption(code));
    assert.equal(t.device_id, "OAUTHDEV");
    assert.equal(t.scope, SCOPE);
    assert.equal(t.nonce, "n-0S6_WzA2Mj");
    assert.equal(t.auth_time, 1234);
    assert.equal(t.expires_in_ms, LIFETIME);
    assert.deepEqual(stores.accounts.deviceOAuth("OAUTHDEV"), { oauth_client_id: "client-a", oauth_scope: SCOPE });
    const withoutNonce = await sessions.createAuthorizationCode(await codeRequest({ nonce: undefined, deviceId: "OTHER" }));
    assert.equal("nonce" in (await sessions.redeemAuthorizationCode(redemption(withoutNonce))), false);
  },

  async "a grant that makes a new device announces it (device lists); signing in again on that device does not"(sql, storage) {
    const { sessions, added } = await world(sql, storage);
    await sessions.issueOAuthSession({ deviceId: "OAUTHDEV", clientId: "client-a", scope: SCOPE });
    assert.deepEqual(added, ["OAUTHDEV"]);
    await sessions.issueOAuthSession({ deviceId: "OAUTHDEV", clientId: "client-a", scope: SCOPE });
    assert.deepEqual(added, ["OAUTHDEV"], "the same device again is no new device");
    const code = await sessions.createAuthorizationCode(await codeRequest({ deviceId: "CODEDEV" }));
    await sessions.redeemAuthorizationCode(redemption(code));
    assert.deepEqual(added, ["OAUTHDEV", "CODEDEV"]);
  },

  async "reusing a redeemed code is refused and revokes the session it created"(sql, storage) {
    const { sessions, stores, removals } = await world(sql, storage);
    const code = await sessions.createAuthorizationCode(await codeRequest());
    const t = await sessions.redeemAuthorizationCode(redemption(code));
    await assertInvalidGrant(sessions.redeemAuthorizationCode(redemption(code)), "a reused code");
    assert.equal(stores.accounts.hasDevice("OAUTHDEV"), false);
    assert.equal(removals.count, 1);
    await assert.rejects(account.authenticate(stores.accounts, t.access_token));
    await assert.rejects(sessions.refresh(t.refresh_token, "client-a"));
    // The code went with its session: a third try is simply unknown.
    await assertInvalidGrant(sessions.redeemAuthorizationCode(redemption(code)), "a code whose session is gone");
  },

  async "deactivation deletes every authorization code, redeemed or not"(sql, storage) {
    const { sessions, stores } = await world(sql, storage);
    const redeemed = await sessions.createAuthorizationCode(await codeRequest());
    await sessions.redeemAuthorizationCode(redemption(redeemed));
    const pending = await sessions.createAuthorizationCode(await codeRequest({ deviceId: "PENDING" }));
    account.deactivate(stores);
    assert.equal(stores.oauthCodes.get(await hashToken(redeemed)), undefined);
    assert.equal(stores.oauthCodes.get(await hashToken(pending)), undefined);
    assert.deepEqual(stores.accounts.deviceIds(), []);
  },

  async "two redemptions of one code at once: one gets the session, the other is a reuse that revokes it"(sql, storage) {
    const { sessions, stores, removals } = await world(sql, storage);
    const code = await sessions.createAuthorizationCode(await codeRequest());
    const results = await Promise.allSettled([sessions.redeemAuthorizationCode(redemption(code)), sessions.redeemAuthorizationCode(redemption(code))]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    assert.equal(toOAuthError(lost[0]?.status === "rejected" ? lost[0].reason : undefined)?.error, "invalid_grant");
    assert.equal(stores.accounts.hasDevice("OAUTHDEV"), false, "the session the code created is revoked");
    assert.equal(removals.count, 1);
    const tokens = won[0]?.status === "fulfilled" ? won[0].value : undefined;
    assert.ok(tokens);
    await assert.rejects(account.authenticate(stores.accounts, tokens.access_token));
  },

  async "a deactivated account or the dehydrated device's ID gets invalid_grant from both grants, and the code stays unspent"(sql, storage) {
    const { sessions, stores } = await world(sql, storage);
    const dehydration = new DehydratedDeviceStore(sql);
    stores.accounts.addDeviceWithoutLogin("DEHYDRATED", undefined, 1);
    dehydration.set("DEHYDRATED", { algorithm: "m.dehydration.v1.olm" });
    const toDehydrated = await sessions.createAuthorizationCode(await codeRequest({ deviceId: "DEHYDRATED" }));
    await assertInvalidGrant(sessions.redeemAuthorizationCode(redemption(toDehydrated)), "a code for the dehydrated device");
    assert.equal(stores.oauthCodes.get(await hashToken(toDehydrated))?.used_ts, null, "not spent");
    assert.equal(stores.accounts.hasTokens("DEHYDRATED"), false);
    await assertInvalidGrant(sessions.issueOAuthSession({ deviceId: "DEHYDRATED", clientId: "client-a", scope: SCOPE }), "a device grant for the dehydrated device");
    assert.equal(stores.accounts.hasTokens("DEHYDRATED"), false);

    const code = await sessions.createAuthorizationCode(await codeRequest());
    stores.accounts.deactivate();
    await assertInvalidGrant(sessions.redeemAuthorizationCode(redemption(code)), "a code of a deactivated account");
    assert.equal(stores.oauthCodes.get(await hashToken(code))?.used_ts, null, "not spent");
    await assertInvalidGrant(sessions.issueOAuthSession({ deviceId: "OAUTHDEV", clientId: "client-a", scope: SCOPE }), "a device grant of a deactivated account");
    assert.equal(stores.accounts.hasDevice("OAUTHDEV"), false);
  },

  async "a code expires after ten minutes"(sql, storage) {
    const { sessions, stores } = await world(sql, storage);
    const code = await sessions.createAuthorizationCode(await codeRequest());
    const created = stores.oauthCodes.get(await hashToken(code));
    assert.ok(created);
    assert.equal(created.expires_ts - created.created_ts, CODE_LIFETIME_MS);
    const ok = await checkCode(stores.oauthCodes, redemption(code), created.expires_ts - 1);
    assert.equal(ok.kind, "valid");
    await assertInvalidGrant(checkCode(stores.oauthCodes, redemption(code), created.expires_ts), "expired");
  },

  async "revoking either token of a session ends it; an unknown token revokes nothing"(sql, storage) {
    const { sessions, stores } = await world(sql, storage);
    const a = await sessions.issueOAuthSession({ deviceId: "A", clientId: "client-a", scope: SCOPE });
    const b = await sessions.issueOAuthSession({ deviceId: "B", clientId: "client-a", scope: SCOPE });
    assert.equal(await sessions.revoke(a.refresh_token), true);
    assert.equal(stores.accounts.hasDevice("A"), false);
    assert.equal(await sessions.revoke(b.access_token), true);
    assert.equal(stores.accounts.hasDevice("B"), false);
    assert.equal(await sessions.revoke(b.refresh_token), false);
    assert.equal(await sessions.revoke("lat_nonsense"), false);
  },

  async "web sessions: signed in with the password, read back, ended, and gone after a week or on deactivation"(sql, storage) {
    const { sessions, stores, web } = await world(sql, storage, "correct horse");
    await assert.rejects(sessions.createWebSession("wrong horse"), (e: unknown) => toMatrixError(e)?.errcode === "M_FORBIDDEN");
    const before = Date.now();
    const { token } = await sessions.createWebSession("correct horse", "Firefox");
    assert.ok(token.startsWith("latw_"));
    const user = await sessions.webSession(token);
    assert.deepEqual({ ...user, signedInTs: 0 }, { userId: "@alice:x", displayname: "Alice", signedInTs: 0 });
    assert.ok(user.signedInTs >= before && user.signedInTs <= Date.now(), "signedInTs is when the browser signed in (an id_token's auth_time)");
    const now = Date.now();
    assert.deepEqual(await sessionUser(stores.accounts, web, token, now + WEB_SESSION_LIFETIME_MS - 60_000), user, "still the same sign-in a minute before it ends");
    await assert.rejects(sessionUser(stores.accounts, web, token, now + WEB_SESSION_LIFETIME_MS + 1000), (e: unknown) => toMatrixError(e)?.status === 401);
    await sessions.endWebSession(token);
    await assert.rejects(sessions.webSession(token), (e: unknown) => toMatrixError(e)?.errcode === "M_UNKNOWN_TOKEN");
    const signUp = await sessions.startWebSessionForNewAccount(undefined);
    assert.equal((await sessions.webSession(signUp)).userId, "@alice:x");
    stores.accounts.deactivate();
    sessions.endAllWebSessions();
    await assert.rejects(sessions.webSession(signUp));
    await assert.rejects(sessions.createWebSession("correct horse"));
  },

  async "a password change that logs devices out ends every browser sign-in but the one kept"(sql, storage) {
    const { sessions, stores } = await world(sql, storage, "correct horse");
    const kept = (await sessions.createWebSession("correct horse")).token;
    const other = (await sessions.createWebSession("correct horse")).token;
    await sessions.issueOAuthSession({ deviceId: "KEEP", clientId: "client-a", scope: SCOPE });
    await sessions.issueOAuthSession({ deviceId: "GONE", clientId: "client-a", scope: SCOPE });
    await sessions.changePassword("battery staple", false, "KEEP", kept);
    assert.equal((await sessions.webSession(other)).userId, "@alice:x", "without logging devices out, browsers stay signed in");
    assert.deepEqual(stores.accounts.deviceIds().sort(), ["GONE", "KEEP"]);
    await sessions.changePassword("battery staple 2", true, "KEEP", kept);
    assert.equal((await sessions.webSession(kept)).userId, "@alice:x");
    await assert.rejects(sessions.webSession(other), (e: unknown) => toMatrixError(e)?.errcode === "M_UNKNOWN_TOKEN");
    assert.deepEqual(stores.accounts.deviceIds(), ["KEEP"]);
    await assert.rejects(sessions.createWebSession("correct horse"), "the old password no longer signs in");
    // The legacy POST /account/password keeps no browser sign-in.
    await sessions.changePassword("battery staple 3", true, "KEEP");
    await assert.rejects(sessions.webSession(kept), (e: unknown) => toMatrixError(e)?.errcode === "M_UNKNOWN_TOKEN");
    assert.equal((await sessions.webSession((await sessions.createWebSession("battery staple 3")).token)).userId, "@alice:x");
  },

  async "signing a browser in to an account that does not exist is refused like a wrong password"(sql, storage) {
    migrate(sql, USER_MIGRATIONS);
    const stores = { accounts: new AccountStore(sql), refreshTokens: new RefreshTokenStore(sql), oauthCodes: new OAuthCodeStore(sql), toDevice: new ToDeviceStore(sql) };
    const sessions = new Sessions(storage, stores, new DehydratedDeviceStore(sql), new WebSessionStore(sql), new OAuthApprovalStore(sql), () => LIFETIME, async () => {});
    await assert.rejects(sessions.createWebSession("anything"), (e: unknown) => {
      const m = toMatrixError(e);
      return m?.status === 403 && m.errcode === "M_FORBIDDEN" && m.text === "Invalid username or password";
    });
  },

  async "an approved action is approved once, and only until it lapses"(sql, storage) {
    const { sessions } = await world(sql, storage);
    assert.equal(sessions.actionApproved("org.matrix.cross_signing_reset"), false);
    sessions.approveAction("org.matrix.cross_signing_reset");
    assert.equal(sessions.actionApproved("org.matrix.cross_signing_reset"), true);
    assert.equal(sessions.actionApproved("org.matrix.cross_signing_reset"), false, "used up");
    sessions.approveAction("org.matrix.cross_signing_reset", -1);
    assert.equal(sessions.actionApproved("org.matrix.cross_signing_reset"), false, "lapsed");
  },
};
