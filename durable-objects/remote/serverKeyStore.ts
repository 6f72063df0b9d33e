/**
 * RemoteDO's cache of its server's verify keys (tables server_keys, key_responses): each key with
 * its validity, and the newest self-signed key response, served again when we act as a notary.
 */
import type { JsonObject } from "../../protocol/json.js";
import type { ParsedKeyResponse } from "./keyResponse.js";

export interface CachedKey {
  /** Base64. */
  publicKey: string;
  validUntilTs: number;
}

export class ServerKeyStore {
  constructor(private sql: SqlStorage) {}

  key(keyId: string): CachedKey | undefined {
    const row = this.sql
      .exec<{ public_key: string; valid_until_ts: number }>("SELECT public_key, valid_until_ts FROM server_keys WHERE key_id = ?", keyId)
      .toArray()[0];
    return row ? { publicKey: row.public_key, validUntilTs: row.valid_until_ts } : undefined;
  }

  /** Stores a checked response: its keys, and the response itself if it is the newest. */
  saveResponse(raw: JsonObject, parsed: ParsedKeyResponse, now: number): void {
    for (const k of parsed.keys) {
      this.sql.exec(
        `INSERT INTO server_keys (key_id, public_key, valid_until_ts, expired_ts) VALUES (?, ?, ?, ?)
       ON CONFLICT (key_id) DO UPDATE SET public_key = excluded.public_key, valid_until_ts = excluded.valid_until_ts, expired_ts = excluded.expired_ts`,
        k.keyId,
        k.publicKey,
        k.validUntilTs,
        k.expiredTs ?? null,
      );
    }
    // Only the newest response is kept: it lists the old keys as old_verify_keys.
    const newest = this.sql.exec<{ v: number | null }>("SELECT MAX(valid_until_ts) AS v FROM key_responses").one().v;
    if (newest === null || parsed.validUntilTs >= newest) {
      this.sql.exec("DELETE FROM key_responses");
      this.sql.exec("INSERT INTO key_responses (valid_until_ts, fetched_ts, json) VALUES (?, ?, ?)", parsed.validUntilTs, now, JSON.stringify(raw));
    }
  }

  /** The kept key responses, as received. */
  responses(): { validUntilTs: number; json: JsonObject }[] {
    return this.sql
      .exec<{ valid_until_ts: number; json: string }>("SELECT valid_until_ts, json FROM key_responses")
      .toArray()
      .map((r) => ({ validUntilTs: r.valid_until_ts, json: JSON.parse(r.json) as JsonObject }));
  }
}
