import type { DeviceInfo, SessionInfo } from "../../platform/rpc/user.js";
import type { LastSeen, SeenWriter } from "./lastSeen.js";

/**
 * The account, its devices and their access tokens (tables `account`, `devices`,
 * `access_tokens`). user/account.ts holds the rules (passwords, logins, token checks); this store
 * is the tables' only writer.
 */

/** What authenticating with an access token needs, read in one query. */
export type TokenDevice = LastSeen & {
  device_id: string;
  /** When the token expires (ms); null: never. */
  expires_ts: number | null;
  /** Whether the token has authenticated a request before. */
  used: boolean;
  /** The OAuth client the device signed in through; null for a password login. */
  oauth_client_id: string | null;
};

export type AccountRow = {
  user_id: string;
  password_hash: string | null;
  is_guest: number;
  deactivated: number;
  created_ts: number;
  displayname: string | null;
  avatar_url: string | null;
  /** 1: a server admin (user/adminAccount.ts). */
  admin: number;
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

  /** A guest becomes a full user with this password (spec: Guest Access, upgrading an account). */
  upgradeGuest(passwordHash: string | null): void {
    this.sql.exec("UPDATE account SET is_guest = 0, password_hash = ? WHERE is_guest = 1", passwordHash);
  }

  setPasswordHash(hash: string): void {
    this.sql.exec("UPDATE account SET password_hash = ?", hash);
  }

  /** No more logins: the account is marked deactivated and loses its password. */
  deactivate(): void {
    this.sql.exec("UPDATE account SET deactivated = 1, password_hash = NULL");
  }

  setAdmin(admin: boolean): void {
    this.sql.exec("UPDATE account SET admin = ?", admin ? 1 : 0);
  }

  /** A server admin lets a deactivated account log in again (it needs a new password too). */
  reactivate(): void {
    this.sql.exec("UPDATE account SET deactivated = 0");
  }

  /** When any device of the account was last seen (ms), or null. */
  lastSeenTs(): number | null {
    return this.sql.exec<{ ts: number | null }>("SELECT MAX(last_seen_ts) AS ts FROM devices").toArray()[0]?.ts ?? null;
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

  /** A device that never logs in (the dehydrated device, an application service's device): never seen. */
  addDeviceWithoutLogin(deviceId: string, displayName: string | undefined, now: number): void {
    this.sql.exec("INSERT INTO devices (device_id, display_name, created_ts, last_seen_ts) VALUES (?, ?, ?, NULL)", deviceId, displayName ?? null, now);
  }

  setDeviceDisplayName(deviceId: string, displayName: string): void {
    this.sql.exec("UPDATE devices SET display_name = ? WHERE device_id = ?", displayName, deviceId);
  }

  /** Records a new access token (by its hash) for a device; it expires at `expiresTs` (ms), or never (null). */
  addToken(tokenHash: string, deviceId: string, now: number, expiresTs: number | null = null): void {
    this.sql.exec("INSERT INTO access_tokens (token_hash, device_id, created_ts, expires_ts) VALUES (?, ?, ?, ?)", tokenHash, deviceId, now, expiresTs);
  }

  /** The device an access token (by its hash) belongs to, with when and where it was last seen, and the token's state. */
  tokenDevice(tokenHash: string): TokenDevice | undefined {
    const row = this.sql
      .exec<{ device_id: string; last_seen_ts: number | null; last_seen_ip: string | null; expires_ts: number | null; used: number; oauth_client_id: string | null }>(
        "SELECT t.device_id, d.last_seen_ts, d.last_seen_ip, t.expires_ts, t.used, d.oauth_client_id FROM access_tokens t LEFT JOIN devices d ON d.device_id = t.device_id WHERE t.token_hash = ?",
        tokenHash,
      )
      .toArray()[0];
    return row
      ? { device_id: row.device_id, last_seen_ts: row.last_seen_ts, last_seen_ip: row.last_seen_ip, expires_ts: row.expires_ts, used: row.used === 1, oauth_client_id: row.oauth_client_id }
      : undefined;
  }

  /** The token authenticated its first request (written once per token, never again). */
  markTokenUsed(tokenHash: string): void {
    this.sql.exec("UPDATE access_tokens SET used = 1 WHERE token_hash = ?", tokenHash);
  }

  deleteToken(tokenHash: string): void {
    this.sql.exec("DELETE FROM access_tokens WHERE token_hash = ?", tokenHash);
  }

  /** The OAuth client and scope a device signed in with (both null for a password login); undefined: no such device. */
  deviceOAuth(deviceId: string): { oauth_client_id: string | null; oauth_scope: string | null } | undefined {
    return this.sql
      .exec<{ oauth_client_id: string | null; oauth_scope: string | null }>("SELECT oauth_client_id, oauth_scope FROM devices WHERE device_id = ?", deviceId)
      .toArray()[0];
  }

  /** A login records how the device signed in: through an OAuth client with a scope, or not (nulls). */
  setDeviceOAuth(deviceId: string, clientId: string | null, scope: string | null): void {
    this.sql.exec("UPDATE devices SET oauth_client_id = ?, oauth_scope = ? WHERE device_id = ?", clientId, scope, deviceId);
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

  /** Every device with how it signed in, oldest first (the account page). */
  listSessions(): SessionInfo[] {
    return this.sql
      .exec<{ device_id: string; display_name: string | null; oauth_client_id: string | null; created_ts: number; last_seen_ts: number | null; last_seen_ip: string | null }>(
        "SELECT device_id, display_name, oauth_client_id, created_ts, last_seen_ts, last_seen_ip FROM devices ORDER BY created_ts",
      )
      .toArray();
  }

  /** The device was seen at `ts`; an unknown address (null) keeps the one recorded before. */
  recordSeen(deviceId: string, ts: number, ip: string | null): void {
    this.sql.exec("UPDATE devices SET last_seen_ts = ?, last_seen_ip = COALESCE(?, last_seen_ip) WHERE device_id = ?", ts, ip, deviceId);
  }
}
