import { forbidden, unknownToken } from "../../platform/errors.js";
import { invalidGrant } from "../../protocol/oauth/errors.js";
import { OAUTH_ACTION_APPROVAL_MS, hashToken } from "../../platform/tokens.js";
import type {
  AuthorizationCodeRequest,
  CodeRedemption,
  OAuthSessionRequest,
  OAuthSessionTokens,
  RedeemedCode,
  RefreshResult,
  WebSessionUser,
} from "../../platform/rpc/user.js";
import * as account from "./account.js";
import { hashPassword } from "./password.js";
import * as refreshTokens from "./refreshTokens.js";
import * as oauthCodes from "./oauthCodes.js";
import * as webSessions from "./webSessions.js";
import type { DehydratedDeviceStore } from "./dehydratedDeviceStore.js";
import { isDehydratedDeviceId } from "./dehydratedDevice.js";
import type { OAuthCodeRow } from "./oauthCodeStore.js";
import type { WebSessionStore } from "./webSessionStore.js";
import type { OAuthApprovalStore } from "./oauthApprovalStore.js";

/**
 * The sessions of one user beyond a password login: refreshing and revoking tokens, OAuth
 * sessions and their authorization codes, browser sign-ins on the account pages and actions
 * approved there. UserDO hands its RPCs here; each write that must be whole runs in one
 * transaction, after every await (hashing, token making) is done.
 */
export class Sessions {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly stores: account.SessionStores,
    private readonly dehydration: DehydratedDeviceStore,
    private readonly web: WebSessionStore,
    private readonly approvals: OAuthApprovalStore,
    /** ACCESS_TOKEN_LIFETIME in ms, read when a token is issued. */
    private readonly lifetimeMs: () => number,
    /** Called after devices were deleted: their keys go and room-mates learn the device list changed. */
    private readonly devicesRemoved: () => Promise<void>,
    /** Called after a grant made a new device: room-mates learn the device list changed (as after a password login). */
    private readonly deviceAdded: (deviceId: string) => Promise<void> = async () => {},
  ) {}

  private localpart(): string {
    const acc = account.requireAccount(this.stores.accounts);
    if (acc.deactivated) throw forbidden("This account has been deactivated");
    return account.localpartOf(acc.user_id);
  }

  async refresh(refreshToken: string, clientId?: string): Promise<RefreshResult> {
    const acc = this.stores.accounts.account();
    if (!acc || acc.deactivated) throw unknownToken("Unknown refresh token");
    const presented = await hashToken(refreshToken);
    const next = await refreshTokens.newTokenPair(account.localpartOf(acc.user_id));
    const lifetimeMs = this.lifetimeMs();
    const rotation = this.storage.transactionSync(() => {
      const r = refreshTokens.rotate(this.stores, presented, next, clientId, lifetimeMs, Date.now());
      if (r.kind === "reused") account.deleteDevice(this.stores, r.deviceId);
      return r;
    });
    if (rotation.kind === "reused") {
      await this.devicesRemoved();
      throw unknownToken("The refresh token was already used; the session has been revoked");
    }
    const { deviceId, scope, access_token, refresh_token, expires_in_ms } = rotation;
    return { access_token, refresh_token, expires_in_ms, device_id: deviceId, ...(scope !== null ? { scope } : {}) };
  }

  /** Logout and RFC 7009 revocation: either token of a session ends the whole session. Returns whether one ended. */
  async revoke(token: string): Promise<boolean> {
    if ((await account.revokeToken(this.stores, token)) === undefined) return false;
    await this.devicesRemoved();
    return true;
  }

  /** A token pair for the user, made (and hashed) before a grant's transaction, which cannot await. */
  private async newPair(): Promise<refreshTokens.TokenPair> {
    return refreshTokens.newTokenPair(account.localpartOf(account.requireAccount(this.stores.accounts).user_id));
  }

  /**
   * The synchronous core of both OAuth grants (device code, authorization code), run inside the
   * grant's transaction: the account is read there, so a deactivation that ran during the
   * grant's awaits is seen. A deactivated account and the dehydrated device's ID are refused
   * with OAuth's invalid_grant, which is what the token endpoint answers (not a Matrix error).
   */
  private startOAuthSession(req: OAuthSessionRequest, pair: refreshTokens.TokenPair, lifetimeMs: number): OAuthSessionTokens {
    const acc = account.requireAccount(this.stores.accounts);
    if (acc.deactivated) throw invalidGrant("This account has been deactivated");
    if (isDehydratedDeviceId(this.dehydration, req.deviceId)) throw invalidGrant("That device ID belongs to the dehydrated device");
    const now = Date.now();
    account.startDeviceLogin(this.stores, req.deviceId, req.displayName, { clientId: req.clientId, scope: req.scope }, now);
    const tokens = refreshTokens.storeTokenPair(this.stores, req.deviceId, pair, lifetimeMs, now);
    return { user_id: acc.user_id, device_id: req.deviceId, scope: req.scope, ...tokens };
  }

  /** The device code grant (RFC 8628): the user approved; the device's session starts. */
  async issueOAuthSession(req: OAuthSessionRequest): Promise<OAuthSessionTokens> {
    const pair = await this.newPair();
    const lifetimeMs = this.lifetimeMs();
    const isNew = !this.stores.accounts.hasDevice(req.deviceId);
    const tokens = this.storage.transactionSync(() => this.startOAuthSession(req, pair, lifetimeMs));
    if (isNew) await this.deviceAdded(req.deviceId);
    return tokens;
  }

  /**
   * A new password. With `logoutDevices` the other devices go, and so do the browser sign-ins but
   * `keepWebSessionToken`'s: a browser signed in with the old password could otherwise stay signed
   * in for a week and approve new apps. Hashing is done first, so the writes are one transaction.
   */
  async changePassword(newPassword: string, logoutDevices: boolean, keepDeviceId: string, keepWebSessionToken?: string): Promise<void> {
    const passwordHash = await hashPassword(newPassword);
    const keepHash = keepWebSessionToken === undefined ? undefined : await hashToken(keepWebSessionToken);
    this.storage.transactionSync(() => {
      this.stores.accounts.setPasswordHash(passwordHash);
      if (!logoutDevices) return;
      account.deleteAllDevices(this.stores, keepDeviceId);
      this.web.deleteAllExcept(keepHash);
    });
  }

  async createAuthorizationCode(req: AuthorizationCodeRequest): Promise<string> {
    return oauthCodes.createCode(this.stores.oauthCodes, this.localpart(), req, Date.now());
  }

  /**
   * The authorization code grant. Every await comes first (the code's hash and PKCE check, the
   * new token pair), then one transaction that reads the code again: a redemption that ran during
   * those awaits has spent it and created its session, so this one is a reuse and that session is
   * revoked. A refusal thrown in the transaction (deactivated account, the dehydrated device's ID)
   * rolls it back, so the code stays unspent: the simplest rule, and no token was issued for it.
   */
  async redeemAuthorizationCode(req: CodeRedemption): Promise<RedeemedCode> {
    const codes = this.stores.oauthCodes;
    // A code already redeemed ("reused") is decided in the transaction below, like a concurrent one.
    const { row } = await oauthCodes.checkCode(codes, req, Date.now());
    const pair = await this.newPair();
    const lifetimeMs = this.lifetimeMs();
    const isNew = !this.stores.accounts.hasDevice(row.device_id);
    const outcome = this.storage.transactionSync(() => {
      if (codes.get(row.code_hash)?.used_ts !== null) return { kind: "reused", revoked: this.revokeCodeSession(row) } as const;
      codes.markUsed(row.code_hash, Date.now());
      return { kind: "issued", tokens: this.startOAuthSession({ deviceId: row.device_id, clientId: row.client_id, scope: row.scope }, pair, lifetimeMs) } as const;
    });
    if (outcome.kind === "reused") {
      if (outcome.revoked) await this.devicesRemoved();
      throw invalidGrant("The authorization code was already used");
    }
    if (isNew) await this.deviceAdded(row.device_id);
    return { ...outcome.tokens, auth_time: row.auth_time, ...(row.nonce !== null ? { nonce: row.nonce } : {}) };
  }

  /**
   * A spent code presented again may have leaked: the session it created goes (RFC 6749 §4.1.2),
   * and only that one, since the device ID may since belong to another sign-in. Returns whether
   * a device was deleted.
   */
  private revokeCodeSession(row: OAuthCodeRow): boolean {
    if (this.stores.accounts.deviceOAuth(row.device_id)?.oauth_client_id !== row.client_id) return false;
    account.deleteDevice(this.stores, row.device_id);
    return true;
  }

  /** A web session for a browser that just created the account (the sign-up page). */
  async startWebSessionForNewAccount(userAgent: string | undefined): Promise<string> {
    return webSessions.startWebSession(this.web, this.localpart(), userAgent, Date.now());
  }

  async createWebSession(password: string, userAgent?: string): Promise<{ token: string }> {
    return { token: await webSessions.signIn(this.stores.accounts, this.web, password, userAgent) };
  }

  async webSession(token: string): Promise<WebSessionUser> {
    return webSessions.sessionUser(this.stores.accounts, this.web, token, Date.now());
  }

  async endWebSession(token: string): Promise<void> {
    await webSessions.endSession(this.web, token);
  }

  /** Deactivation: every browser sign-in ends. */
  endAllWebSessions(): void {
    this.web.deleteAll();
  }

  approveAction(action: string, ttlMs = OAUTH_ACTION_APPROVAL_MS): void {
    this.approvals.approve(action, Date.now() + ttlMs);
  }

  actionApproved(action: string): boolean {
    return this.approvals.take(action, Date.now());
  }
}
