/**
 * Actions the user approved on the account page for a short while (table `oauth_approvals`),
 * e.g. "org.matrix.cross_signing_reset" for the m.oauth user-interactive auth stage. This store is
 * the table's only writer; an approval is taken (deleted) by the request it lets through.
 */
export class OAuthApprovalStore {
  constructor(private readonly sql: SqlStorage) {}

  approve(action: string, untilTs: number): void {
    this.sql.exec("INSERT INTO oauth_approvals (action, until_ts) VALUES (?, ?) ON CONFLICT (action) DO UPDATE SET until_ts = excluded.until_ts", action, untilTs);
  }

  /** Whether `action` is approved at `now`; the approval is used up either way. */
  take(action: string, now: number): boolean {
    const row = this.sql.exec<{ until_ts: number }>("SELECT until_ts FROM oauth_approvals WHERE action = ?", action).toArray()[0];
    if (!row) return false;
    this.sql.exec("DELETE FROM oauth_approvals WHERE action = ?", action);
    return row.until_ts > now;
  }
}
