import type { JsonObject } from "../../protocol/json.js";
import { evaluatePushRules } from "../../protocol/pushRules/index.js";
import type { PushRuleSet } from "../../protocol/pushRules/index.js";
import type { DeliveryItem } from "../../platform/rpc/delivery.js";
import type { StreamStore, StoredTimelineEvent } from "./streamStore.js";
import type { RoomViewStore } from "./roomViewStore.js";
import { isBumpEvent } from "../../protocol/slidingSync/bumpStamp.js";

/**
 * Takes what a RoomDO hands over (see platform/rpc/delivery.ts) into the user's stream and room copies.
 * Delivery is idempotent (a retried batch changes nothing), because the room retries after
 * failures until every member has its events.
 */
export function ingestRoomEvents(
  stream: StreamStore,
  rooms: RoomViewStore,
  userId: string,
  roomId: string,
  items: DeliveryItem[],
  rules: PushRuleSet,
  displayName: string | undefined,
): void {
  // The room's latest activity and latest bump (sliding sync's order and bump_stamp), written
  // once per delivery.
  let lastPos: number | undefined;
  let bumpPos: number | undefined;
  for (const item of items) {
    const ev = item.event;
    if (item.redacted) {
      // The stored copy of the redacted event loses its content, so later syncs never show it.
      stream.redactEvent(roomId, item.redacted);
      rooms.redactState(roomId, item.redacted);
    }
    if (stream.posOfEvent(roomId, ev.event_id) !== undefined) continue;

    let notify = 0;
    let highlight = 0;
    if (ev.sender !== userId && item.membership === undefined) {
      const outcome = evaluatePushRules(rules, ev, {
        userId,
        userDisplayName: displayName,
        roomMemberCount: item.push.memberCount,
        senderPowerLevel: item.push.senderPowerLevel,
        notificationPowerLevels: item.push.notificationPowerLevels,
      });
      notify = outcome.notify ? 1 : 0;
      highlight = outcome.highlight ? 1 : 0;
    }
    const stored: StoredTimelineEvent = { event: ev };
    if (item.txn) stored.txn = item.txn;
    const pos = stream.append("event", roomId, ev.event_id, stored, item.ordering, notify, highlight);

    if (item.membership !== undefined) {
      rooms.setMembership(roomId, item.membership, ev.event_id, pos, item.strippedState);
      if (item.fullState) {
        rooms.clearState(roomId);
        for (const s of item.fullState) rooms.upsertState(roomId, s as unknown as JsonObject, pos);
      }
    }
    if (item.isState) rooms.upsertState(roomId, ev as unknown as JsonObject, pos);
    lastPos = pos;
    if (isBumpEvent(ev.type)) bumpPos = pos;
  }
  if (lastPos !== undefined) rooms.touch(roomId, lastPos, bumpPos);
}
