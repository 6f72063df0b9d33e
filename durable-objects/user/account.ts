import { forbidden, notFound, unknownToken, userInUse } from "../../platform/errors.js";
import { hashPassword, verifyPassword } from "./password.js";
import { REFRESH_TOKEN_PREFIX, hashToken, newAccessToken, newDeviceId } from "../../platform/tokens.js";
import { noteSeen } from "./lastSeen.js";
import type { LoginResult, RegisterOptions, Session } from "../../platform/rpc/user.js";
import type { ToDeviceStore } from "./toDeviceStore.js";
import type { AccountRow, AccountStore } from "./accountStore.js";
import type { RefreshTokenStore } from "./refreshTokenStore.js";
import type { OAuthCodeStore } from "./oauthCodeStore.js";
import { newTokenPair, storeTokenPair, type TokenPair } from "./refreshTokens.js";

/** Account, devices and access tokens of one user, inside that user's Durable Object. */

/** The stores a device's session lives in: deleting a device clears it from each. */
export interface SessionStores {
  accounts: AccountStore;
  toDevice: ToDeviceStore;
  refreshTokens: RefreshTokenStore;
  oauthCodes: OAuthCodeStore;
}

export function requireAccount(accounts: AccountStore): AccountRow {
  const acc = accounts.account();
  if (!acc) throw forbidden("No such user");
  return acc;
}

export function localpartOf(userId: string): string {
  return userId.slice(1, userId.indexOf(":"));
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

/**
 * PUT /devices/{deviceId}: renames a device. With `create` (an application service acting as its
 * user, MSC4190 / spec v1.17 "Device management") an unknown device is created, without an
 * access token: the service acts as it through ?device_id=. Returns whether it was created.
 */
export function putDevice(accounts: AccountStore, deviceId: string, displayName: string | undefined, create: boolean): boolean {
  const exists = accounts.hasDevice(deviceId);
  if (!exists && !create) throw notFound("Device not found");
  if (!exists) {
    requireAccount(accounts);
    accounts.addDeviceWithoutLogin(deviceId, displayName, Date.now());
  } else if (displayName !== undefined) accounts.setDeviceDisplayName(deviceId, displayName);
  return !exists;
}

/** The account a registration logs in to: created, upgraded from a guest, or already made by the same UIA session. */
export async function registerAccount(accounts: AccountStore, userId: string, opts: RegisterOptions): Promise<void> {
  if (opts.account === "registered") {
    const acc = accounts.account();
    if (!acc || acc.deactivated) throw forbidden("The account this session registered is gone");
    return;
  }
  if (opts.account !== "guestUpgrade") return createAccount(accounts, userId, opts.password, opts.isGuest, localpartOf(userId));
  const notGuest = () => forbidden("Cannot register taken user ID without valid guest credentials for that user.");
  if (accounts.account()?.is_guest !== 1) throw notGuest();
  const hash = opts.password === undefined ? null : await hashPassword(opts.password);
  // Re-check after the await: the guest may have been upgraded meanwhile.
  const acc = accounts.account();
  if (!acc || acc.is_guest !== 1 || acc.deactivated) throw notGuest();
  accounts.upgradeGuest(hash);
}

export async function checkPassword(accounts: AccountStore, password: string): Promise<boolean> {
  const acc = accounts.account();
  if (!acc || acc.deactivated || !acc.password_hash) return false;
  return verifyPassword(password, acc.password_hash);
}

/**
 * The device a login is for, created when new; a known device loses its old access and refresh
 * tokens (spec: login) and records how it signs in now (`oauth`: client and scope; null: password).
 */
export function startDeviceLogin(
  stores: SessionStores,
  deviceId: string,
  displayName: string | undefined,
  oauth: { clientId: string; scope: string } | null,
  now: number,
): void {
  stores.accounts.prepareLoginDevice(deviceId, displayName, now);
  stores.refreshTokens.deleteForDevice(deviceId);
  stores.accounts.setDeviceOAuth(deviceId, oauth?.clientId ?? null, oauth?.scope ?? null);
}

/**
 * Creates (or reuses) a device and issues a fresh access token for it. With `lifetimeMs` (the
 * client supports refresh tokens) the access token expires and a refresh token comes with it;
 * without, it never expires.
 */
export async function issueToken(
  stores: SessionStores,
  userId: string,
  deviceId: string | undefined,
  displayName: string | undefined,
  lifetimeMs?: number,
): Promise<LoginResult> {
  const localpart = localpartOf(userId);
  const id = deviceId ?? newDeviceId();
  // Tokens are made (and hashed) before any write, so the writes run without an await between them.
  const made: { pair: TokenPair; lifetimeMs: number } | { token: string; hash: string } =
    lifetimeMs !== undefined ? { pair: await newTokenPair(localpart), lifetimeMs } : await neverExpiringToken(localpart);
  const now = Date.now();
  startDeviceLogin(stores, id, displayName, null, now);
  if ("pair" in made) return { user_id: userId, device_id: id, ...storeTokenPair(stores, id, made.pair, made.lifetimeMs, now) };
  stores.accounts.addToken(made.hash, id, now);
  return { user_id: userId, device_id: id, access_token: made.token };
}

async function neverExpiringToken(localpart: string): Promise<{ token: string; hash: string }> {
  const token = newAccessToken(localpart);
  return { token, hash: await hashToken(token) };
}

/**
 * Checks an access token. `ip` is the client's address, when the caller knows it: the device is
 * noted as seen (see lastSeen.ts). An expired token is a soft logout: the client may refresh it.
 * An expiring token's first use is written once (it ends the grace its refresh token's predecessor
 * has for a retry, see refreshTokens.ts); later requests write nothing for it. A never-expiring
 * (legacy) token has no refresh token, so nothing reads its `used`: it is never written.
 */
export async function authenticate(accounts: AccountStore, token: string, ip?: string, now = Date.now()): Promise<Session> {
  const acc = accounts.account();
  if (!acc || acc.deactivated) throw unknownToken();
  const h = await hashToken(token);
  const row = accounts.tokenDevice(h);
  if (!row) throw unknownToken();
  if (row.expires_ts !== null && now >= row.expires_ts) throw unknownToken("Access token has expired", true);
  if (row.expires_ts !== null && !row.used) accounts.markTokenUsed(h);
  noteSeen(accounts, row.device_id, row, ip, now);
  return { userId: acc.user_id, deviceId: row.device_id, isGuest: acc.is_guest === 1, oauth: row.oauth_client_id !== null };
}

/**
 * Logout and revocation (RFC 7009; spec: "Token revocation"): an access (`lat_`) or a refresh
 * (`latr_`) token ends its whole session, the device. Returns the device deleted, if the token was
 * known. The lookup and the deletes run after the one await, with none between them.
 */
export async function revokeToken(stores: SessionStores, token: string): Promise<string | undefined> {
  const h = await hashToken(token);
  const deviceId = token.startsWith(REFRESH_TOKEN_PREFIX) ? stores.refreshTokens.get(h)?.device_id : stores.accounts.tokenDevice(h)?.device_id;
  if (deviceId === undefined) return undefined;
  deleteDevice(stores, deviceId);
  return deviceId;
}

/** Deletes a device with its access and refresh tokens, the authorization codes for it and its to-device inbox. */
export function deleteDevice(stores: SessionStores, deviceId: string): void {
  stores.accounts.deleteDevice(deviceId);
  stores.refreshTokens.deleteForDevice(deviceId);
  stores.oauthCodes.deleteForDevice(deviceId);
  stores.toDevice.deleteInbox(deviceId);
}

/**
 * Deactivation's writes to the session stores (the caller runs them in one transaction): no more
 * logins, every device goes, and every authorization code, also one not yet redeemed, whose
 * device does not exist yet and so is not among the devices' codes.
 */
export function deactivate(stores: SessionStores): void {
  stores.accounts.deactivate();
  deleteAllDevices(stores);
  stores.oauthCodes.deleteAll();
}

export function deleteAllDevices(stores: SessionStores, exceptDeviceId?: string): void {
  const devices = stores.accounts.deviceIds();
  for (const d of devices) if (d !== exceptDeviceId) deleteDevice(stores, d);
}
