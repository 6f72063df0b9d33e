import type { RsaJwk } from "../../protocol/oauth/idToken.js";

/** The RS256 keys that sign id_tokens (table oauth_signing_keys), as private JWKs. */
export class OAuthKeyStore {
  constructor(private sql: SqlStorage) {}

  /** The newest key and the kid it was stored under (its thumbprint), if one was made. */
  currentKey(): { kid: string; jwk: RsaJwk } | undefined {
    const row = this.sql
      .exec<{ kid: string; private_jwk: string }>("SELECT kid, private_jwk FROM oauth_signing_keys ORDER BY created_ts DESC, rowid DESC LIMIT 1")
      .toArray()[0];
    return row ? { kid: row.kid, jwk: JSON.parse(row.private_jwk) as RsaJwk } : undefined;
  }

  addKey(kid: string, privateJwk: RsaJwk, now: number): void {
    this.sql.exec("INSERT OR IGNORE INTO oauth_signing_keys (kid, private_jwk, created_ts) VALUES (?, ?, ?)", kid, JSON.stringify(privateJwk), now);
  }
}
