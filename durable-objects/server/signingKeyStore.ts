/** ServerDO's signing keys (table signing_keys): the current one, and those it signed with before. */
export interface StoredSigningKey {
  keyId: string;
  /** The Ed25519 seed, base64. */
  seed: string;
}

export class SigningKeyStore {
  constructor(private sql: SqlStorage) {}

  /** The newest key not yet expired, if any. */
  currentKey(): StoredSigningKey | undefined {
    const row = this.sql
      .exec<{ key_id: string; seed: string }>("SELECT key_id, seed FROM signing_keys WHERE expired_ts IS NULL ORDER BY created_ts DESC LIMIT 1")
      .toArray()[0];
    return row ? { keyId: row.key_id, seed: row.seed } : undefined;
  }

  addKey(key: StoredSigningKey, createdTs: number): void {
    this.sql.exec("INSERT INTO signing_keys (key_id, seed, created_ts) VALUES (?, ?, ?)", key.keyId, key.seed, createdTs);
  }

  /** Keys marked expired, with when they expired. */
  expiredKeys(): (StoredSigningKey & { expiredTs: number })[] {
    return this.sql
      .exec<{ key_id: string; seed: string; expired_ts: number }>("SELECT key_id, seed, expired_ts FROM signing_keys WHERE expired_ts IS NOT NULL")
      .toArray()
      .map((r) => ({ keyId: r.key_id, seed: r.seed, expiredTs: r.expired_ts }));
  }
}
