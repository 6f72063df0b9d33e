/**
 * Completed registrations by UIA session (table registration_sessions). A client that lost the
 * answer to its registration retries with the same session and must get the same account, not
 * M_USER_IN_USE or a second account (Synapse keeps the user ID with the session). Sessions live as
 * long as Synapse's UIA sessions, 48 hours.
 */
const SESSION_TTL_MS = 48 * 60 * 60 * 1000;

export class RegistrationSessionStore {
  constructor(private sql: SqlStorage) {}

  /** Remembers that `session` registered `userId`; older sessions go on the way. */
  record(session: string, userId: string, now: number): void {
    this.sql.exec("DELETE FROM registration_sessions WHERE created_ts < ?", now - SESSION_TTL_MS);
    this.sql.exec("INSERT INTO registration_sessions (session, user_id, created_ts) VALUES (?, ?, ?) ON CONFLICT (session) DO NOTHING", session, userId, now);
  }

  /** The user `session` registered in the last 48 hours, if any. */
  userOf(session: string, now: number): string | undefined {
    const rows = this.sql.exec<{ user_id: string }>("SELECT user_id FROM registration_sessions WHERE session = ? AND created_ts >= ?", session, now - SESSION_TTL_MS).toArray();
    return rows[0]?.user_id;
  }
}
