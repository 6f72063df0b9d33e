import { forbidden, unknownToken, userInUse } from "../../platform/errors.js";
import { hashPassword, verifyPassword } from "./password.js";
import { hashToken, newAccessToken, newDeviceId } from "../../platform/tokens.js";
import { noteSeen } from "./lastSeen.js";
import type { LoginResult, Session } from "../../platform/rpc/user.js";
import type { ToDeviceStore } from "./toDeviceStore.js";
import type { AccountRow, AccountStore } from "./accountStore.js";

/** Account, devices and access tokens of one user, inside that user's Durable Object. */

export function requireAccount(accounts: AccountStore): AccountRow {
  const acc = accounts.account();
  if (!acc) throw forbidden("No such user");
  return acc;
}

export async function createAccount(
  accounts: AccountStore,
  userId: string,
  password: string | undefined,
  isGuest: boolean,
  displayname: string,
): Promise<void> {
  if (accounts.account()) throw userInUse("User ID already taken.");
  const hash = password === undefined ? null : await hashPassword(password);
  // Re-check after the await: another registration may have won the race meanwhile.
  if (accounts.account()) throw userInUse("User ID already taken.");
  accounts.createAccount(userId, hash, isGuest, displayname, Date.now());
}

export async function checkPassword(accounts: AccountStore, password: string): Promise<boolean> {
  const acc = accounts.account();
  if (!acc || acc.deactivated || !acc.password_hash) return false;
  return verifyPassword(password, acc.password_hash);
}

export async function setPassword(accounts: AccountStore, password: string): Promise<void> {
  accounts.setPasswordHash(await hashPassword(password));
}

/** Creates (or reuses) a device and issues a fresh access token for it. */
export async function issueToken(
  accounts: AccountStore,
  userId: string,
  deviceId: string | undefined,
  displayName: string | undefined,
): Promise<LoginResult> {
  const localpart = userId.slice(1, userId.indexOf(":"));
  const id = deviceId ?? newDeviceId();
  // Logging in again with a known device ID replaces that device's old tokens (spec: login).
  const now = Date.now();
  accounts.prepareLoginDevice(id, displayName, now);
  const token = newAccessToken(localpart);
  accounts.addToken(await hashToken(token), id, now);
  return { user_id: userId, device_id: id, access_token: token };
}

/**
 * Checks an access token. `ip` is the client's address, when the caller knows it: the device is
 * noted as seen (see lastSeen.ts).
 */
export async function authenticate(accounts: AccountStore, token: string, ip?: string): Promise<Session> {
  const acc = accounts.account();
  if (!acc || acc.deactivated) throw unknownToken();
  const h = await hashToken(token);
  const row = accounts.tokenDevice(h);
  if (!row) throw unknownToken();
  noteSeen(accounts, row.device_id, row, ip);
  return { userId: acc.user_id, deviceId: row.device_id, isGuest: acc.is_guest === 1 };
}

export async function revokeToken(accounts: AccountStore, toDevice: ToDeviceStore, token: string): Promise<string | undefined> {
  const h = await hashToken(token);
  const deviceId = accounts.tokenDevice(h)?.device_id;
  if (deviceId === undefined) return undefined;
  deleteDevice(accounts, toDevice, deviceId);
  return deviceId;
}

/** Deletes a device with its access tokens and its to-device inbox. */
export function deleteDevice(accounts: AccountStore, toDevice: ToDeviceStore, deviceId: string): void {
  accounts.deleteDevice(deviceId);
  toDevice.deleteInbox(deviceId);
}

export function deleteAllDevices(accounts: AccountStore, toDevice: ToDeviceStore, exceptDeviceId?: string): void {
  const devices = accounts.deviceIds();
  for (const d of devices) if (d !== exceptDeviceId) deleteDevice(accounts, toDevice, d);
}
