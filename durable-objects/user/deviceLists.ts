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

/** Everyone joined to a room this user is joined to (from the user's copy of room state). */
export function sharedUsers(sql: SqlStorage): Set<string> {
  const out = new Set<string>();
  for (const r of sql.exec<{ state_key: string }>(
    `SELECT DISTINCT rs.state_key FROM room_state rs JOIN rooms r ON r.room_id = rs.room_id
     WHERE r.membership = 'join' AND rs.type = 'm.room.member' AND json_extract(rs.json, '$.content.membership') = 'join'`,
  )) {
    out.add(r.state_key);
  }
  return out;
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
