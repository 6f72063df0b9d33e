import type { JsonObject } from "../../protocol/json.js";
import { evaluatePushRules } from "../../protocol/pushRules/index.js";
import type { PushEvaluation, PushRuleSet } from "../../protocol/pushRules/index.js";
import type { ClientEvent } from "../../protocol/clientEvent.js";
import type { DeliveryItem } from "../../platform/rpc/delivery.js";
import type { StreamStore, StoredTimelineEvent } from "./streamStore.js";
import type { RoomViewStore } from "./roomViewStore.js";
import { isBumpEvent } from "../../protocol/slidingSync/bumpStamp.js";
import { MAX_TIMELINE_LIMIT } from "../../platform/syncRequest.js";

/** An event whose push rules said `notify`: it is listed by GET /notifications and pushed. */
export interface NotifyingEvent {
  pos: number;
  event: ClientEvent;
  evaluation: PushEvaluation;
  senderDisplayName?: string;
}

/**
 * Takes what a RoomDO hands over (see platform/rpc/delivery.ts) into the user's stream and room copies.
 * Delivery is idempotent (a retried batch changes nothing), because the room retries after
 * failures until every member has its events. Returns the events that notify the user.
 */
export function ingestRoomEvents(
  stream: StreamStore,
  rooms: RoomViewStore,
  userId: string,
  roomId: string,
  items: DeliveryItem[],
  rules: PushRuleSet,
  displayName: string | undefined,
): NotifyingEvent[] {
  const notifying: NotifyingEvent[] = [];
  // The room's latest activity and latest bump (sliding sync's order and bump_stamp), written
  // once per delivery.
  let lastPos: number | undefined;
  let bumpPos: number | undefined;
  let replacedState = false;
  for (const item of items) {
    const ev = item.event;
    if (item.redacted) {
      // The stored copy of the redacted event loses its content, so later syncs never show it.
      stream.redactEvent(roomId, item.redacted);
      rooms.redactState(roomId, item.redacted);
    }
    if (stream.posOfEvent(roomId, ev.event_id) !== undefined) continue;

    // The user's own events never notify. Events changing the user's own membership (an invite)
    // may notify and be pushed, but count in no room's unread counts.
    const outcome =
      ev.sender === userId
        ? undefined
        : evaluatePushRules(rules, ev, {
            userId,
            userDisplayName: displayName,
            roomMemberCount: item.push.memberCount,
            senderPowerLevel: item.push.senderPowerLevel,
            notificationPowerLevels: item.push.notificationPowerLevels,
          });
    const counted = outcome !== undefined && item.membership === undefined;
    const notify = counted && outcome.notify ? 1 : 0;
    const highlight = counted && outcome.highlight ? 1 : 0;
    const stored: StoredTimelineEvent = { event: ev };
    if (item.txn) stored.txn = item.txn;
    const pos = stream.append("event", roomId, ev.event_id, stored, item.ordering, notify, highlight);
    if (outcome?.notify) notifying.push({ pos, event: ev, evaluation: outcome, senderDisplayName: item.push.senderDisplayName });

    if (item.membership !== undefined) {
      const stayedJoined = rooms.membership(roomId) === "join";
      rooms.setMembership(roomId, item.membership, ev.event_id, pos, item.strippedState);
      // The room's state as the user joins is set just before the join's position, so /sync's
      // state at the start of a timeline that begins with the join holds it (stateAt).
      if (item.fullState) rooms.replaceState(roomId, item.fullState as unknown as JsonObject[], pos - 1, stayedJoined);
    }
    if (item.isState && rooms.upsertState(roomId, ev as unknown as JsonObject, pos)) replacedState = true;
    lastPos = pos;
    if (isBumpEvent(ev.type)) bumpPos = pos;
  }
  if (lastPos !== undefined) rooms.touch(roomId, lastPos, bumpPos);
  // Replaced state versions are kept only as far back as a /sync timeline can reach.
  const horizon = replacedState ? stream.nthLatestRoomEventPos(roomId, MAX_TIMELINE_LIMIT) : undefined;
  if (horizon !== undefined) rooms.pruneStatePrior(roomId, horizon);
  return notifying;
}
