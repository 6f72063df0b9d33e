import type { DevicePoll } from "../../platform/rpc/server.js";

/**
 * Device authorization grants (RFC 8628; table oauth_device_grants): a device asked for a login,
 * shows a user code, and polls the token endpoint while a person approves or denies it on the
 * /link page. The device code is kept only as a hash. A grant is approved at most once and
 * exchanged at most once ("done"); grants are removed an hour after they expire.
 */

export type DeviceGrantStatus = "pending" | "approved" | "denied" | "done";

export interface DeviceGrant {
  clientId: string;
  scope: string;
  status: DeviceGrantStatus;
  expiresTs: number;
}


type Row = {
  user_code: string;
  client_id: string;
  scope: string;
  status: DeviceGrantStatus;
  expires_ts: number;
  last_poll_ts: number | null;
  user_id: string | null;
};

/** Expired grants stay an hour, so a late poll still hears expired_token rather than invalid_grant. */
const KEEP_AFTER_EXPIRY_MS = 3_600_000;

export class DeviceGrantStore {
  constructor(private readonly sql: SqlStorage) {}

  /** Records a new grant; false when the user code is already taken (the caller draws another). */
  create(deviceCodeHash: string, userCode: string, clientId: string, scope: string, now: number, expiresTs: number): boolean {
    this.sql.exec("DELETE FROM oauth_device_grants WHERE expires_ts < ?", now - KEEP_AFTER_EXPIRY_MS);
    if (this.sql.exec("SELECT 1 FROM oauth_device_grants WHERE user_code = ?", userCode).toArray().length > 0) return false;
    this.sql.exec(
      "INSERT INTO oauth_device_grants (device_code_hash, user_code, client_id, scope, created_ts, expires_ts, status) VALUES (?, ?, ?, ?, ?, ?, 'pending')",
      deviceCodeHash,
      userCode,
      clientId,
      scope,
      now,
      expiresTs,
    );
    return true;
  }

  /** The grant a person typed the user code of, while it can still be decided. */
  pendingByUserCode(userCode: string, now: number): DeviceGrant | undefined {
    const row = this.sql
      .exec<Row>("SELECT * FROM oauth_device_grants WHERE user_code = ? AND status = 'pending' AND expires_ts > ?", userCode, now)
      .toArray()[0];
    return row ? { clientId: row.client_id, scope: row.scope, status: row.status, expiresTs: row.expires_ts } : undefined;
  }

  /** Approves (for `userId`) or denies (null) a pending, unexpired grant; false when there is none. */
  decide(userCode: string, userId: string | null, now: number): boolean {
    if (!this.pendingByUserCode(userCode, now)) return false;
    this.sql.exec(
      "UPDATE oauth_device_grants SET status = ?, user_id = ? WHERE user_code = ?",
      userId === null ? "denied" : "approved",
      userId,
      userCode,
    );
    return true;
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
