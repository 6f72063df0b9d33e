/**
 * Browser sign-ins on the account pages (table `web_sessions`), stored as SHA-256 hashes of the
 * cookie value. user/webSessions.ts holds the rules; this store is the table's only writer.
 */

export type WebSessionRow = {
  token_hash: string;
  created_ts: number;
  expires_ts: number;
  last_active_ts: number;
  user_agent: string | null;
};

export class WebSessionStore {
  constructor(private readonly sql: SqlStorage) {}

  add(tokenHash: string, now: number, expiresTs: number, userAgent: string | null): void {
    this.sql.exec(
      "INSERT INTO web_sessions (token_hash, created_ts, expires_ts, last_active_ts, user_agent) VALUES (?, ?, ?, ?, ?)",
      tokenHash,
      now,
      expiresTs,
      now,
      userAgent,
    );
  }

  get(tokenHash: string): WebSessionRow | undefined {
    return this.sql.exec<WebSessionRow>("SELECT * FROM web_sessions WHERE token_hash = ?", tokenHash).toArray()[0];
  }

  touch(tokenHash: string, now: number): void {
    this.sql.exec("UPDATE web_sessions SET last_active_ts = ? WHERE token_hash = ?", now, tokenHash);
  }

  delete(tokenHash: string): void {
    this.sql.exec("DELETE FROM web_sessions WHERE token_hash = ?", tokenHash);
  }

  /** Every session but the one whose hash is `keepHash` (undefined: none is kept). */
  deleteAllExcept(keepHash: string | undefined): void {
    if (keepHash === undefined) this.deleteAll();
    else this.sql.exec("DELETE FROM web_sessions WHERE token_hash != ?", keepHash);
  }

  deleteAll(): void {
    this.sql.exec("DELETE FROM web_sessions");
  }

  deleteExpired(now: number): void {
    this.sql.exec("DELETE FROM web_sessions WHERE expires_ts <= ?", now);
  }
}
