import { MatrixError, notFound, invalidParam } from "../../platform/errors.js";
import type { JsonObject } from "../../protocol/json.js";
import type { KeyBackupData, RoomKeysUpload } from "../../platform/rpc/user.js";
import type { KeyBackupStore, KeyRow, VersionRow } from "./keyBackupStore.js";

/**
 * Server-side key backup (spec: end_to_end_encryption.md "Server-side key backups",
 * key_backup.yaml). The server stores opaque encrypted session data per backup version and
 * keeps, per session, the better of two copies; `etag` changes whenever the keys change.
 */

function byVersion(store: KeyBackupStore, version: string): VersionRow | undefined {
  if (!/^\d{1,15}$/.test(version)) return undefined;
  return store.byVersion(Number(version));
}

function describe(store: KeyBackupStore, row: VersionRow): JsonObject {
  return {
    algorithm: row.algorithm,
    auth_data: JSON.parse(row.auth_data) as JsonObject,
    count: store.keyCount(row.version),
    etag: String(row.etag),
    version: String(row.version),
  };
}

export function createVersion(store: KeyBackupStore, algorithm: string, authData: JsonObject): string {
  return String(store.createVersion(algorithm, authData));
}

export function getVersion(store: KeyBackupStore, version?: string): JsonObject {
  const row = version === undefined ? store.current() : byVersion(store, version);
  if (!row) throw notFound(version === undefined ? "No current backup version" : "Unknown backup version");
  return describe(store, row);
}

export function updateVersion(store: KeyBackupStore, version: string, algorithm: string, authData: JsonObject, bodyVersion?: string): void {
  const row = byVersion(store, version);
  if (!row) throw notFound("Unknown backup version");
  if (bodyVersion !== undefined && bodyVersion !== version) throw invalidParam("version in body does not match the path");
  if (algorithm !== row.algorithm) throw invalidParam("Algorithm does not match");
  store.setAuthData(row.version, authData);
}

export function deleteVersion(store: KeyBackupStore, version: string): void {
  const row = byVersion(store, version);
  if (!row) throw notFound("Unknown backup version");
  store.deleteVersion(row.version);
}

/**
 * Spec: keep the verified copy; then the lower first_message_index; then the lower
 * forwarded_count. True when `incoming` should replace `existing`.
 */
export function replaces(incoming: KeyBackupData, existing: KeyBackupData): boolean {
  if (incoming.is_verified !== existing.is_verified) return incoming.is_verified;
  if (incoming.first_message_index !== existing.first_message_index) return incoming.first_message_index < existing.first_message_index;
  return incoming.forwarded_count < existing.forwarded_count;
}

function rowToData(r: KeyRow): KeyBackupData {
  return {
    first_message_index: r.first_message_index,
    forwarded_count: r.forwarded_count,
    is_verified: r.is_verified === 1,
    session_data: JSON.parse(r.session_data) as JsonObject,
  };
}

export function putKeys(store: KeyBackupStore, version: string, upload: RoomKeysUpload): { etag: string; count: number } {
  const row = byVersion(store, version);
  const cur = store.current();
  if (!row || !cur || row.version !== cur.version) {
    if (!row && !cur) throw notFound("Unknown backup version");
    throw new MatrixError(403, "M_WRONG_ROOM_KEYS_VERSION", "Wrong backup version.", { current_version: cur ? String(cur.version) : null });
  }
  let changed = false;
  for (const [roomId, sessions] of Object.entries(upload)) {
    for (const [sessionId, data] of Object.entries(sessions)) {
      const existing = store.sessionKey(row.version, roomId, sessionId);
      if (existing && !replaces(data, rowToData(existing))) continue;
      store.putSessionKey(row.version, roomId, sessionId, data);
      changed = true;
    }
  }
  if (changed) store.bumpEtag(row.version);
  const etag = store.etag(row.version);
  return { etag: String(etag), count: store.keyCount(row.version) };
}

/** GET at any level: all rooms, one room, or one session (404 when the session is absent). */
export function getKeys(store: KeyBackupStore, version: string, roomId?: string, sessionId?: string): JsonObject {
  const row = byVersion(store, version);
  if (!row) throw notFound("Unknown backup version");
  const rows = store.keys(row.version, roomId, sessionId);
  if (sessionId !== undefined) {
    if (rows.length === 0) throw notFound("No room key found");
    return rowToData(rows[0]) as unknown as JsonObject;
  }
  const rooms: Record<string, { sessions: Record<string, KeyBackupData> }> = {};
  for (const r of rows) (rooms[r.room_id] ??= { sessions: {} }).sessions[r.session_id] = rowToData(r);
  if (roomId !== undefined) return { sessions: rooms[roomId]?.sessions ?? {} } as unknown as JsonObject;
  return { rooms } as unknown as JsonObject;
}

export function deleteKeys(store: KeyBackupStore, version: string, roomId?: string, sessionId?: string): { etag: string; count: number } {
  const row = byVersion(store, version);
  if (!row) throw notFound("Unknown backup version");
  store.deleteKeys(row.version, roomId, sessionId);
  store.bumpEtag(row.version);
  const etag = store.etag(row.version);
  return { etag: String(etag), count: store.keyCount(row.version) };
}
