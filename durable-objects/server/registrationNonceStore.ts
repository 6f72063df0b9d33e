/** Single-use nonces of shared-secret registration (table registration_nonces), good for a minute. */
const NONCE_TTL_MS = 60_000;

export class RegistrationNonceStore {
  constructor(private sql: SqlStorage) {}

  /** Keeps a new nonce; nonces older than a minute go on the way. */
  issue(nonce: string, now: number): void {
    this.sql.exec("DELETE FROM registration_nonces WHERE created_ts < ?", now - NONCE_TTL_MS);
    this.sql.exec("INSERT INTO registration_nonces (nonce, created_ts) VALUES (?, ?)", nonce, now);
  }

  /** True once per nonce issued in the last minute (it is deleted as it is used). */
  consume(nonce: string, now: number): boolean {
    const row = this.sql.exec("DELETE FROM registration_nonces WHERE nonce = ? AND created_ts >= ? RETURNING nonce", nonce, now - NONCE_TTL_MS).toArray();
    return row.length > 0;
  }
}
