import type { JsonObject } from "../../../protocol/json.js";
import type { Pusher } from "../../../protocol/push/index.js";
import type { Env } from "../../../platform/env.js";
import type { NotifyingEvent } from "../delivery.js";
import type { StreamStore } from "../streamStore.js";
import type { RoomViewStore } from "../roomViewStore.js";
import { PusherStore } from "./pusherStore.js";
import { PushQueueStore } from "./pushQueueStore.js";
import { NotificationStore } from "./notificationStore.js";
import { PushDelivery } from "./pushDelivery.js";
import { listNotifications } from "./notificationList.js";

/**
 * A user's push notifications: their pushers (one per app_id and pushkey, each tied to the device
 * that set it), the list GET /notifications pages through, and the queue to the push gateways
 * (pushDelivery.ts). The UserDO forwards to it.
 */
export class UserPush {
  private readonly notifications: NotificationStore;
  private readonly pushers: PusherStore;
  private readonly delivery: PushDelivery;

  constructor(storage: DurableObjectStorage, env: Env, stream: StreamStore, rooms: RoomViewStore) {
    this.pushers = new PusherStore(storage.sql);
    this.notifications = new NotificationStore(storage.sql);
    this.delivery = new PushDelivery(storage, env, this.pushers, new PushQueueStore(storage.sql), stream, rooms);
  }

  setPusher(deviceId: string, pusher: Pusher): void {
    this.pushers.upsert(pusher, deviceId, Date.now());
  }

  deletePusher(appId: string, pushkey: string): void {
    this.pushers.delete(appId, pushkey);
  }

  listPushers(): Pusher[] {
    return this.pushers.list().map((p) => p.pusher);
  }

  /** After devices were deleted (logout, device deletion, password change): their pushers go too. */
  dropGoneDevices(): void {
    this.pushers.deleteForGoneDevices();
  }

  listNotifications(deviceId: string, from: number | undefined, limit: number, onlyHighlight: boolean): { notifications: JsonObject[]; next_token?: string } {
    return listNotifications(this.notifications, deviceId, from, limit, onlyHighlight);
  }

  /** Lists events that notify the user for GET /notifications, in the transaction that put them in the stream. */
  recordNotifications(roomId: string, notifying: NotifyingEvent[]): void {
    const now = Date.now();
    for (const n of notifying) this.notifications.add(n.pos, roomId, n.evaluation.actions ?? [], n.evaluation.highlight, now);
  }

  /** After that transaction: each event is pushed to every pusher. */
  async eventsNotified(userId: string, roomId: string, notifying: NotifyingEvent[]): Promise<void> {
    await this.delivery.queueEvents(userId, roomId, notifying);
  }

  /** The user's read position moved: the gateways hear the new unread count. */
  async readPositionMoved(): Promise<void> {
    await this.delivery.queueBadge();
  }

  /** The Durable Object's alarm: sends what is due. */
  async alarm(): Promise<void> {
    await this.delivery.sendDue();
  }
}
