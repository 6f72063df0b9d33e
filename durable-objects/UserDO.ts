import { DurableObject } from "cloudflare:workers";
import type { Env } from "../platform/env.js";
import { migrate } from "../schema/migrate.js";
import { USER_MIGRATIONS } from "../schema/user.js";
import { forbidden, notFound, invalidParam } from "../platform/errors.js";
import { readConfig } from "../platform/env.js";
import type { JsonObject, JsonValue } from "../protocol/json.js";
import * as account from "./user/account.js";
import { ignoredUsers } from "./user/ignoredUsers.js";
import type { AuthorizationCodeRequest, CodeRedemption, DehydratedDevice, DehydratedDeviceUpload, DeviceInfo, KeyUpload, LoginResult, OAuthSessionRequest, OAuthSessionTokens, QueriedKeys } from "../platform/rpc/user.js";
import type { AdminAccountChange, AdminAccountView, RedeemedCode, RefreshResult, RegisterOptions, RoomKeysUpload, Session, SessionInfo, StoredSignature, UserRpc, WebSessionUser } from "../platform/rpc/user.js";
import type { DeliveryItem } from "../platform/rpc/delivery.js";
import { ingestRoomEvents } from "./user/delivery.js";
import { LiveSync } from "./user/liveSync.js";
import { Presence } from "./user/presence.js";
import { DeviceListUpdates } from "./user/deviceListUpdates.js";
import { AccountData } from "./user/accountData.js";
import * as profile from "./user/profile.js";
import * as toDeviceMessaging from "./user/toDeviceMessaging.js";
import * as memberships from "./user/memberships.js";
import * as roomEphemeral from "./user/roomEphemeral.js";
import { StreamStore } from "./user/streamStore.js";
import { RoomViewStore } from "./user/roomViewStore.js";
import { KeyBackupStore } from "./user/keyBackupStore.js";
import { EncryptionKeyStore } from "./user/encryptionKeyStore.js";
import { AccountDataStore } from "./user/accountDataStore.js";
import { PresenceStore } from "./user/presenceStore.js";
import { ToDeviceStore } from "./user/toDeviceStore.js";
import { AccountStore } from "./user/accountStore.js";
import { DehydratedDeviceStore } from "./user/dehydratedDeviceStore.js";
import { RefreshTokenStore } from "./user/refreshTokenStore.js";
import { OAuthCodeStore } from "./user/oauthCodeStore.js";
import { WebSessionStore } from "./user/webSessionStore.js";
import { OAuthApprovalStore } from "./user/oauthApprovalStore.js";
import { Sessions } from "./user/sessions.js";
import type { SyncParams } from "../platform/syncRequest.js";
import type { SlidingSyncRequest } from "../protocol/slidingSync/request.js";
import { SlidingConnectionStore } from "./user/slidingSync/connectionStore.js";
import type { PushRuleSet, StoredPushRules } from "../protocol/pushRules/index.js";
import type { Pusher } from "../protocol/push/index.js";
import { UserPush } from "./user/push/userPush.js";
import * as e2ee from "./user/e2ee.js";
import * as keyBackup from "./user/keyBackup.js";
import * as dehydrated from "./user/dehydratedDevice.js";
import * as adminAccount from "./user/adminAccount.js";
import type { CrossSigningUsage } from "../protocol/e2eeKeys.js";

/**
 * UserDO: the only writer of one user's data — account, devices, tokens, account data, filters,
 * push rules, profile — and the user's sync stream (user/streamStore.ts). Methods are called over
 * Durable Object RPC (platform/rpc/user.ts) from the Worker, RoomDOs and other UserDOs; each checks
 * and delegates, and the transactions (ctx.storage.transactionSync) that make a write atomic are
 * opened here. All SQL is in its stores (user/*Store.ts), one per table family, built here from
 * ctx.storage.sql. The modules of user/:
 *
 * - account.ts: the account, password, access tokens and devices (lastSeen.ts, password.ts)
 * - sessions.ts: refreshing and revoking tokens, OAuth sessions, browser sign-ins and approvals,
 *   over refreshTokens.ts (rotation), oauthCodes.ts (authorization codes), webSessions.ts
 * - profile.ts: display name and avatar
 * - accountData.ts: account data, sync filters, push rules (merged with the defaults, cached)
 * - memberships.ts: the servers of an invite or knock; forgetting a room
 * - delivery.ts: a room's events into the stream, with push rules evaluated
 * - roomEphemeral.ts: typing and receipts into the stream
 * - push/: pushers, the notifications list, and the push queue its alarm sends to push gateways
 * - presence.ts: setting and announcing presence; others' presence received
 * - e2ee.ts: device, one-time, fallback and cross-signing keys, and signatures
 * - deviceLists.ts, deviceListUpdates.ts: device list tracking and announcing changes (EDUs: federationOut.ts)
 * - toDeviceMessaging.ts: the devices' to-device inboxes
 * - dehydratedDevice.ts: the dehydrated device (MSC3814)
 * - keyBackup.ts: server-side key backup
 * - adminAccount.ts: the account as the server's admins see and change it (the admin flag)
 * - sync.ts: building a /sync response from the stream; liveSync.ts: resolving the filter,
 *   parking a waiting /sync on a hibernatable WebSocket, waking it when the stream grows
 */
export class UserDO extends DurableObject<Env> implements UserRpc {
  private readonly stream: StreamStore;
  private readonly rooms: RoomViewStore;
  private readonly backups: KeyBackupStore;
  private readonly keys: EncryptionKeyStore;
  private readonly accountData: AccountDataStore;
  private readonly presence: Presence;
  private readonly toDevice: ToDeviceStore;
  private readonly accounts: AccountStore;
  private readonly dehydration: DehydratedDeviceStore;
  /** The stores a device's session lives in (account.ts SessionStores). */
  private readonly sessionStores: account.SessionStores;
  private readonly oauthSessions: Sessions;
  private readonly live: LiveSync;
  private readonly slidingConnections: SlidingConnectionStore;
  private readonly deviceLists: DeviceListUpdates;
  private readonly clientData: AccountData;
  private readonly push: UserPush;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.stream = new StreamStore(ctx.storage.sql);
    this.rooms = new RoomViewStore(ctx.storage.sql);
    this.backups = new KeyBackupStore(ctx.storage.sql);
    this.keys = new EncryptionKeyStore(ctx.storage.sql);
    this.accountData = new AccountDataStore(ctx.storage.sql);
    this.toDevice = new ToDeviceStore(ctx.storage.sql);
    this.accounts = new AccountStore(ctx.storage.sql);
    this.dehydration = new DehydratedDeviceStore(ctx.storage.sql);
    this.sessionStores = {
      accounts: this.accounts,
      toDevice: this.toDevice,
      refreshTokens: new RefreshTokenStore(ctx.storage.sql),
      oauthCodes: new OAuthCodeStore(ctx.storage.sql),
    };
    this.oauthSessions = new Sessions(
      ctx.storage,
      this.sessionStores,
      this.dehydration,
      new WebSessionStore(ctx.storage.sql),
      new OAuthApprovalStore(ctx.storage.sql),
      () => readConfig(env).accessTokenLifetimeMs,
      () => this.devicesRemoved(),
      (deviceId) => this.deviceLists.announceDeviceListChange({ devices: [deviceId] }),
    );
    this.slidingConnections = new SlidingConnectionStore(ctx.storage.sql);
    this.live = new LiveSync(ctx, this.accounts, { stream: this.stream, rooms: this.rooms, keys: this.keys, accountData: this.accountData, toDevice: this.toDevice }, this.slidingConnections);
    this.presence = new Presence(env, this.accounts, this.rooms, new PresenceStore(ctx.storage.sql), this.live);
    this.clientData = new AccountData(this.accounts, this.accountData, this.live);
    this.deviceLists = new DeviceListUpdates(env, this.accounts, this.rooms, this.keys, this.stream, this.live);
    this.push = new UserPush(ctx.storage, env, this.stream, this.rooms);
    ctx.blockConcurrencyWhile(async () => migrate(ctx.storage.sql, USER_MIGRATIONS));
  }

  // ---- accounts -------------------------------------------------------------------------

  async exists(): Promise<boolean> {
    return this.accounts.account() !== undefined;
  }

  async register(userId: string, opts: RegisterOptions): Promise<{ user_id: string; web_session?: string } & Partial<LoginResult>> {
    await account.registerAccount(this.accounts, userId, opts);
    const web = opts.webSession ? { web_session: await this.oauthSessions.startWebSessionForNewAccount(opts.webSession.userAgent) } : {};
    if (opts.inhibitLogin) return { user_id: userId, ...web };
    // A guest's request body is ignored but for the device's display name (spec, registration.yaml:
    // "all parameters ... with the exception of initial_device_display_name MUST BE ignored"), so
    // `refresh_token: true` gets a guest no refresh token and a never-expiring access token.
    const lifetimeMs = opts.isGuest ? undefined : this.lifetimeIf(opts.refresh);
    return { ...(await account.issueToken(this.sessionStores, userId, opts.deviceId, opts.deviceDisplayName, lifetimeMs)), ...web };
  }

  /** The access token lifetime for a client that supports refresh tokens; undefined: the token never expires. */
  private lifetimeIf(refresh: boolean | undefined): number | undefined {
    return refresh ? readConfig(this.env).accessTokenLifetimeMs : undefined;
  }

  async login(credential: string | { appservice: string }, deviceId?: string, deviceDisplayName?: string, refresh?: boolean): Promise<LoginResult> {
    if (typeof credential === "string" && !(await account.checkPassword(this.accounts, credential))) throw forbidden("Invalid username or password");
    const acc = account.requireAccount(this.accounts);
    if (acc.deactivated) throw forbidden("This account has been deactivated");
    if (dehydrated.isDehydratedDeviceId(this.dehydration, deviceId)) throw invalidParam("That device ID belongs to the dehydrated device");
    const isNew = deviceId === undefined || !this.accounts.hasDevice(deviceId);
    const r = await account.issueToken(this.sessionStores, acc.user_id, deviceId, deviceDisplayName, this.lifetimeIf(refresh));
    if (isNew) await this.deviceLists.announceDeviceListChange({ devices: [r.device_id] });
    return r;
  }

  async checkPassword(password: string): Promise<boolean> {
    return account.checkPassword(this.accounts, password);
  }

  /**
   * Checks an access token; the session carries the user's ignore list, which room reads need.
   * `ip`, the client's address when known, is noted as the device's last_seen_ip.
   */
  async authenticate(token: string, ip?: string): Promise<Session> {
    const session = await account.authenticate(this.accounts, token, ip);
    const ignored = ignoredUsers(this.accountData);
    return ignored.size > 0 ? { ...session, ignoredUsers: [...ignored] } : session;
  }

  async logout(token: string): Promise<void> {
    await this.oauthSessions.revoke(token);
  }

  async logoutAll(): Promise<void> {
    account.deleteAllDevices(this.sessionStores);
    await this.devicesRemoved();
  }

  async changePassword(newPassword: string, logoutDevices: boolean, keepDeviceId: string, keepWebSessionToken?: string): Promise<void> {
    await this.oauthSessions.changePassword(newPassword, logoutDevices, keepDeviceId, keepWebSessionToken);
    await this.devicesRemoved();
  }

  /** Deactivation: no more logins, all devices, authorization codes and browser sign-ins gone. Leaving rooms is done by the caller. */
  async deactivate(): Promise<string[]> {
    this.ctx.storage.transactionSync(() => {
      account.deactivate(this.sessionStores);
      this.oauthSessions.endAllWebSessions();
    });
    await this.devicesRemoved();
    return this.rooms.joinedRoomIds();
  }

  async refresh(refreshToken: string, clientId?: string): Promise<RefreshResult> {
    return this.oauthSessions.refresh(refreshToken, clientId);
  }

  async revoke(token: string): Promise<boolean> {
    return this.oauthSessions.revoke(token);
  }

  // ---- OAuth 2.0 sessions and the account pages (user/sessions.ts) ---------------------------

  async issueOAuthSession(req: OAuthSessionRequest): Promise<OAuthSessionTokens> {
    return this.oauthSessions.issueOAuthSession(req);
  }

  async createAuthorizationCode(req: AuthorizationCodeRequest): Promise<string> {
    return this.oauthSessions.createAuthorizationCode(req);
  }

  async redeemAuthorizationCode(req: CodeRedemption): Promise<RedeemedCode> {
    return this.oauthSessions.redeemAuthorizationCode(req);
  }

  async createWebSession(password: string, userAgent?: string): Promise<{ token: string }> {
    return this.oauthSessions.createWebSession(password, userAgent);
  }

  async webSession(token: string): Promise<WebSessionUser> {
    return this.oauthSessions.webSession(token);
  }

  async endWebSession(token: string): Promise<void> {
    return this.oauthSessions.endWebSession(token);
  }

  async approveOAuthAction(action: string): Promise<void> {
    this.oauthSessions.approveAction(action);
  }

  async oauthActionApproved(action: string): Promise<boolean> {
    return this.oauthSessions.actionApproved(action);
  }

  async sessions(): Promise<SessionInfo[]> {
    return this.accounts.listSessions();
  }

  // ---- server administration (user/adminAccount.ts) ------------------------------------------

  async adminAccount(): Promise<AdminAccountView | null> {
    return adminAccount.adminView(this.accounts);
  }

  async changeAccountAsAdmin(change: AdminAccountChange): Promise<void> {
    this.ctx.storage.transactionSync(() => adminAccount.changeAsAdmin(this.accounts, change));
  }

  // ---- devices --------------------------------------------------------------------------

  async listDevices(): Promise<DeviceInfo[]> {
    return this.accounts.listDevices();
  }

  async getDevice(deviceId: string): Promise<DeviceInfo> {
    const d = this.accounts.listDevices().find((x) => x.device_id === deviceId);
    if (!d) throw notFound("Device not found");
    return d;
  }

  /** Renames a device; with `create` (an application service, MSC4190) a missing one is made: true then. */
  async updateDevice(deviceId: string, displayName: string | undefined, create = false): Promise<boolean> {
    return account.putDevice(this.accounts, deviceId, displayName, create && !dehydrated.isDehydratedDeviceId(this.dehydration, deviceId));
  }

  async deleteDevices(deviceIds: string[]): Promise<void> {
    for (const id of deviceIds) account.deleteDevice(this.sessionStores, id);
    await this.devicesRemoved();
  }

  // ---- profile --------------------------------------------------------------------------

  async getProfile(): Promise<{ displayname?: string; avatar_url?: string } | null> {
    return profile.getProfile(this.accounts);
  }

  async setProfileField(field: "displayname" | "avatar_url", value: string | null): Promise<string[]> {
    profile.setProfileField(this.accounts, field, value);
    return this.rooms.joinedRoomIds();
  }

  // ---- account data and filters ---------------------------------------------------------

  async getAccountData(roomId: string, type: string): Promise<JsonObject> {
    return this.clientData.getAccountData(roomId, type);
  }

  async setAccountData(roomId: string, type: string, content: JsonObject): Promise<void> {
    return this.clientData.setAccountData(roomId, type, content);
  }

  async createFilter(filter: JsonObject): Promise<string> {
    return this.clientData.createFilter(filter);
  }

  async getFilter(filterId: string): Promise<JsonObject> {
    return this.clientData.getFilter(filterId);
  }

  // ---- rooms and the sync stream ---------------------------------------------------------

  async joinedRooms(includeLeft = false): Promise<string[]> {
    return includeLeft ? this.rooms.joinedOrLeftRoomIds() : this.rooms.joinedRoomIds();
  }

  /**
   * For a room this user is invited to or knocking on: the servers that sent the room's stripped
   * state (the inviter's first), where a remote join, a rejection or a withdrawn knock can go.
   */
  async inviteServers(roomId: string): Promise<string[]> {
    return memberships.inviteServers(this.rooms, roomId);
  }

  async forget(roomId: string): Promise<void> {
    memberships.forget(this.rooms, roomId);
  }

  /** Called by a RoomDO: events of a room this user may see, in the room's order. */
  async deliverRoomEvents(roomId: string, items: DeliveryItem[]): Promise<void> {
    const acc = this.accounts.account();
    if (!acc) return;
    const rules = this.clientData.pushRules();
    const sharedBefore = items.some((i) => i.event.type === "m.room.member") ? this.rooms.usersInJoinedRooms() : undefined;
    const notifying = this.ctx.storage.transactionSync(() => {
      const found = ingestRoomEvents(this.stream, this.rooms, acc.user_id, roomId, items, rules, acc.displayname ?? undefined);
      this.push.recordNotifications(roomId, found);
      return found;
    });
    if (sharedBefore) this.ctx.waitUntil(this.presence.learnPresenceOf(this.deviceLists.recordSharedUserChanges(acc.user_id, sharedBefore)));
    this.live.wakeWaiters();
    await this.push.eventsNotified(acc.user_id, roomId, notifying);
  }

  /** Typing and other per-room ephemeral state that replaces its previous value. */
  async setRoomEphemeral(roomId: string, type: string, content: JsonObject): Promise<void> {
    roomEphemeral.setRoomEphemeral(this.stream, this.rooms, roomId, type, content);
    this.live.wakeWaiters();
  }

  /** A receipt in a room; `own` marks the user's own receipt, which resets unread counts. */
  async addReceipt(roomId: string, content: JsonObject, own?: { eventId: string; ordering: number }): Promise<void> {
    roomEphemeral.addReceipt(this.stream, this.rooms, roomId, content, own);
    this.live.wakeWaiters();
    if (own) await this.push.readPositionMoved();
  }

  // ---- presence ---------------------------------------------------------------------------

  async setPresence(presence: string, statusMsg: string | undefined, explicit: boolean): Promise<void> {
    return this.presence.setPresence(presence, statusMsg, explicit);
  }

  /** Presence of a remote user (m.presence EDU): kept only if they share a room with this user. */
  async receiveRemotePresence(event: JsonObject): Promise<boolean> {
    return this.presence.receiveRemotePresence(event);
  }

  /** Another user's presence changed (they share a room with this user). */
  async receivePresence(event: JsonObject): Promise<void> {
    return this.presence.receivePresence(event);
  }

  async getPresence(): Promise<JsonObject> {
    return this.presence.getPresence();
  }

  // ---- push rules ---------------------------------------------------------------------------

  async getPushRules(): Promise<PushRuleSet> {
    return this.clientData.getPushRules();
  }

  async setPushRules(stored: StoredPushRules): Promise<void> {
    return this.clientData.setPushRules(stored);
  }

  // ---- pushers and notifications (user/push/) ------------------------------------------------

  async setPusher(deviceId: string, pusher: Pusher): Promise<void> {
    if (!this.accounts.hasDevice(deviceId)) throw notFound("Unknown device");
    this.push.setPusher(deviceId, pusher);
  }
  async deletePusher(appId: string, pushkey: string): Promise<void> {
    this.push.deletePusher(appId, pushkey);
  }
  async listPushers(): Promise<Pusher[]> {
    return this.push.listPushers();
  }
  async listNotifications(deviceId: string, from: number | undefined, limit: number, onlyHighlight: boolean): Promise<{ notifications: JsonObject[]; next_token?: string }> {
    return this.push.listNotifications(deviceId, from, limit, onlyHighlight);
  }
  /** The push queue's alarm (user/push/): the only alarm a UserDO sets. */
  override async alarm(): Promise<void> {
    await this.push.alarm();
  }

  // ---- end-to-end encryption: keys (user/e2ee.ts) and device lists (user/deviceListUpdates.ts)

  /** keys/upload, already validated by the Worker. Returns the device's one-time key counts. */
  async uploadKeys(deviceId: string, up: KeyUpload): Promise<Record<string, number>> {
    if (!this.accounts.hasDevice(deviceId)) throw notFound("Unknown device");
    const changed = this.ctx.storage.transactionSync(() => e2ee.storeKeys(this.keys, deviceId, up));
    if (changed) await this.deviceLists.announceDeviceListChange({ devices: [deviceId] });
    return e2ee.oneTimeKeyCounts(this.keys, deviceId);
  }

  async getDeviceKeys(deviceId: string): Promise<JsonObject | null> {
    return this.keys.deviceKeys(deviceId) ?? null;
  }

  /** keys/query for this user; null when there is no such user. */
  async queryKeys(requester: string, deviceIds: string[]): Promise<QueriedKeys | null> {
    const acc = this.accounts.account();
    if (!acc) return null;
    return e2ee.queryKeys(this.keys, acc.user_id, requester, deviceIds);
  }

  /** keys/claim: device ID → algorithm. Atomic: the object runs this without interleaving. */
  async claimKeys(wanted: Record<string, string>): Promise<Record<string, Record<string, JsonValue>>> {
    return this.ctx.storage.transactionSync(() => e2ee.claimKeys(this.keys, wanted));
  }

  async getCrossSigningKeys(): Promise<Partial<Record<CrossSigningUsage, JsonObject>>> {
    return this.keys.crossSigningKeys();
  }

  async uploadCrossSigningKeys(keys: Partial<Record<CrossSigningUsage, JsonObject>>): Promise<void> {
    this.ctx.storage.transactionSync(() => e2ee.storeCrossSigningKeys(this.keys, keys));
    await this.deviceLists.announceDeviceListChange({ signingKeys: true });
  }

  /** Signatures on this user's keys (validated by the Worker). */
  async addKeySignatures(sigs: StoredSignature[], announce: boolean): Promise<void> {
    this.ctx.storage.transactionSync(() => e2ee.storeSignatures(this.keys, sigs));
    if (!announce) return;
    await this.deviceLists.announceSignatures(sigs);
  }

  /** Another user (or this one) changed devices or keys: the next sync lists them in device_lists. */
  async notifyDeviceListChanged(userId: string, left = false): Promise<void> {
    return this.deviceLists.notifyDeviceListChanged(userId, left);
  }

  /** A remote user's devices or keys changed (federation EDU): noted only if they share a room with this user. */
  async remoteDeviceListChanged(userId: string): Promise<boolean> {
    return this.deviceLists.remoteDeviceListChanged(userId);
  }

  /** keys/changes between two sync tokens' stream positions. */
  async keyChanges(from: string, to: string): Promise<{ changed: string[]; left: string[] }> {
    return this.deviceLists.keyChanges(from, to);
  }

  /** After devices are deleted, keys or not, room-mates learn the list changed (as in Synapse, like a login's new device); their keys go. */
  private async devicesRemoved(): Promise<void> {
    const gone = this.keys.devicesGoneWithDeviceKeys(); // read before the purge removes their keys
    this.ctx.storage.transactionSync(() => {
      e2ee.purgeRemovedDevices(this.keys);
      this.live.dropGoneDevices();
      this.push.dropGoneDevices();
    });
    await this.deviceLists.announceDeviceListChange({ devices: gone });
  }

  // ---- to-device messages (spec: send_to_device.md) ---------------------------------------

  /** Delivers one sender's messages to this user's devices ('*' = all). Unknown devices are dropped. */
  async receiveToDevice(sender: string, type: string, messages: Record<string, JsonObject>): Promise<number> {
    if (!this.accounts.account()) return 0;
    const devices = this.accounts.listDevices().map((d) => d.device_id);
    const n = this.ctx.storage.transactionSync(() => toDeviceMessaging.deliver(this.toDevice, this.stream, devices, sender, type, messages));
    if (n > 0) this.live.wakeWaiters();
    return n;
  }

  async toDeviceTxnSeen(deviceId: string, txnId: string): Promise<boolean> {
    return this.toDevice.txnSeen(deviceId, txnId);
  }

  async recordToDeviceTxn(deviceId: string, txnId: string): Promise<void> {
    this.toDevice.recordTxn(deviceId, txnId);
  }

  // ---- dehydrated device (MSC3814, user/dehydratedDevice.ts) ----------------------------------

  /** PUT dehydrated_device, validated by the Worker: creates or replaces the user's dehydrated device. */
  async putDehydratedDevice(up: DehydratedDeviceUpload): Promise<{ device_id: string }> {
    const previous = this.ctx.storage.transactionSync(() => dehydrated.replace(this.dehydration, this.sessionStores, this.keys, up));
    const changed = previous !== undefined && previous !== up.deviceId ? [previous, up.deviceId] : [up.deviceId];
    await this.deviceLists.announceDeviceListChange({ devices: changed });
    return { device_id: up.deviceId };
  }

  async getDehydratedDevice(): Promise<DehydratedDevice | null> {
    return this.dehydration.current() ?? null;
  }

  /** DELETE dehydrated_device: the removed device's ID, or null when there was none. */
  async deleteDehydratedDevice(): Promise<string | null> {
    const removed = this.ctx.storage.transactionSync(() => dehydrated.remove(this.dehydration, this.sessionStores, this.keys));
    if (removed !== undefined) await this.deviceLists.announceDeviceListChange({ devices: [removed] });
    return removed ?? null;
  }

  /** POST dehydrated_device/{deviceId}/events: one batch of its to-device messages after `after`. */
  async dehydratedDeviceEvents(deviceId: string, after: number): Promise<{ events: JsonObject[]; next_batch: string }> {
    const dev = this.dehydration.current();
    if (!dev || dev.device_id !== deviceId) throw forbidden("Not the dehydrated device");
    return dehydrated.events(this.toDevice, deviceId, after);
  }

  // ---- key backup (user/keyBackup.ts) ---------------------------------------------------------

  async createKeyBackupVersion(algorithm: string, authData: JsonObject): Promise<string> {
    return keyBackup.createVersion(this.backups, algorithm, authData);
  }

  async getKeyBackupVersion(version?: string): Promise<JsonObject> {
    return keyBackup.getVersion(this.backups, version);
  }

  async updateKeyBackupVersion(version: string, algorithm: string, authData: JsonObject, bodyVersion?: string): Promise<void> {
    keyBackup.updateVersion(this.backups, version, algorithm, authData, bodyVersion);
  }

  async deleteKeyBackupVersion(version: string): Promise<void> {
    this.ctx.storage.transactionSync(() => keyBackup.deleteVersion(this.backups, version));
  }

  async putRoomKeys(version: string, upload: RoomKeysUpload): Promise<{ etag: string; count: number }> {
    return this.ctx.storage.transactionSync(() => keyBackup.putKeys(this.backups, version, upload));
  }

  async getRoomKeys(version: string, roomId?: string, sessionId?: string): Promise<JsonObject> {
    return keyBackup.getKeys(this.backups, version, roomId, sessionId);
  }

  async deleteRoomKeys(version: string, roomId?: string, sessionId?: string): Promise<{ etag: string; count: number }> {
    return this.ctx.storage.transactionSync(() => keyBackup.deleteKeys(this.backups, version, roomId, sessionId));
  }

  // ---- sync ---------------------------------------------------------------------------------

  /**
   * GET /sync in one call: checks the access token, resolves the filter, records set_presence
   * and builds the response. One Durable Object request per sync (plus the parked wait).
   */
  async syncRequest(token: string, params: SyncParams, ip?: string): Promise<{ userId: string; body: JsonObject; empty: boolean }> {
    const session = await account.authenticate(this.accounts, token, ip);
    if (params.setPresence && params.setPresence !== "offline") await this.setPresence(params.setPresence, undefined, false);
    return { userId: session.userId, ...this.live.buildSyncFor(session.deviceId, params) };
  }

  /**
   * Simplified sliding sync (MSC4186) in one call: checks the access token, records set_presence
   * (online unless the client says otherwise) and builds the response (user/slidingSync/).
   */
  async slidingSyncRequest(token: string, req: SlidingSyncRequest, ip?: string): Promise<{ body: JsonObject; empty: boolean }> {
    const session = await account.authenticate(this.accounts, token, ip);
    await this.slidingPresence(req);
    return this.live.slidingSyncFor(session.userId, session.deviceId, req);
  }

  private async slidingPresence(req: SlidingSyncRequest): Promise<void> {
    const presence = req.setPresence ?? "online";
    if (presence !== "offline") await this.setPresence(presence, undefined, false);
  }

  /** A waiting /sync or sliding sync parks here (user/liveSync.ts), after its set_presence is recorded. */
  override async fetch(request: Request): Promise<Response> {
    if (new URL(request.url).pathname === "/sliding-wait") {
      const sliding = await this.live.readSlidingParkRequest(request);
      if (sliding instanceof Response) return sliding;
      await this.slidingPresence(sliding.req);
      return this.live.parkSliding(sliding.session, sliding.req);
    }
    const req = await this.live.readParkRequest(request);
    if (req instanceof Response) return req;
    const { session, since, params } = req;
    if (params.setPresence && params.setPresence !== "offline") await this.setPresence(params.setPresence, undefined, false);
    params.setPresence = undefined;
    return this.live.park(session, since, params);
  }

  override async webSocketClose(ws: WebSocket): Promise<void> {
    try {
      ws.close();
    } catch {
      // already closed
    }
  }
}
