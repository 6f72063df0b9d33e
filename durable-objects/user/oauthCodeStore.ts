/**
 * OAuth authorization codes (table `oauth_codes`), stored as SHA-256 hashes. user/oauthCodes.ts
 * holds the rules (lifetime, single use, PKCE); this store is the table's only writer.
 */

export type OAuthCodeRow = {
  code_hash: string;
  client_id: string;
  redirect_uri: string;
  code_challenge: string;
  scope: string;
  /** The device (session) the code creates when redeemed. */
  device_id: string;
  nonce: string | null;
  /** When the user signed in (ms), for the id_token's auth_time. */
  auth_time: number;
  created_ts: number;
  expires_ts: number;
  used_ts: number | null;
};

export class OAuthCodeStore {
  constructor(private readonly sql: SqlStorage) {}

  add(row: Omit<OAuthCodeRow, "used_ts">): void {
    this.sql.exec(
      "INSERT INTO oauth_codes (code_hash, client_id, redirect_uri, code_challenge, scope, device_id, nonce, auth_time, created_ts, expires_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      row.code_hash,
      row.client_id,
      row.redirect_uri,
      row.code_challenge,
      row.scope,
      row.device_id,
      row.nonce,
      row.auth_time,
      row.created_ts,
      row.expires_ts,
    );
  }

  get(codeHash: string): OAuthCodeRow | undefined {
    return this.sql.exec<OAuthCodeRow>("SELECT * FROM oauth_codes WHERE code_hash = ?", codeHash).toArray()[0];
  }

  markUsed(codeHash: string, now: number): void {
    this.sql.exec("UPDATE oauth_codes SET used_ts = ? WHERE code_hash = ?", now, codeHash);
  }

  /** Codes whose session is gone go with it. */
  deleteForDevice(deviceId: string): void {
    this.sql.exec("DELETE FROM oauth_codes WHERE device_id = ?", deviceId);
  }

  /** Deactivation: every code goes, also those not yet redeemed (they name no device yet). */
  deleteAll(): void {
    this.sql.exec("DELETE FROM oauth_codes");
  }

  /**
   * Forgets codes expired before `before`. A redeemed code is kept until then so that its reuse
   * is still recognised (and its session revoked) while it could have been valid.
   */
  deleteExpired(before: number): void {
    this.sql.exec("DELETE FROM oauth_codes WHERE expires_ts < ?", before);
  }
}
