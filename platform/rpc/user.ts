/**
 * The RPC contract of UserDO (one per local user): what the Worker, RoomDOs and other UserDOs
 * may call on it through userStub (platform/stubs.ts). The class implements this interface, so
 * tsc keeps the two in step; callers never import the class itself.
 */
import type { JsonObject, JsonValue } from "../../protocol/json.js";
import type { CrossSigningUsage } from "../../protocol/e2eeKeys.js";
import type { PushRuleSet, StoredPushRules } from "../../protocol/pushRules/index.js";
import type { Pusher } from "../../protocol/push/types.js";
import type { SyncParams } from "../syncRequest.js";
import type { SlidingSyncRequest } from "../../protocol/slidingSync/request.js";
import type { DeliveryItem } from "./delivery.js";

export interface Session {
  userId: string;
  deviceId: string;
  isGuest: boolean;
  /** The device signed in through the OAuth 2.0 API (it has an OAuth client), not a password login. */
  oauth: boolean;
  /** Users this user ignores (only when there are any), for filtering room reads. */
  ignoredUsers?: string[];
}

export interface LoginResult {
  user_id: string;
  device_id: string;
  access_token: string;
  /** Only when the client asked for one (`refresh_token: true`): then the access token expires. */
  refresh_token?: string;
  /** The access token's lifetime; absent: it never expires. */
  expires_in_ms?: number;
}

/** A refreshed session (spec: refresh.yaml; the OAuth refresh_token grant). */
export interface RefreshResult {
  access_token: string;
  refresh_token: string;
  expires_in_ms: number;
  device_id: string;
  /** The scope the session was granted, for an OAuth session. */
  scope?: string;
}

/** The tokens of a session signed in through the OAuth 2.0 API. */
export interface OAuthSessionTokens extends RefreshResult {
  user_id: string;
  scope: string;
}

export interface OAuthSessionRequest {
  deviceId: string;
  clientId: string;
  scope: string;
  displayName?: string;
}

export interface AuthorizationCodeRequest {
  clientId: string;
  redirectUri: string;
  /** PKCE S256 challenge (RFC 7636). */
  codeChallenge: string;
  scope: string;
  /** The device the session will be: from the scope's device token. */
  deviceId: string;
  nonce?: string;
  /** When the user signed in (ms since the epoch), for the id_token. */
  authTime: number;
}

export interface CodeRedemption {
  code: string;
  clientId: string;
  redirectUri: string;
  codeVerifier: string;
}

/** A redeemed authorization code: the new session, and what the id_token needs. */
export interface RedeemedCode extends OAuthSessionTokens {
  nonce?: string;
  auth_time: number;
}

/** The user a browser's web session signs in. */
export interface WebSessionUser {
  userId: string;
  displayname: string | null;
  /** When the browser signed in (ms since the epoch): an id_token's auth_time. */
  signedInTs: number;
}

/** A device as the account page lists it: how it signed in, when it was created and last seen. */
export interface SessionInfo {
  device_id: string;
  display_name: string | null;
  /** The OAuth client it signed in through; null for a password login. */
  oauth_client_id: string | null;
  created_ts: number;
  last_seen_ts: number | null;
  last_seen_ip: string | null;
}

/** A device as GET /devices shows it: every key present, null when unknown (as Synapse does). */
export interface DeviceInfo {
  device_id: string;
  display_name: string | null;
  last_seen_ts: number | null;
  last_seen_ip: string | null;
}

/** An account as a server admin sees it (Synapse's admin API, GET /_synapse/admin/v2/users/{userId}). */
export interface AdminAccountView {
  userId: string;
  isGuest: boolean;
  admin: boolean;
  deactivated: boolean;
  /** When the account was created (ms since the epoch). */
  createdTs: number;
  displayname: string | null;
  avatarUrl: string | null;
  /** When any of its devices was last seen (ms), or null. */
  lastSeenTs: number | null;
}

/** What a server admin changes on an account besides password, profile and deactivation. */
export interface AdminAccountChange {
  admin?: boolean;
  /** Lets a deactivated account log in again (the caller sets a password too). */
  reactivate?: boolean;
}

export interface KeyUpload {
  deviceKeys?: JsonObject;
  oneTimeKeys?: Record<string, JsonValue>;
  fallbackKeys?: Record<string, JsonValue>;
}

export interface QueriedKeys {
  device_keys: Record<string, JsonObject>;
  master_key?: JsonObject;
  self_signing_key?: JsonObject;
  user_signing_key?: JsonObject;
}

export interface StoredSignature {
  target: string;
  signerUserId: string;
  signerKeyId: string;
  signature: string;
}

export interface DehydratedDevice {
  device_id: string;
  device_data: JsonObject;
}

export interface DehydratedDeviceUpload {
  deviceId: string;
  deviceData: JsonObject;
  displayName?: string;
  keys: KeyUpload;
}

export interface KeyBackupData {
  first_message_index: number;
  forwarded_count: number;
  is_verified: boolean;
  session_data: JsonObject;
}

/** roomId → sessionId → data */
export type RoomKeysUpload = Record<string, Record<string, KeyBackupData>>;

export interface RegisterOptions {
  password?: string;
  isGuest: boolean;
  deviceId?: string;
  deviceDisplayName?: string;
  inhibitLogin: boolean;
  /** The client supports refresh tokens (spec: `refresh_token: true`). */
  refresh?: boolean;
  /** Also sign the browser in on the account pages (the sign-up page). */
  webSession?: { userAgent?: string };
  /**
   * Which account: "new" (the default) creates it; "registered" is an account this registration's
   * UIA session already made (a retry: only the login is new); "guestUpgrade" makes the guest
   * account a full one, keeping its user ID and rooms (spec: Guest Access).
   */
  account?: "new" | "registered" | "guestUpgrade";
}

export interface UserRpc {
  // Account.

  /** Whether this user is registered. */
  exists(): Promise<boolean>;
  /**
   * Creates the account and, unless `inhibitLogin`, logs a device in (with a refresh token and an
   * expiring access token when `refresh`). `webSession` also signs the browser in on the account
   * pages (the sign-up page): its cookie value comes back as `web_session`.
   */
  register(userId: string, opts: RegisterOptions): Promise<{ user_id: string; web_session?: string } & Partial<LoginResult>>;
  /** Password login: a new access token for a (new or given) device; with `refresh`, a refresh token too and the access token expires. */
  /** A password login, or `{ appservice }`: the Worker checked that service's as_token and namespace. */
  login(credential: string | { appservice: string }, deviceId?: string, deviceDisplayName?: string, refresh?: boolean): Promise<LoginResult>;
  /** Whether the password is the user's (user-interactive auth). */
  checkPassword(password: string): Promise<boolean>;
  /**
   * Checks an access token; the session carries the user's ignore list, which room reads need. `ip` is noted as last seen.
   * An expired token: 401 M_UNKNOWN_TOKEN with soft_logout true.
   */
  authenticate(token: string, ip?: string): Promise<Session>;
  /**
   * Rotates a refresh token (legacy /refresh; the OAuth refresh_token grant with the client's
   * `clientId`). Unknown, spent, or another client's: 401 M_UNKNOWN_TOKEN (soft_logout false); a
   * spent token whose successor was used also revokes the session.
   */
  refresh(refreshToken: string, clientId?: string): Promise<RefreshResult>;
  /** Revokes the session (device) of an access or refresh token of this user (RFC 7009); false when unknown. */
  revoke(token: string): Promise<boolean>;

  // OAuth 2.0 sessions and the account pages.

  /**
   * Signs a device in through an OAuth client: creates the device, or replaces its tokens. A
   * deactivated account or the dehydrated device's ID: OAuthError invalid_grant.
   */
  issueOAuthSession(req: OAuthSessionRequest): Promise<OAuthSessionTokens>;
  /** A new authorization code (10 minutes, single use) for the session `req` describes. */
  createAuthorizationCode(req: AuthorizationCodeRequest): Promise<string>;
  /**
   * Redeems an authorization code: the session it grants. Unknown, expired, spent, or another
   * client's, redirect URI's or verifier's: OAuthError invalid_grant (read it back with
   * toOAuthError); a spent code also revokes the session it created (RFC 6749 §4.1.2). A
   * deactivated account or the dehydrated device's ID: invalid_grant too, and the code stays unspent.
   */
  redeemAuthorizationCode(req: CodeRedemption): Promise<RedeemedCode>;
  /** Signs a browser in on the account pages; a wrong password: 403 M_FORBIDDEN. Returns the cookie value. */
  createWebSession(password: string, userAgent?: string): Promise<{ token: string }>;
  /** The user a web session signs in; unknown or expired: 401 M_UNKNOWN_TOKEN. */
  webSession(token: string): Promise<WebSessionUser>;
  /** Signs a browser out (nothing happens for an unknown token). */
  endWebSession(token: string): Promise<void>;
  /** The user approved `action` on the account page, for OAUTH_ACTION_APPROVAL_MS (platform/tokens.ts). */
  approveOAuthAction(action: string): Promise<void>;
  /** Whether `action` is approved now; the approval is used up by asking. */
  oauthActionApproved(action: string): Promise<boolean>;
  /** The devices with how they signed in, for the account page. */
  sessions(): Promise<SessionInfo[]>;
  /** Revokes one access token and its device. */
  logout(token: string): Promise<void>;
  /** Revokes every access token and device. */
  logoutAll(): Promise<void>;
  /**
   * Sets a new password. With `logoutDevices`, every device but `keepDeviceId` is logged out and
   * every browser sign-in (web session) but the one whose cookie value is `keepWebSessionToken`
   * ends (none kept when it is absent).
   */
  changePassword(newPassword: string, logoutDevices: boolean, keepDeviceId: string, keepWebSessionToken?: string): Promise<void>;
  /** Deactivation: no more logins, all devices gone. Returns the joined rooms, which the caller leaves. */
  deactivate(): Promise<string[]>;

  // Devices.

  /** Spec: GET /devices. */
  listDevices(): Promise<DeviceInfo[]>;
  /** Spec: GET /devices/{deviceId}; M_NOT_FOUND when there is no such device. */
  getDevice(deviceId: string): Promise<DeviceInfo>;
  /** Spec: PUT /devices/{deviceId} — renames the device. */
  /** Renames a device (404 when unknown); `create` (application services, MSC4190) makes a missing one: true then. */
  updateDevice(deviceId: string, displayName: string | undefined, create?: boolean): Promise<boolean>;
  /** Deletes devices with their tokens and keys; room-mates learn the device list changed. */
  deleteDevices(deviceIds: string[]): Promise<void>;

  // Profile, account data and filters.

  /** The user's profile, or null when there is no such user. */
  getProfile(): Promise<{ displayname?: string; avatar_url?: string } | null>;
  /** Sets the display name or avatar; returns the joined rooms, where the caller updates the member event. */
  setProfileField(field: "displayname" | "avatar_url", value: string | null): Promise<string[]>;
  /** Global (roomId "") or per-room account data; M_NOT_FOUND when unset. */
  getAccountData(roomId: string, type: string): Promise<JsonObject>;
  /** Sets account data (global when roomId is ""); it goes down the sync stream. */
  setAccountData(roomId: string, type: string, content: JsonObject): Promise<void>;
  /** Stores a sync filter; returns its ID. */
  createFilter(filter: JsonObject): Promise<string>;
  /** A stored sync filter; M_NOT_FOUND when unknown. */
  getFilter(filterId: string): Promise<JsonObject>;

  // Rooms and the sync stream.

  /** The rooms the user is joined to; with `includeLeft`, also those they left (or were banned from) and have not forgotten. */
  joinedRooms(includeLeft?: boolean): Promise<string[]>;
  /** For a room the user is invited to or knocking on: the servers that sent its stripped state (the inviter's first). */
  inviteServers(roomId: string): Promise<string[]>;
  /** Spec: POST /rooms/{roomId}/forget; refused while the user is still in the room. */
  forget(roomId: string): Promise<void>;
  /** Called by a RoomDO: events of a room this user may see, in the room's order. */
  deliverRoomEvents(roomId: string, items: DeliveryItem[]): Promise<void>;
  /** Typing and other per-room ephemeral state that replaces its previous value. */
  setRoomEphemeral(roomId: string, type: string, content: JsonObject): Promise<void>;
  /** A receipt in a room; `own` marks the user's own receipt, which resets unread counts. */
  addReceipt(roomId: string, content: JsonObject, own?: { eventId: string; ordering: number }): Promise<void>;

  // Presence.

  /** Sets the user's presence (explicitly, or by a sync's set_presence) and tells those who share a room. */
  setPresence(presence: string, statusMsg: string | undefined, explicit: boolean): Promise<void>;
  /** Presence of a remote user (m.presence EDU): kept only if they share a room with this user. */
  receiveRemotePresence(event: JsonObject): Promise<boolean>;
  /** Another user's presence changed (they share a room with this user). */
  receivePresence(event: JsonObject): Promise<void>;
  /** Spec: GET /presence/{userId}/status. */
  getPresence(): Promise<JsonObject>;

  // Push rules.

  /** The user's push rules merged with the server defaults. */
  getPushRules(): Promise<PushRuleSet>;
  /** Replaces the user's own push rules; the merged set goes down the sync stream. */
  setPushRules(stored: StoredPushRules): Promise<void>;

  // Pushers and notifications (user/push/).

  /** POST /pushers/set: creates or replaces the pusher (app_id, pushkey), tied to `deviceId`. */
  setPusher(deviceId: string, pusher: Pusher): Promise<void>;
  /** Removes the pusher (app_id, pushkey), if the user has it. */
  deletePusher(appId: string, pushkey: string): Promise<void>;
  /** Spec: GET /pushers. */
  listPushers(): Promise<Pusher[]>;
  /** Spec: GET /notifications; `from` is a next_token's stream position. */
  listNotifications(deviceId: string, from: number | undefined, limit: number, onlyHighlight: boolean): Promise<{ notifications: JsonObject[]; next_token?: string }>;

  // End-to-end encryption: keys and device lists.

  /** keys/upload, already validated by the Worker. Returns the device's one-time key counts. */
  uploadKeys(deviceId: string, up: KeyUpload): Promise<Record<string, number>>;
  /** A device's uploaded device keys, or null. */
  getDeviceKeys(deviceId: string): Promise<JsonObject | null>;
  /** keys/query for this user; null when there is no such user. */
  queryKeys(requester: string, deviceIds: string[]): Promise<QueriedKeys | null>;
  /** keys/claim: device ID → algorithm. Atomic: the object runs this without interleaving. */
  claimKeys(wanted: Record<string, string>): Promise<Record<string, Record<string, JsonValue>>>;
  /** The user's cross-signing keys, by usage. */
  getCrossSigningKeys(): Promise<Partial<Record<CrossSigningUsage, JsonObject>>>;
  /** Stores cross-signing keys (validated by the Worker) and announces the change. */
  uploadCrossSigningKeys(keys: Partial<Record<CrossSigningUsage, JsonObject>>): Promise<void>;
  /** Signatures on this user's keys (validated by the Worker). */
  addKeySignatures(sigs: StoredSignature[], announce: boolean): Promise<void>;
  /** Another user (or this one) changed devices or keys: the next sync lists them in device_lists. */
  notifyDeviceListChanged(userId: string, left?: boolean): Promise<void>;
  /** A remote user's devices or keys changed (federation EDU): noted only if they share a room with this user. */
  remoteDeviceListChanged(userId: string): Promise<boolean>;
  /** keys/changes between two sync tokens' stream positions. */
  keyChanges(from: string, to: string): Promise<{ changed: string[]; left: string[] }>;

  // To-device messages.

  /** Delivers one sender's messages to this user's devices ('*' = all). Unknown devices are dropped. */
  receiveToDevice(sender: string, type: string, messages: Record<string, JsonObject>): Promise<number>;
  /** Whether a sendToDevice transaction of the device was already handled. */
  toDeviceTxnSeen(deviceId: string, txnId: string): Promise<boolean>;
  /** Remembers a handled sendToDevice transaction, so a retry is not delivered twice. */
  recordToDeviceTxn(deviceId: string, txnId: string): Promise<void>;

  // Dehydrated device (MSC3814).

  /** PUT dehydrated_device, validated by the Worker: creates or replaces the user's dehydrated device. */
  putDehydratedDevice(up: DehydratedDeviceUpload): Promise<{ device_id: string }>;
  /** GET dehydrated_device: the current one, or null. */
  getDehydratedDevice(): Promise<DehydratedDevice | null>;
  /** DELETE dehydrated_device: the removed device's ID, or null when there was none. */
  deleteDehydratedDevice(): Promise<string | null>;
  /** POST dehydrated_device/{deviceId}/events: one batch of its to-device messages after `after`. */
  dehydratedDeviceEvents(deviceId: string, after: number): Promise<{ events: JsonObject[]; next_batch: string }>;

  // Server-side key backup.

  /** Creates a backup version; returns its number. */
  createKeyBackupVersion(algorithm: string, authData: JsonObject): Promise<string>;
  /** A backup version (the latest when none is given). */
  getKeyBackupVersion(version?: string): Promise<JsonObject>;
  /** Updates a backup version's auth data. */
  updateKeyBackupVersion(version: string, algorithm: string, authData: JsonObject, bodyVersion?: string): Promise<void>;
  /** Deletes a backup version and its keys. */
  deleteKeyBackupVersion(version: string): Promise<void>;
  /** Stores session keys in a backup version, keeping the better copy of each session. */
  putRoomKeys(version: string, upload: RoomKeysUpload): Promise<{ etag: string; count: number }>;
  /** The keys of a backup version: all, one room's, or one session's. */
  getRoomKeys(version: string, roomId?: string, sessionId?: string): Promise<JsonObject>;
  /** Deletes keys of a backup version: all, one room's, or one session's. */
  deleteRoomKeys(version: string, roomId?: string, sessionId?: string): Promise<{ etag: string; count: number }>;

  // Sync.

  /** GET /sync in one call: checks the access token, resolves the filter, records set_presence and builds the response. */
  syncRequest(token: string, params: SyncParams, ip?: string): Promise<{ userId: string; body: JsonObject; empty: boolean }>;
  /** Simplified sliding sync (MSC4186) in one call: checks the access token, records set_presence and builds the response. */
  slidingSyncRequest(token: string, req: SlidingSyncRequest, ip?: string): Promise<{ body: JsonObject; empty: boolean }>;

  // Server administration (worker/admin/).

  /** The account as a server admin sees it; null when there is no such user. */
  adminAccount(): Promise<AdminAccountView | null>;
  /** Sets the admin flag or reactivates the account; M_NOT_FOUND when there is no such user. */
  changeAccountAsAdmin(change: AdminAccountChange): Promise<void>;
}
