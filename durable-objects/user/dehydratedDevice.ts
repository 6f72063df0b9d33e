import { invalidParam } from "../../platform/errors.js";
import type { JsonObject } from "../../protocol/json.js";
import * as account from "./account.js";
import * as e2ee from "./e2ee.js";
import type { DehydratedDeviceUpload } from "../../platform/rpc/user.js";
import type { EncryptionKeyStore } from "./encryptionKeyStore.js";
import type { DehydratedDeviceStore } from "./dehydratedDeviceStore.js";
import type { ToDeviceStore } from "./toDeviceStore.js";

/**
 * The user's dehydrated device (MSC3814, unstable `org.matrix.msc3814.v1`), inside their UserDO.
 * It is a real device — a `devices` row with no access token, keys in the e2e_* tables, an
 * inbox in `to_device` — so keys/query, keys/claim and sendToDevice treat it like any other.
 * The `dehydrated_device` row adds the encrypted data a new login needs to rehydrate it.
 * The Worker validates the request first; these functions only store and read.
 */

/**
 * Whether a login (password or OAuth) names the dehydrated device's ID: it is refused, since that
 * device must never get an access token; it only exists to be rehydrated.
 */
export function isDehydratedDeviceId(store: DehydratedDeviceStore, deviceId: string | undefined): boolean {
  return deviceId !== undefined && store.current()?.device_id === deviceId;
}

/** Removes the dehydrated device with its keys and to-device messages. Returns its ID, if there was one. */
export function remove(store: DehydratedDeviceStore, sessions: account.SessionStores, keys: EncryptionKeyStore): string | undefined {
  const deviceId = store.recordedDeviceId();
  if (deviceId === undefined) return undefined;
  const live = store.current() !== undefined;
  store.clear();
  // Only this user's own dehydrated device: a device that has since logged in is not touched.
  if (!sessions.accounts.hasTokens(deviceId)) {
    account.deleteDevice(sessions, deviceId);
    // Its keys, as when a device is deleted (the account module removes the device, tokens and inbox).
    keys.deleteKeysOf(deviceId);
  }
  return live ? deviceId : undefined;
}

/**
 * Creates the dehydrated device, replacing the previous one (its keys and messages go with it).
 * Call inside a transaction: all or nothing. Returns the replaced device's ID, if any.
 */
export function replace(store: DehydratedDeviceStore, sessions: account.SessionStores, keys: EncryptionKeyStore, up: DehydratedDeviceUpload): string | undefined {
  const { accounts } = sessions;
  const previous = store.current()?.device_id;
  // A device ID already used by a device that is not the dehydrated one is never taken over.
  if (previous !== up.deviceId && accounts.hasDevice(up.deviceId)) {
    throw invalidParam("device_id is already used by another device");
  }
  remove(store, sessions, keys);
  const now = Date.now();
  accounts.addDeviceWithoutLogin(up.deviceId, up.displayName, now);
  store.set(up.deviceId, up.deviceData);
  e2ee.storeKeys(keys, up.deviceId, up.keys);
  return previous;
}

/** Most to-device messages handed out in one batch. */
export const EVENTS_BATCH = 100;

/**
 * The dehydrated device's to-device messages after position `after`, oldest first, in /sync's
 * format. `next_batch` is the last position handed out (or `after` again when there is nothing
 * more). Nothing is deleted here: MSC3814 keeps earlier batches so an interrupted rehydration can
 * start over; they go when the device is replaced or deleted.
 */
export function events(toDevice: ToDeviceStore, deviceId: string, after: number, limit = EVENTS_BATCH): { events: JsonObject[]; next_batch: string } {
  const rows = toDevice.batch(deviceId, after, limit);
  const last = rows.length > 0 ? rows[rows.length - 1].pos : after;
  return { events: rows.map((r) => r.event), next_batch: String(last) };
}
