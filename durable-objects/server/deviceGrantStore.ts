import type { DevicePoll } from "../../platform/rpc/server.js";

/**
 * Device authorization grants (RFC 8628; table oauth_device_grants): a device asked for a login,
 * shows a user code, and polls the token endpoint while a person approves or denies it on the
 * /link page. The device code is kept only as a hash. A grant is approved at most once and
 * exchanged at most once ("done"); grants are removed an hour after they expire.
 */

type Row = {
  user_code: string;
  client_id: string;
  scope: string;
  status: "pending" | "approved" | "denied" | "done";
  expires_ts: number;
  last_poll_ts: number | null;
  user_id: string | null;
};

/** Expired grants stay an hour, so a late poll still hears expired_token rather than invalid_grant. */
const KEEP_AFTER_EXPIRY_MS = 3_600_000;

export class DeviceGrantStore {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * Records a new grant; false when the user code is already taken (the caller draws another).
   * The table's UNIQUE user_code is the check: the insert is ignored and writes no row.
   */
  create(deviceCodeHash: string, userCode: string, clientId: string, scope: string, now: number, expiresTs: number): boolean {
    this.sql.exec("DELETE FROM oauth_device_grants WHERE expires_ts < ?", now - KEEP_AFTER_EXPIRY_MS);
    const inserted = this.sql.exec(
      "INSERT OR IGNORE INTO oauth_device_grants (device_code_hash, user_code, client_id, scope, created_ts, expires_ts, status) VALUES (?, ?, ?, ?, ?, ?, 'pending')",
      deviceCodeHash,
      userCode,
      clientId,
      scope,
      now,
      expiresTs,
    );
    return inserted.rowsWritten > 0;
  }

  /** The grant a person typed the user code of, while it can still be decided. */
  pendingByUserCode(userCode: string, now: number): { clientId: string; scope: string } | undefined {
    const row = this.sql
      .exec<Pick<Row, "client_id" | "scope">>("SELECT client_id, scope FROM oauth_device_grants WHERE user_code = ? AND status = 'pending' AND expires_ts > ?", userCode, now)
      .toArray()[0];
    return row ? { clientId: row.client_id, scope: row.scope } : undefined;
  }

  /** Approves (for `userId`) or denies (null) a pending, unexpired grant; false when there is none. */
  decide(userCode: string, userId: string | null, now: number): boolean {
    // One statement: the condition that makes it decidable is the one it is updated under.
    const updated = this.sql.exec(
      "UPDATE oauth_device_grants SET status = ?, user_id = ? WHERE user_code = ? AND status = 'pending' AND expires_ts > ?",
      userId === null ? "denied" : "approved",
      userId,
      userCode,
      now,
    );
    return updated.rowsWritten > 0;
  }

  /**
   * A poll by the device. Polling faster than `intervalMs` is slow_down (RFC 8628 §3.5); an
   * approved grant answers "approved" once and is done after it, so its tokens are issued once.
   */
  poll(deviceCodeHash: string, clientId: string, now: number, intervalMs: number): DevicePoll {
    const row = this.sql.exec<Row>("SELECT * FROM oauth_device_grants WHERE device_code_hash = ?", deviceCodeHash).toArray()[0];
    if (!row || row.client_id !== clientId || row.status === "done") return { status: "invalid" };
    if (row.expires_ts <= now) return { status: "expired" };
    if (row.status === "approved" && row.user_id !== null) {
      this.sql.exec("UPDATE oauth_device_grants SET status = 'done', last_poll_ts = ? WHERE device_code_hash = ?", now, deviceCodeHash);
      return { status: "approved", userId: row.user_id, scope: row.scope };
    }
    if (row.status === "denied") return { status: "denied" };
    const tooSoon = row.last_poll_ts !== null && now - row.last_poll_ts < intervalMs;
    this.sql.exec("UPDATE oauth_device_grants SET last_poll_ts = ? WHERE device_code_hash = ?", now, deviceCodeHash);
    return { status: tooSoon ? "slow_down" : "pending" };
  }
}
