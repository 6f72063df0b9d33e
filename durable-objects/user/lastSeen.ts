/**
 * When and from where a device was last seen, as GET /devices reports it (spec:
 * device_management.yaml, last_seen_ip and last_seen_ts). Authentication already reads the
 * device's row, so noting a request costs a write only when the client's address changed or the
 * recorded time is older than LAST_SEEN_GRANULARITY_MS: a busy client writes once in a while,
 * not once per request (Synapse likewise records each address at most every two minutes).
 */

export const LAST_SEEN_GRANULARITY_MS = 5 * 60 * 1000;

export interface LastSeen {
  last_seen_ts: number | null;
  last_seen_ip: string | null;
}

/** The one thing noteSeen needs of the account store (narrow, so unit tests can record it). */
export interface SeenWriter {
  /** The device was seen at `ts`; an unknown address (null) keeps the one recorded before. */
  recordSeen(deviceId: string, ts: number, ip: string | null): void;
}

/** Records that `deviceId` made an authenticated request now, from `ip` if known. */
export function noteSeen(writer: SeenWriter, deviceId: string, recorded: LastSeen, ip: string | undefined, now = Date.now()): void {
  const newAddress = ip !== undefined && ip !== recorded.last_seen_ip;
  const stale = recorded.last_seen_ts === null || now - recorded.last_seen_ts >= LAST_SEEN_GRANULARITY_MS;
  if (!newAddress && !stale) return;
  // An unknown address (no CF-Connecting-IP) keeps the one recorded before.
  writer.recordSeen(deviceId, now, ip ?? null);
}
