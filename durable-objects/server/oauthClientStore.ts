import { isClientMetadata, type ClientMetadata } from "../../protocol/oauth/clientMetadata.js";

/** Registered OAuth clients (table oauth_clients): their metadata by client_id. */
export class OAuthClientStore {
  constructor(private sql: SqlStorage) {}

  /** Keeps a registration; the same client_id again (the same metadata) is already there. */
  register(clientId: string, metadata: ClientMetadata, now: number): void {
    this.sql.exec("INSERT OR IGNORE INTO oauth_clients (client_id, metadata, created_ts) VALUES (?, ?, ?)", clientId, JSON.stringify(metadata), now);
  }

  /** The metadata registered under `clientId`, or null. */
  client(clientId: string): ClientMetadata | null {
    const row = this.sql.exec<{ metadata: string }>("SELECT metadata FROM oauth_clients WHERE client_id = ?", clientId).toArray()[0];
    if (!row) return null;
    const parsed: unknown = JSON.parse(row.metadata);
    return isClientMetadata(parsed) ? parsed : null;
  }
}
