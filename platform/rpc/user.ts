/**
 * The RPC contract of UserDO (one per local user): what the Worker, RoomDOs and other UserDOs
 * may call on it through userStub (platform/stubs.ts). The class implements this interface, so
 * tsc keeps the two in step; callers never import the class itself.
 */
import type { JsonObject, JsonValue } from "../../protocol/json.js";
import type { CrossSigningUsage } from "../../protocol/e2eeKeys.js";
import type { PushRuleSet, StoredPushRules } from "../../protocol/pushRules/index.js";
import type { SyncParams } from "../syncRequest.js";
import type { SlidingSyncRequest } from "../../protocol/slidingSync/request.js";
import type { DeliveryItem } from "./delivery.js";

export interface Session {
  userId: string;
  deviceId: string;
  isGuest: boolean;
  /** Users this user ignores (only when there are any), for filtering room reads. */
  ignoredUsers?: string[];
}

export interface LoginResult {
  user_id: string;
  device_id: string;
  access_token: string;
}

/** A device as GET /devices shows it: every key present, null when unknown (as Synapse does). */
export interface DeviceInfo {
  device_id: string;
  display_name: string | null;
  last_seen_ts: number | null;
  last_seen_ip: string | null;
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

export interface UserRpc {
  // Account.

  /** Whether this user is registered. */
  exists(): Promise<boolean>;
  /** Creates the account and, unless `inhibitLogin`, logs a device in. */
  register(
    userId: string,
    opts: { password?: string; isGuest: boolean; deviceId?: string; deviceDisplayName?: string; inhibitLogin: boolean },
  ): Promise<{ user_id: string } & Partial<LoginResult>>;
  /** Password login: a new access token for a (new or given) device. */
  login(password: string, deviceId?: string, deviceDisplayName?: string): Promise<LoginResult>;
  /** Whether the password is the user's (user-interactive auth). */
  checkPassword(password: string): Promise<boolean>;
  /** Checks an access token; the session carries the user's ignore list, which room reads need. `ip` is noted as last seen. */
  authenticate(token: string, ip?: string): Promise<Session>;
  /** Revokes one access token and its device. */
  logout(token: string): Promise<void>;
  /** Revokes every access token and device. */
  logoutAll(): Promise<void>;
  /** Sets a new password, optionally logging out every device but `keepDeviceId`. */
  changePassword(newPassword: string, logoutDevices: boolean, keepDeviceId: string): Promise<void>;
  /** Deactivation: no more logins, all devices gone. Returns the joined rooms, which the caller leaves. */
  deactivate(): Promise<string[]>;

  // Devices.

  /** Spec: GET /devices. */
  listDevices(): Promise<DeviceInfo[]>;
  /** Spec: GET /devices/{deviceId}; M_NOT_FOUND when there is no such device. */
  getDevice(deviceId: string): Promise<DeviceInfo>;
  /** Spec: PUT /devices/{deviceId} — renames the device. */
  updateDevice(deviceId: string, displayName: string): Promise<void>;
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

  /** The rooms the user is joined to. */
  joinedRooms(): Promise<string[]>;
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
}
