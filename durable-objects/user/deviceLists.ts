import type { StreamStore } from "./streamStore.js";

/**
 * Device list tracking (spec: end_to_end_encryption.md "Tracking the device list for a user").
 * A user's stream gets a 'device_list' row when someone it shares a room with changes their
 * devices or keys, when it starts sharing a room with someone, and ('left') when it stops
 * sharing every room with someone. /sync and keys/changes read these rows.
 */

export interface DeviceListRow {
  user_id: string;
  left?: boolean;
}

/** Users whose device list changed, and users no longer shared, between two stream positions. */
export function deviceListChanges(stream: StreamStore, from: number, to: number): { changed: string[]; left: string[] } {
  const latest = new Map<string, boolean>();
  for (const data of stream.deviceListData(from, to)) {
    const row = data as unknown as DeviceListRow;
    latest.set(row.user_id, row.left === true);
  }
  const changed: string[] = [];
  const left: string[] = [];
  for (const [user, isLeft] of latest) (isLeft ? left : changed).push(user);
  return { changed, left };
}
