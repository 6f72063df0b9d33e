import type { DeviceInfo } from "../../platform/rpc/user.js";
import type { LastSeen, SeenWriter } from "./lastSeen.js";

/**
 * The account, its devices and their access tokens (tables `account`, `devices`,
 * `access_tokens`). user/account.ts holds the rules (passwords, logins, token checks); this store
 * is the tables' only writer.
 */

export type AccountRow = {
  user_id: string;
  password_hash: string | null;
  is_guest: number;
  deactivated: number;
  created_ts: number;
  displayname: string | null;
  avatar_url: string | null;
};

export class AccountStore implements SeenWriter {
  constructor(private readonly sql: SqlStorage) {}

  account(): AccountRow | undefined {
    return this.sql.exec<AccountRow>("SELECT * FROM account").toArray()[0];
  }

  createAccount(userId: string, passwordHash: string | null, isGuest: boolean, displayname: string, now: number): void {
    this.sql.exec(
      "INSERT INTO account (user_id, password_hash, is_guest, created_ts, displayname) VALUES (?, ?, ?, ?, ?)",
      userId,
      passwordHash,
      isGuest ? 1 : 0,
      now,
      displayname,
    );
  }

  setPasswordHash(hash: string): void {
    this.sql.exec("UPDATE account SET password_hash = ?", hash);
  }

  /** No more logins: the account is marked deactivated and loses its password. */
  deactivate(): void {
    this.sql.exec("UPDATE account SET deactivated = 1, password_hash = NULL");
  }

  setProfileField(field: "displayname" | "avatar_url", value: string | null): void {
    this.sql.exec(`UPDATE account SET ${field === "displayname" ? "displayname" : "avatar_url"} = ?`, value);
  }

  hasDevice(deviceId: string): boolean {
    return this.sql.exec("SELECT 1 FROM devices WHERE device_id = ?", deviceId).toArray().length > 0;
  }

  /**
   * The device a login is for: created (seen now) when new; when known, its old tokens go
   * (spec: login) and it takes the new display name, if one is given.
   */
  prepareLoginDevice(deviceId: string, displayName: string | undefined, now: number): void {
    if (!this.hasDevice(deviceId)) {
      this.sql.exec(
        "INSERT INTO devices (device_id, display_name, created_ts, last_seen_ts) VALUES (?, ?, ?, ?)",
        deviceId,
        displayName ?? null,
        now,
        now,
      );
    } else {
      this.sql.exec("DELETE FROM access_tokens WHERE device_id = ?", deviceId);
      if (displayName !== undefined) this.setDeviceDisplayName(deviceId, displayName);
    }
  }

  /** A device that never logs in (the dehydrated device): never seen. */
  addDeviceWithoutLogin(deviceId: string, displayName: string | undefined, now: number): void {
    this.sql.exec("INSERT INTO devices (device_id, display_name, created_ts, last_seen_ts) VALUES (?, ?, ?, NULL)", deviceId, displayName ?? null, now);
  }

  setDeviceDisplayName(deviceId: string, displayName: string): void {
    this.sql.exec("UPDATE devices SET display_name = ? WHERE device_id = ?", displayName, deviceId);
  }

  /** Records a new access token (by its hash) for a device. */
  addToken(tokenHash: string, deviceId: string, now: number): void {
    this.sql.exec("INSERT INTO access_tokens (token_hash, device_id, created_ts) VALUES (?, ?, ?)", tokenHash, deviceId, now);
  }

  /** The device an access token (by its hash) belongs to, with when and where it was last seen. */
  tokenDevice(tokenHash: string): (LastSeen & { device_id: string }) | undefined {
    const row = this.sql
      .exec<{ device_id: string; last_seen_ts: number | null; last_seen_ip: string | null }>(
        "SELECT t.device_id, d.last_seen_ts, d.last_seen_ip FROM access_tokens t LEFT JOIN devices d ON d.device_id = t.device_id WHERE t.token_hash = ?",
        tokenHash,
      )
      .toArray()[0];
    return row ? { device_id: row.device_id, last_seen_ts: row.last_seen_ts, last_seen_ip: row.last_seen_ip } : undefined;
  }

  hasTokens(deviceId: string): boolean {
    return this.sql.exec("SELECT 1 FROM access_tokens WHERE device_id = ?", deviceId).toArray().length > 0;
  }

  /** Deletes a device and its access tokens. */
  deleteDevice(deviceId: string): void {
    this.sql.exec("DELETE FROM access_tokens WHERE device_id = ?", deviceId);
    this.sql.exec("DELETE FROM devices WHERE device_id = ?", deviceId);
  }

  deviceIds(): string[] {
    return this.sql
      .exec<{ device_id: string }>("SELECT device_id FROM devices")
      .toArray()
      .map((d) => d.device_id);
  }

  /** Every device, oldest first. */
  listDevices(): DeviceInfo[] {
    return this.sql
      .exec<{ device_id: string; display_name: string | null; last_seen_ts: number | null; last_seen_ip: string | null }>(
        "SELECT device_id, display_name, last_seen_ts, last_seen_ip FROM devices ORDER BY created_ts",
      )
      .toArray()
      .map((r) => ({ device_id: r.device_id, display_name: r.display_name, last_seen_ip: r.last_seen_ip, last_seen_ts: r.last_seen_ts }));
  }

  /** The device was seen at `ts`; an unknown address (null) keeps the one recorded before. */
  recordSeen(deviceId: string, ts: number, ip: string | null): void {
    this.sql.exec("UPDATE devices SET last_seen_ts = ?, last_seen_ip = COALESCE(?, last_seen_ip) WHERE device_id = ?", ts, ip, deviceId);
  }
}
