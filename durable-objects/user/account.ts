import { forbidden, unknownToken, userInUse } from "../../platform/errors.js";
import { hashPassword, verifyPassword } from "./password.js";
import { hashToken, newAccessToken, newDeviceId } from "../../platform/tokens.js";
import { noteSeen } from "./lastSeen.js";
import type { DeviceInfo, LoginResult, Session } from "../../platform/rpc/user.js";
import type { ToDeviceStore } from "./toDeviceStore.js";

/** Account, devices and access tokens of one user, inside that user's Durable Object. */

export type AccountRow = {
  user_id: string;
  password_hash: string | null;
  is_guest: number;
  deactivated: number;
  created_ts: number;
  displayname: string | null;
  avatar_url: string | null;
};

export function getAccount(sql: SqlStorage): AccountRow | undefined {
  return sql.exec<AccountRow>("SELECT * FROM account").toArray()[0];
}

export function requireAccount(sql: SqlStorage): AccountRow {
  const acc = getAccount(sql);
  if (!acc) throw forbidden("No such user");
  return acc;
}

export async function createAccount(
  sql: SqlStorage,
  userId: string,
  password: string | undefined,
  isGuest: boolean,
  displayname: string,
): Promise<void> {
  if (getAccount(sql)) throw userInUse("User ID already taken.");
  const hash = password === undefined ? null : await hashPassword(password);
  // Re-check after the await: another registration may have won the race meanwhile.
  if (getAccount(sql)) throw userInUse("User ID already taken.");
  sql.exec(
    "INSERT INTO account (user_id, password_hash, is_guest, created_ts, displayname) VALUES (?, ?, ?, ?, ?)",
    userId,
    hash,
    isGuest ? 1 : 0,
    Date.now(),
    displayname,
  );
}

export async function checkPassword(sql: SqlStorage, password: string): Promise<boolean> {
  const acc = getAccount(sql);
  if (!acc || acc.deactivated || !acc.password_hash) return false;
  return verifyPassword(password, acc.password_hash);
}

export async function setPassword(sql: SqlStorage, password: string): Promise<void> {
  sql.exec("UPDATE account SET password_hash = ?", await hashPassword(password));
}

/** Creates (or reuses) a device and issues a fresh access token for it. */
export async function issueToken(
  sql: SqlStorage,
  userId: string,
  deviceId: string | undefined,
  displayName: string | undefined,
): Promise<LoginResult> {
  const localpart = userId.slice(1, userId.indexOf(":"));
  const id = deviceId ?? newDeviceId();
  const existing = sql.exec("SELECT device_id FROM devices WHERE device_id = ?", id).toArray();
  if (existing.length === 0) {
    sql.exec(
      "INSERT INTO devices (device_id, display_name, created_ts, last_seen_ts) VALUES (?, ?, ?, ?)",
      id,
      displayName ?? null,
      Date.now(),
      Date.now(),
    );
  } else {
    // Logging in again with a known device ID replaces that device's old tokens (spec: login).
    sql.exec("DELETE FROM access_tokens WHERE device_id = ?", id);
    if (displayName !== undefined) sql.exec("UPDATE devices SET display_name = ? WHERE device_id = ?", displayName, id);
  }
  const token = newAccessToken(localpart);
  sql.exec(
    "INSERT INTO access_tokens (token_hash, device_id, created_ts) VALUES (?, ?, ?)",
    await hashToken(token),
    id,
    Date.now(),
  );
  return { user_id: userId, device_id: id, access_token: token };
}

/**
 * Checks an access token. `ip` is the client's address, when the caller knows it: the device is
 * noted as seen (see lastSeen.ts).
 */
export async function authenticate(sql: SqlStorage, token: string, ip?: string): Promise<Session> {
  const acc = getAccount(sql);
  if (!acc || acc.deactivated) throw unknownToken();
  const h = await hashToken(token);
  const row = sql
    .exec<{ device_id: string; last_seen_ts: number | null; last_seen_ip: string | null }>(
      "SELECT t.device_id, d.last_seen_ts, d.last_seen_ip FROM access_tokens t LEFT JOIN devices d ON d.device_id = t.device_id WHERE t.token_hash = ?",
      h,
    )
    .toArray()[0];
  if (!row) throw unknownToken();
  noteSeen(sql, row.device_id, row, ip);
  return { userId: acc.user_id, deviceId: row.device_id, isGuest: acc.is_guest === 1 };
}

export async function revokeToken(sql: SqlStorage, toDevice: ToDeviceStore, token: string): Promise<string | undefined> {
  const h = await hashToken(token);
  const row = sql.exec<{ device_id: string }>("SELECT device_id FROM access_tokens WHERE token_hash = ?", h).toArray()[0];
  if (!row) return undefined;
  deleteDevice(sql, toDevice, row.device_id);
  return row.device_id;
}

export function deleteDevice(sql: SqlStorage, toDevice: ToDeviceStore, deviceId: string): void {
  sql.exec("DELETE FROM access_tokens WHERE device_id = ?", deviceId);
  sql.exec("DELETE FROM devices WHERE device_id = ?", deviceId);
  toDevice.deleteInbox(deviceId);
}

export function deleteAllDevices(sql: SqlStorage, toDevice: ToDeviceStore, exceptDeviceId?: string): void {
  const devices = sql.exec<{ device_id: string }>("SELECT device_id FROM devices").toArray();
  for (const d of devices) if (d.device_id !== exceptDeviceId) deleteDevice(sql, toDevice, d.device_id);
}

export function listDevices(sql: SqlStorage): DeviceInfo[] {
  return sql
    .exec<{ device_id: string; display_name: string | null; last_seen_ts: number | null; last_seen_ip: string | null }>(
      "SELECT device_id, display_name, last_seen_ts, last_seen_ip FROM devices ORDER BY created_ts",
    )
    .toArray()
    .map((r) => ({ device_id: r.device_id, display_name: r.display_name, last_seen_ip: r.last_seen_ip, last_seen_ts: r.last_seen_ts }));
}
