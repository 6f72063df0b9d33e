import type { Env } from "../../platform/env.js";
import { readConfig } from "../../platform/env.js";
import { invalidParam } from "../../platform/errors.js";
import { userStub } from "../../platform/stubs.js";
import type { StoredSignature } from "../../platform/rpc/user.js";
import { serverNameOf } from "../../protocol/identifiers.js";
import { deviceListChanges, type DeviceListRow } from "./deviceLists.js";
import * as fedOut from "./federationOut.js";
import { parseSyncToken } from "./syncToken.js";
import type { LiveSync } from "./liveSync.js";
import type { StreamStore } from "./streamStore.js";
import type { RoomViewStore } from "./roomViewStore.js";
import type { EncryptionKeyStore } from "./encryptionKeyStore.js";
import type { AccountStore } from "./accountStore.js";

/**
 * Device list updates (spec: end_to_end_encryption.md "Tracking the device list for a user"), the
 * announcing side of user/deviceLists.ts: this user's device or key changes go to its own stream,
 * to the UserDOs of local users sharing a room and, as EDUs, to remote servers sharing one; others'
 * changes and shared-room changes become 'device_list' rows of this user's stream.
 */
export class DeviceListUpdates {
  private readonly env: Env;
  private readonly accounts: AccountStore;
  private readonly rooms: RoomViewStore;
  private readonly keys: EncryptionKeyStore;
  private readonly stream: StreamStore;
  private readonly live: LiveSync;

  constructor(env: Env, accounts: AccountStore, rooms: RoomViewStore, keys: EncryptionKeyStore, stream: StreamStore, live: LiveSync) {
    this.env = env;
    this.accounts = accounts;
    this.rooms = rooms;
    this.keys = keys;
    this.stream = stream;
    this.live = live;
  }

  /**
   * Tells every local user sharing a room with this one (and this user's own devices) that its
   * devices changed, and every remote server sharing a room: m.device_list_update for `devices`,
   * m.signing_key_update when the cross-signing keys changed.
   */
  async announceDeviceListChange(change: { devices?: string[]; signingKeys?: boolean } = {}): Promise<void> {
    const acc = this.accounts.account();
    if (!acc) return;
    const serverName = readConfig(this.env).serverName;
    const targets = [...this.rooms.usersInJoinedRooms()].filter((u) => u !== acc.user_id && serverNameOf(u) === serverName);
    const pos = this.live.appendStream("device_list", null, { user_id: acc.user_id } satisfies DeviceListRow);
    await Promise.all(targets.map((u) => userStub(this.env, u).notifyDeviceListChanged(acc.user_id)));
    const edus = fedOut.deviceListEdus(this.accounts, this.keys, acc.user_id, pos, change.devices ?? []);
    if (change.signingKeys) edus.push(fedOut.signingKeyEdu(this.keys, acc.user_id));
    await fedOut.queueEdusTo(this.env, fedOut.remoteServersSharing(this.rooms, serverName), edus);
  }

  /** Users we started or stopped sharing a room with, after a membership change. Returns those we started sharing one with. */
  recordSharedUserChanges(me: string, before: Set<string>): string[] {
    const after = this.rooms.usersInJoinedRooms();
    const started = [...after].filter((u) => u !== me && !before.has(u));
    for (const u of started) this.stream.append("device_list", null, null, { user_id: u } satisfies DeviceListRow, null, 0, 0);
    for (const u of before) if (u !== me && !after.has(u)) this.stream.append("device_list", null, null, { user_id: u, left: true } satisfies DeviceListRow, null, 0, 0);
    return started;
  }

  /** After signatures on this user's keys: the devices signed and, for any other target, the cross-signing keys changed. */
  async announceSignatures(sigs: StoredSignature[]): Promise<void> {
    const devices = new Set(this.accounts.listDevices().map((d) => d.device_id));
    const targets = [...new Set(sigs.map((s) => s.target))];
    await this.announceDeviceListChange({ devices: targets.filter((t) => devices.has(t)), signingKeys: targets.some((t) => !devices.has(t)) });
  }

  /** Another user (or this one) changed devices or keys: the next sync lists them in device_lists. */
  async notifyDeviceListChanged(userId: string, left = false): Promise<void> {
    const row: DeviceListRow = left ? { user_id: userId, left: true } : { user_id: userId };
    this.live.appendStream("device_list", null, row);
  }

  /** A remote user's devices or keys changed (federation EDU): noted only if they share a room with this user. */
  async remoteDeviceListChanged(userId: string): Promise<boolean> {
    if (!this.rooms.usersInJoinedRooms().has(userId)) return false;
    await this.notifyDeviceListChanged(userId);
    return true;
  }

  /** keys/changes between two sync tokens' stream positions. */
  async keyChanges(from: string, to: string): Promise<{ changed: string[]; left: string[] }> {
    const f = parseSyncToken(from);
    const t = parseSyncToken(to);
    if (!f || !t) throw invalidParam("Invalid from or to token");
    return deviceListChanges(this.stream, f.stream, t.stream);
  }
}
