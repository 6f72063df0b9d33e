/**
 * Who is typing in a room (spec: m.typing), with each user's expiry. Typing is ephemeral by
 * nature, so it lives in the RoomDO's memory only: after a restart nobody is typing, which is
 * what clients would conclude anyway once the timeouts pass.
 */

/** Longest typing timeout honoured; clients renew while the user keeps typing. */
export const MAX_TYPING_MS = 120_000;
/** Remote typing notifications carry no timeout; they last this long unless renewed (as Synapse). */
export const REMOTE_TYPING_MS = 30_000;

export class TypingTracker {
  private expiries = new Map<string, number>();

  /**
   * Starts, renews or stops a user's typing. Returns whether the typing list members see has to
   * be sent again (a start or a stop, and a renewal, which clients use to keep the indicator on).
   */
  set(userId: string, typing: boolean, timeoutMs: number, now: number): boolean {
    const was = this.expiries.has(userId);
    if (typing) this.expiries.set(userId, now + Math.min(Math.max(timeoutMs, 0), MAX_TYPING_MS));
    else this.expiries.delete(userId);
    return typing || was;
  }

  /** Drops users whose typing timed out; returns whether anyone was dropped. */
  expire(now: number): boolean {
    let changed = false;
    for (const [u, at] of this.expiries) {
      if (at <= now) {
        this.expiries.delete(u);
        changed = true;
      }
    }
    return changed;
  }

  /** The `user_ids` of the m.typing event, in a stable order. */
  userIds(): string[] {
    return [...this.expiries.keys()].sort();
  }

  /** When the next typing timeout falls, if anyone is typing. */
  nextExpiry(): number | undefined {
    return this.expiries.size > 0 ? Math.min(...this.expiries.values()) : undefined;
  }
}
