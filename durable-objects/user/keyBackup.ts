import { MatrixError, notFound, invalidParam } from "../../platform/errors.js";
import type { JsonObject } from "../../protocol/json.js";
import type { KeyBackupData, RoomKeysUpload } from "../../platform/rpc/user.js";

/**
 * Server-side key backup (spec: end_to_end_encryption.md "Server-side key backups",
 * key_backup.yaml). The server stores opaque encrypted session data per backup version and
 * keeps, per session, the better of two copies; `etag` changes whenever the keys change.
 */

type VersionRow = { version: number; algorithm: string; auth_data: string; etag: number; deleted: number };

function current(sql: SqlStorage): VersionRow | undefined {
  return sql.exec<VersionRow>("SELECT * FROM room_keys_versions WHERE deleted = 0 ORDER BY version DESC LIMIT 1").toArray()[0];
}

function byVersion(sql: SqlStorage, version: string): VersionRow | undefined {
  if (!/^\d{1,15}$/.test(version)) return undefined;
  return sql.exec<VersionRow>("SELECT * FROM room_keys_versions WHERE version = ? AND deleted = 0", Number(version)).toArray()[0];
}

function countOf(sql: SqlStorage, version: number): number {
  return sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM room_keys WHERE version = ?", version).one().n;
}

function describe(sql: SqlStorage, row: VersionRow): JsonObject {
  return {
    algorithm: row.algorithm,
    auth_data: JSON.parse(row.auth_data) as JsonObject,
    count: countOf(sql, row.version),
    etag: String(row.etag),
    version: String(row.version),
  };
}

export function createVersion(sql: SqlStorage, algorithm: string, authData: JsonObject): string {
  const row = sql
    .exec<{ version: number }>("INSERT INTO room_keys_versions (algorithm, auth_data) VALUES (?, ?) RETURNING version", algorithm, JSON.stringify(authData))
    .one();
  return String(row.version);
}

export function getVersion(sql: SqlStorage, version?: string): JsonObject {
  const row = version === undefined ? current(sql) : byVersion(sql, version);
  if (!row) throw notFound(version === undefined ? "No current backup version" : "Unknown backup version");
  return describe(sql, row);
}

export function updateVersion(sql: SqlStorage, version: string, algorithm: string, authData: JsonObject, bodyVersion?: string): void {
  const row = byVersion(sql, version);
  if (!row) throw notFound("Unknown backup version");
  if (bodyVersion !== undefined && bodyVersion !== version) throw invalidParam("version in body does not match the path");
  if (algorithm !== row.algorithm) throw invalidParam("Algorithm does not match");
  sql.exec("UPDATE room_keys_versions SET auth_data = ? WHERE version = ?", JSON.stringify(authData), row.version);
}

export function deleteVersion(sql: SqlStorage, version: string): void {
  const row = byVersion(sql, version);
  if (!row) throw notFound("Unknown backup version");
  sql.exec("UPDATE room_keys_versions SET deleted = 1 WHERE version = ?", row.version);
  sql.exec("DELETE FROM room_keys WHERE version = ?", row.version);
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

type KeyRow = { room_id: string; session_id: string; first_message_index: number; forwarded_count: number; is_verified: number; session_data: string };

function rowToData(r: KeyRow): KeyBackupData {
  return {
    first_message_index: r.first_message_index,
    forwarded_count: r.forwarded_count,
    is_verified: r.is_verified === 1,
    session_data: JSON.parse(r.session_data) as JsonObject,
  };
}

export function putKeys(sql: SqlStorage, version: string, upload: RoomKeysUpload): { etag: string; count: number } {
  const row = byVersion(sql, version);
  const cur = current(sql);
  if (!row || !cur || row.version !== cur.version) {
    if (!row && !cur) throw notFound("Unknown backup version");
    throw new MatrixError(403, "M_WRONG_ROOM_KEYS_VERSION", "Wrong backup version.", { current_version: cur ? String(cur.version) : null });
  }
  let changed = false;
  for (const [roomId, sessions] of Object.entries(upload)) {
    for (const [sessionId, data] of Object.entries(sessions)) {
      const existing = sql
        .exec<KeyRow>("SELECT * FROM room_keys WHERE version = ? AND room_id = ? AND session_id = ?", row.version, roomId, sessionId)
        .toArray()[0];
      if (existing && !replaces(data, rowToData(existing))) continue;
      sql.exec(
        `INSERT INTO room_keys (version, room_id, session_id, first_message_index, forwarded_count, is_verified, session_data) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (version, room_id, session_id) DO UPDATE SET first_message_index = excluded.first_message_index, forwarded_count = excluded.forwarded_count,
           is_verified = excluded.is_verified, session_data = excluded.session_data`,
        row.version,
        roomId,
        sessionId,
        data.first_message_index,
        data.forwarded_count,
        data.is_verified ? 1 : 0,
        JSON.stringify(data.session_data),
      );
      changed = true;
    }
  }
  if (changed) sql.exec("UPDATE room_keys_versions SET etag = etag + 1 WHERE version = ?", row.version);
  const etag = sql.exec<{ etag: number }>("SELECT etag FROM room_keys_versions WHERE version = ?", row.version).one().etag;
  return { etag: String(etag), count: countOf(sql, row.version) };
}

function selectKeys(sql: SqlStorage, version: number, roomId?: string, sessionId?: string): KeyRow[] {
  if (roomId !== undefined && sessionId !== undefined) {
    return sql.exec<KeyRow>("SELECT * FROM room_keys WHERE version = ? AND room_id = ? AND session_id = ?", version, roomId, sessionId).toArray();
  }
  if (roomId !== undefined) return sql.exec<KeyRow>("SELECT * FROM room_keys WHERE version = ? AND room_id = ?", version, roomId).toArray();
  return sql.exec<KeyRow>("SELECT * FROM room_keys WHERE version = ?", version).toArray();
}

/** GET at any level: all rooms, one room, or one session (404 when the session is absent). */
export function getKeys(sql: SqlStorage, version: string, roomId?: string, sessionId?: string): JsonObject {
  const row = byVersion(sql, version);
  if (!row) throw notFound("Unknown backup version");
  const rows = selectKeys(sql, row.version, roomId, sessionId);
  if (sessionId !== undefined) {
    if (rows.length === 0) throw notFound("No room key found");
    return rowToData(rows[0]) as unknown as JsonObject;
  }
  const rooms: Record<string, { sessions: Record<string, KeyBackupData> }> = {};
  for (const r of rows) (rooms[r.room_id] ??= { sessions: {} }).sessions[r.session_id] = rowToData(r);
  if (roomId !== undefined) return { sessions: rooms[roomId]?.sessions ?? {} } as unknown as JsonObject;
  return { rooms } as unknown as JsonObject;
}

export function deleteKeys(sql: SqlStorage, version: string, roomId?: string, sessionId?: string): { etag: string; count: number } {
  const row = byVersion(sql, version);
  if (!row) throw notFound("Unknown backup version");
  if (roomId !== undefined && sessionId !== undefined) sql.exec("DELETE FROM room_keys WHERE version = ? AND room_id = ? AND session_id = ?", row.version, roomId, sessionId);
  else if (roomId !== undefined) sql.exec("DELETE FROM room_keys WHERE version = ? AND room_id = ?", row.version, roomId);
  else sql.exec("DELETE FROM room_keys WHERE version = ?", row.version);
  sql.exec("UPDATE room_keys_versions SET etag = etag + 1 WHERE version = ?", row.version);
  const etag = sql.exec<{ etag: number }>("SELECT etag FROM room_keys_versions WHERE version = ?", row.version).one().etag;
  return { etag: String(etag), count: countOf(sql, row.version) };
}
