import type { UpgradeClaim } from "../../platform/rpc/room.js";

/** How long a finished upgrade keeps its answer and keeps others from upgrading again (Synapse's). */
const HOLD_MS = 5 * 60_000;

/**
 * Who is upgrading this room (spec: POST /rooms/{roomId}/upgrade). Two upgrades at once would
 * each make a replacement room and tombstone the old one twice; Synapse refuses a second upgrader
 * with 400 while one runs, and for five minutes gives the same user's repeat the first answer.
 * Held in the RoomDO's memory: there is one instance per room, so the check is atomic for every
 * Worker, and an eviction at worst forgets a finished upgrade's answer.
 */
export class UpgradeClaims {
  private current: { userId: string; until: number; replacementRoom?: string } | undefined;

  claim(userId: string, now: number): UpgradeClaim {
    const c = this.current;
    if (c && c.until > now) {
      // The same user's concurrent repeat is refused too: it has no answer to share yet.
      if (c.userId === userId && c.replacementRoom !== undefined) return { kind: "done", replacementRoom: c.replacementRoom };
      return { kind: "busy" };
    }
    this.current = { userId, until: now + HOLD_MS };
    return { kind: "claimed" };
  }

  /** The claim's end: its answer kept, or (the upgrade failed) the room free to upgrade again. */
  finish(userId: string, replacementRoom: string | undefined, now: number): void {
    if (this.current?.userId !== userId) return;
    this.current = replacementRoom === undefined ? undefined : { userId, until: now + HOLD_MS, replacementRoom };
  }
}
