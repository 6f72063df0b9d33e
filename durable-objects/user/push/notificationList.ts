import type { JsonObject } from "../../../protocol/json.js";
import { eventForDevice } from "../streamData.js";
import type { NotificationStore } from "./notificationStore.js";

/** The most a page of GET /notifications holds, whatever `limit` asks. */
export const MAX_NOTIFICATIONS_PAGE = 100;

/**
 * GET /notifications (spec: notifications.yaml): the events the user was notified about, newest
 * first. `from` is the `next_token` of the page before (a stream position: the page holds what is
 * older); `next_token` is given only when more remain. `read` says whether the user's read
 * receipt in the room is at or after the event.
 */
export function listNotifications(store: NotificationStore, deviceId: string, from: number | undefined, limit: number, onlyHighlight: boolean): { notifications: JsonObject[]; next_token?: string } {
  const size = Math.min(Math.max(limit, 1), MAX_NOTIFICATIONS_PAGE);
  const rows = store.page(from ?? Number.MAX_SAFE_INTEGER, size + 1, onlyHighlight);
  const page = rows.slice(0, size);
  const notifications = page.map((n) => {
    // The spec's event here is a ClientEvent without room_id (the notification carries it).
    const { room_id: _roomId, ...event } = eventForDevice(n.stored, deviceId);
    return { actions: n.actions, event, read: n.pos <= n.readPos, room_id: n.roomId, ts: n.ts } as JsonObject;
  });
  return rows.length > size ? { notifications, next_token: String(page[page.length - 1].pos) } : { notifications };
}
