import type { JsonObject } from "../../protocol/json.js";
import type { KeyBackupData } from "../../platform/rpc/user.js";

/**
 * Server-side key backup storage (tables `room_keys_versions`, `room_keys`): backup versions and,
 * per version, one encrypted session per (room, session). user/keyBackup.ts decides what to
 * keep; this store is the tables' only writer.
 */

export type VersionRow = { version: number; algorithm: string; auth_data: string; etag: number; deleted: number };

export type KeyRow = { room_id: string; session_id: string; first_message_index: number; forwarded_count: number; is_verified: number; session_data: string };

export class KeyBackupStore {
  constructor(private readonly sql: SqlStorage) {}

  /** The newest version not deleted. */
  current(): VersionRow | undefined {
    return this.sql.exec<VersionRow>("SELECT * FROM room_keys_versions WHERE deleted = 0 ORDER BY version DESC LIMIT 1").toArray()[0];
  }

  /** A version, unless deleted. */
  byVersion(version: number): VersionRow | undefined {
    return this.sql.exec<VersionRow>("SELECT * FROM room_keys_versions WHERE version = ? AND deleted = 0", version).toArray()[0];
  }

  keyCount(version: number): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM room_keys WHERE version = ?", version).one().n;
  }

  /** Creates a version; returns its number. */
  createVersion(algorithm: string, authData: JsonObject): number {
    return this.sql
      .exec<{ version: number }>("INSERT INTO room_keys_versions (algorithm, auth_data) VALUES (?, ?) RETURNING version", algorithm, JSON.stringify(authData))
      .one().version;
  }

  setAuthData(version: number, authData: JsonObject): void {
    this.sql.exec("UPDATE room_keys_versions SET auth_data = ? WHERE version = ?", JSON.stringify(authData), version);
  }

  /** Marks the version deleted (its number is never reused) and drops its keys. */
  deleteVersion(version: number): void {
    this.sql.exec("UPDATE room_keys_versions SET deleted = 1 WHERE version = ?", version);
    this.sql.exec("DELETE FROM room_keys WHERE version = ?", version);
  }

  sessionKey(version: number, roomId: string, sessionId: string): KeyRow | undefined {
    return this.sql.exec<KeyRow>("SELECT * FROM room_keys WHERE version = ? AND room_id = ? AND session_id = ?", version, roomId, sessionId).toArray()[0];
  }

  /** Stores a session's key, replacing the one there (the caller decides whether it should). */
  putSessionKey(version: number, roomId: string, sessionId: string, data: KeyBackupData): void {
    this.sql.exec(
      `INSERT INTO room_keys (version, room_id, session_id, first_message_index, forwarded_count, is_verified, session_data) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (version, room_id, session_id) DO UPDATE SET first_message_index = excluded.first_message_index, forwarded_count = excluded.forwarded_count,
           is_verified = excluded.is_verified, session_data = excluded.session_data`,
      version,
      roomId,
      sessionId,
      data.first_message_index,
      data.forwarded_count,
      data.is_verified ? 1 : 0,
      JSON.stringify(data.session_data),
    );
  }

  /** The etag changes whenever the version's keys change. */
  bumpEtag(version: number): void {
    this.sql.exec("UPDATE room_keys_versions SET etag = etag + 1 WHERE version = ?", version);
  }

  etag(version: number): number {
    return this.sql.exec<{ etag: number }>("SELECT etag FROM room_keys_versions WHERE version = ?", version).one().etag;
  }

  /** The keys of a version: all, one room's, or one session's. */
  keys(version: number, roomId?: string, sessionId?: string): KeyRow[] {
    if (roomId !== undefined && sessionId !== undefined) {
      return this.sql.exec<KeyRow>("SELECT * FROM room_keys WHERE version = ? AND room_id = ? AND session_id = ?", version, roomId, sessionId).toArray();
    }
    if (roomId !== undefined) return this.sql.exec<KeyRow>("SELECT * FROM room_keys WHERE version = ? AND room_id = ?", version, roomId).toArray();
    return this.sql.exec<KeyRow>("SELECT * FROM room_keys WHERE version = ?", version).toArray();
  }

  /** Deletes the keys of a version: all, one room's, or one session's. */
  deleteKeys(version: number, roomId?: string, sessionId?: string): void {
    if (roomId !== undefined && sessionId !== undefined) this.sql.exec("DELETE FROM room_keys WHERE version = ? AND room_id = ? AND session_id = ?", version, roomId, sessionId);
    else if (roomId !== undefined) this.sql.exec("DELETE FROM room_keys WHERE version = ? AND room_id = ?", version, roomId);
    else this.sql.exec("DELETE FROM room_keys WHERE version = ?", version);
  }
}
