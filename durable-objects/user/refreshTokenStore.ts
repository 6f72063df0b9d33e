/**
 * Refresh tokens (table `refresh_tokens`), stored as SHA-256 hashes. Each is issued together with
 * an access token and, once consumed by a refresh, names its successor. user/refreshTokens.ts
 * holds the rotation rules; this store is the table's only writer.
 */

export type RefreshTokenRow = {
  token_hash: string;
  device_id: string;
  /** The access token issued with this refresh token. */
  access_token_hash: string;
  created_ts: number;
  /** When a refresh first consumed it; null while it is the device's live refresh token. */
  consumed_ts: number | null;
  /** The refresh token issued in its place. */
  next_hash: string | null;
};

export class RefreshTokenStore {
  constructor(private readonly sql: SqlStorage) {}

  add(tokenHash: string, deviceId: string, accessTokenHash: string, now: number): void {
    this.sql.exec(
      "INSERT INTO refresh_tokens (token_hash, device_id, access_token_hash, created_ts) VALUES (?, ?, ?, ?)",
      tokenHash,
      deviceId,
      accessTokenHash,
      now,
    );
  }

  get(tokenHash: string): RefreshTokenRow | undefined {
    return this.sql.exec<RefreshTokenRow>("SELECT * FROM refresh_tokens WHERE token_hash = ?", tokenHash).toArray()[0];
  }

  /** Marks the token consumed (keeping the first time) and names its successor (the latest, after a retry). */
  consume(tokenHash: string, nextHash: string, now: number): void {
    this.sql.exec("UPDATE refresh_tokens SET consumed_ts = COALESCE(consumed_ts, ?), next_hash = ? WHERE token_hash = ?", now, nextHash, tokenHash);
  }

  delete(tokenHash: string): void {
    this.sql.exec("DELETE FROM refresh_tokens WHERE token_hash = ?", tokenHash);
  }

  deleteForDevice(deviceId: string): void {
    this.sql.exec("DELETE FROM refresh_tokens WHERE device_id = ?", deviceId);
  }

  /**
   * Forgets the device's consumed tokens older than `current` and its predecessor, so a device
   * that refreshes every few minutes keeps three rows, not one per refresh. A forgotten token is
   * merely unknown when presented again.
   */
  pruneBefore(deviceId: string, current: string): void {
    this.sql.exec(
      "DELETE FROM refresh_tokens WHERE device_id = ? AND consumed_ts IS NOT NULL AND token_hash != ? AND (next_hash IS NULL OR next_hash != ?)",
      deviceId,
      current,
      current,
    );
  }

  /** Every row of a device (tests and diagnostics). */
  forDevice(deviceId: string): RefreshTokenRow[] {
    return this.sql.exec<RefreshTokenRow>("SELECT * FROM refresh_tokens WHERE device_id = ? ORDER BY created_ts, token_hash", deviceId).toArray();
  }
}
