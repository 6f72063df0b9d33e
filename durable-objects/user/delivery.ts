import type { JsonObject } from "../../protocol/json.js";
import { evaluatePushRules } from "../../protocol/pushRules/index.js";
import type { PushRuleSet } from "../../protocol/pushRules/index.js";
import type { DeliveryItem } from "../../platform/rpc/delivery.js";
import type { StreamStore, StoredTimelineEvent } from "./streamStore.js";

/**
 * Takes what a RoomDO hands over (see platform/rpc/delivery.ts) into the user's stream and room copies.
 * Delivery is idempotent (a retried batch changes nothing), because the room retries after
 * failures until every member has its events.
 */
export function ingestRoomEvents(
  sql: SqlStorage,
  stream: StreamStore,
  userId: string,
  roomId: string,
  items: DeliveryItem[],
  rules: PushRuleSet,
  displayName: string | undefined,
): void {
  for (const item of items) {
    const ev = item.event;
    if (item.redacted) {
      // The stored copy of the redacted event loses its content, so later syncs never show it.
      stream.redactEvent(roomId, item.redacted);
      sql.exec("UPDATE room_state SET json = ? WHERE room_id = ? AND event_id = ?", JSON.stringify(item.redacted), roomId, item.redacted.event_id);
    }
    const dup = stream.hasEvent(roomId, ev.event_id);
    if (dup) continue;

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
      sql.exec(
        `INSERT INTO rooms (room_id, membership, membership_event_id, membership_pos, invite_state, forgotten)
         VALUES (?, ?, ?, ?, ?, 0)
         ON CONFLICT (room_id) DO UPDATE SET membership = excluded.membership, membership_event_id = excluded.membership_event_id,
           membership_pos = excluded.membership_pos, invite_state = excluded.invite_state, forgotten = 0`,
        roomId,
        item.membership,
        ev.event_id,
        pos,
        item.strippedState ? JSON.stringify(item.strippedState) : null,
      );
      if (item.fullState) {
        sql.exec("DELETE FROM room_state WHERE room_id = ?", roomId);
        for (const s of item.fullState) upsertState(sql, roomId, s as unknown as JsonObject, pos);
      }
    }
    if (item.isState) upsertState(sql, roomId, ev as unknown as JsonObject, pos);
  }
}

function upsertState(sql: SqlStorage, roomId: string, ev: JsonObject, pos: number): void {
  sql.exec(
    `INSERT INTO room_state (room_id, type, state_key, event_id, json, pos) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (room_id, type, state_key) DO UPDATE SET event_id = excluded.event_id, json = excluded.json, pos = excluded.pos`,
    roomId,
    String(ev.type),
    String(ev.state_key ?? ""),
    String(ev.event_id),
    JSON.stringify(ev),
    pos,
  );
}
