/**
 * The user's own presence (table `presence`, one row at most). Others' presence reaches the
 * user through the stream, not here. This store is the table's only writer.
 */

export type PresenceRow = {
  presence: string;
  status_msg: string | null;
  last_active_ts: number;
};

export class PresenceStore {
  constructor(private readonly sql: SqlStorage) {}

  /** The user's presence, if ever set. */
  current(): PresenceRow | undefined {
    // The copy leaves out the table's internal `id` column (always 1).
    const row = this.sql.exec<PresenceRow>("SELECT * FROM presence").toArray()[0];
    return row ? { presence: row.presence, status_msg: row.status_msg, last_active_ts: row.last_active_ts } : undefined;
  }

  /** The user was active at `now`, with no change of state. */
  touch(now: number): void {
    this.sql.exec("UPDATE presence SET last_active_ts = ?", now);
  }

  /** Sets the state; an undefined status message keeps the one set before. */
  set(presence: string, statusMsg: string | undefined, now: number): void {
    this.sql.exec(
      "INSERT INTO presence (id, presence, status_msg, last_active_ts) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET presence = excluded.presence, status_msg = COALESCE(excluded.status_msg, presence.status_msg), last_active_ts = excluded.last_active_ts",
      presence,
      statusMsg ?? null,
      now,
    );
  }
}
