/** Hashes of the OpenID tokens users hand to third parties (table openid_tokens), until they expire. */
export class OpenIdTokenStore {
  constructor(private sql: SqlStorage) {}

  /** Keeps a token's hash until `expiresTs`; tokens expired by `now` go on the way. */
  issue(tokenHash: string, userId: string, expiresTs: number, now: number): void {
    this.sql.exec("DELETE FROM openid_tokens WHERE expires_ts < ?", now);
    this.sql.exec("INSERT INTO openid_tokens (token_hash, user_id, expires_ts) VALUES (?, ?, ?)", tokenHash, userId, expiresTs);
  }

  /** The user a token unexpired at `now` belongs to, or null. */
  userOf(tokenHash: string, now: number): string | null {
    const row = this.sql.exec<{ user_id: string }>("SELECT user_id FROM openid_tokens WHERE token_hash = ? AND expires_ts >= ?", tokenHash, now).toArray()[0];
    return row ? row.user_id : null;
  }
}
