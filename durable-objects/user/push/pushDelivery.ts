import type { JsonObject, JsonValue } from "../../../protocol/json.js";
import {
  PUSH_GIVE_UP_AFTER_MS,
  badgeNotification,
  eventNotification,
  gatewayOutcome,
  notificationDevice,
  notifyRequestBody,
  pushRetryDelayMs,
  type GatewayOutcome,
  type NotificationFormat,
} from "../../../protocol/push/index.js";
import { outboundTargetProblem } from "../../../platform/ssrfGuard.js";
import { count, metricsEnabled } from "../../../platform/metrics.js";
import type { Env } from "../../../platform/env.js";
import { readConfig } from "../../../platform/env.js";
import type { NotifyingEvent } from "../delivery.js";
import type { StreamStore } from "../streamStore.js";
import type { RoomViewStore } from "../roomViewStore.js";
import type { PusherStore, StoredPusher } from "./pusherStore.js";
import type { PushQueueStore, QueuedPush } from "./pushQueueStore.js";

/** Gateway requests sent per alarm run; the rest wait for the next run, set at once. */
const BATCH = 50;
/** Gateway requests in flight at once (Workers allow six open connections per invocation). */
const PARALLEL = 6;
/** A gateway that does not answer within this is tried again later. */
const REQUEST_TIMEOUT_MS = 15_000;
/** A gateway's answer is read up to this size; only its `rejected` list matters. */
const MAX_ANSWER_BYTES = 65_536;

/** The user's pushers that share one gateway request: same URL, same format. */
interface GatewayGroup {
  url: string;
  format: NotificationFormat;
  pushers: StoredPusher[];
}

function byGateway(pushers: StoredPusher[]): GatewayGroup[] {
  const groups = new Map<string, GatewayGroup>();
  for (const p of pushers) {
    const key = `${p.format} ${p.url}`;
    const g = groups.get(key) ?? { url: p.url, format: p.format, pushers: [] };
    g.pushers.push(p);
    groups.set(key, g);
  }
  return [...groups.values()];
}

const keysOf = (pushers: StoredPusher[]): Array<[string, string]> => pushers.map((p) => [p.pusher.app_id, p.pusher.pushkey]);

function stringField(content: JsonValue | undefined, field: string): string | undefined {
  if (content === null || typeof content !== "object" || Array.isArray(content)) return undefined;
  const v = content[field];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * Push notifications for one user (spec: Client-Server API "Push Notifications", Push Gateway API):
 * when events notify the user or their read position moves, a request per gateway waits in the
 * user's push queue; the Durable Object's alarm sends it, never the request that caused it, and
 * retries failures with exponential backoff. Pushers of one gateway URL and format share a
 * request (the spec's `devices` is a list). A user without pushers costs one read of an empty table.
 */
export class PushDelivery {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
    private readonly pushers: PusherStore,
    private readonly queue: PushQueueStore,
    private readonly stream: StreamStore,
    private readonly rooms: RoomViewStore,
  ) {}

  /** Queues a push of each event (already in the stream) to every pusher of the user. */
  async queueEvents(userId: string, roomId: string, notifying: NotifyingEvent[]): Promise<void> {
    if (notifying.length === 0) return;
    const pushers = this.pushers.list();
    if (pushers.length === 0) return;
    const gateways = byGateway(pushers);
    const unread = this.stream.unreadNotificationsTotal();
    const room = this.roomFacts(roomId);
    const now = Date.now();
    this.storage.transactionSync(() => {
      for (const n of notifying) {
        const ev = n.event;
        for (const g of gateways) {
          const notification = eventNotification({
            event: { event_id: ev.event_id, room_id: roomId, type: ev.type, sender: ev.sender, content: ev.content, ...(ev.state_key !== undefined ? { state_key: ev.state_key } : {}) },
            format: g.format,
            userId,
            unread,
            senderDisplayName: n.senderDisplayName,
            roomName: room.name,
            roomAlias: room.alias,
            roomEncrypted: room.encrypted,
            tweaks: n.evaluation.tweaks,
          });
          this.queue.add(g.url, notification, keysOf(g.pushers), n.evaluation.tweaks, now);
        }
      }
      for (const p of pushers) this.pushers.setLastBadge(p.pusher.app_id, p.pusher.pushkey, unread);
    });
    await this.wake(now);
  }

  /**
   * After the user's read position moved: the gateways whose last count differs hear the new one,
   * with no event, so the phone's badge and notifications clear (as Synapse does).
   */
  async queueBadge(): Promise<void> {
    const pushers = this.pushers.list();
    if (pushers.length === 0) return;
    const unread = this.stream.unreadNotificationsTotal();
    const stale = pushers.filter((p) => p.lastBadge !== unread);
    if (stale.length === 0) return;
    const now = Date.now();
    this.storage.transactionSync(() => {
      for (const g of byGateway(stale)) this.queue.add(g.url, badgeNotification(unread), keysOf(g.pushers), undefined, now);
      for (const p of stale) this.pushers.setLastBadge(p.pusher.app_id, p.pusher.pushkey, unread);
    });
    await this.wake(now);
  }

  /** The alarm: sends the requests that are due, then sets the alarm for the next one. */
  async sendDue(): Promise<void> {
    const due = this.queue.due(Date.now(), BATCH);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < due.length) await this.send(due[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, due.length) }, worker));
    const after = this.queue.nextDue();
    if (after !== undefined) await this.storage.setAlarm(Math.max(after, Date.now()));
  }

  private async wake(due: number): Promise<void> {
    const current = await this.storage.getAlarm();
    if (current === null || current > due) await this.storage.setAlarm(due);
  }

  /** The room's name, alias and encryption, from the user's state copy, else an invite's stripped state. */
  private roomFacts(roomId: string): { name?: string; alias?: string; encrypted: boolean } {
    const stripped = this.rooms.inviteState(roomId);
    const content = (type: string): JsonValue | undefined =>
      this.rooms.stateEvent(roomId, type, "")?.content ?? stripped?.find((e) => e.type === type && e.state_key === "")?.content;
    return {
      name: stringField(content("m.room.name"), "name"),
      alias: stringField(content("m.room.canonical_alias"), "alias"),
      encrypted: content("m.room.encryption") !== undefined,
    };
  }

  /** One gateway request; its queue row goes once answered, or waits for its next attempt. */
  private async send(q: QueuedPush): Promise<void> {
    // A pusher deleted or moved to another gateway since this was queued is left out.
    const targets = this.pushers.find(q.pushers).filter((p) => p.url === q.url);
    const allowHosts = readConfig(this.env).pushAllowHosts;
    if (targets.length === 0 || !this.mayReach(q.url, allowHosts)) {
      this.queue.remove(q.id);
      return;
    }
    const devices = targets.map((p) => notificationDevice({ app_id: p.pusher.app_id, pushkey: p.pusher.pushkey, pushkeyTsMs: p.pushkeyTsMs, data: p.pusher.data }, q.tweaks));
    if (metricsEnabled(this.env)) {
      count("push.requests");
      count("push.devices", devices.length);
    }
    const outcome = await this.post(q.url, notifyRequestBody(q.notification, devices));
    if (outcome.kind === "delivered") {
      // Spec (push_notifier.yaml): homeservers must cease sending to rejected pushkeys.
      const rejected = new Set(outcome.rejected);
      for (const p of targets) if (rejected.has(p.pusher.pushkey)) this.pushers.delete(p.pusher.app_id, p.pusher.pushkey);
      this.queue.remove(q.id);
      return;
    }
    const failures = q.failures + 1;
    const at = Date.now() + pushRetryDelayMs(failures);
    if (outcome.kind === "dropped" || at - q.createdTs > PUSH_GIVE_UP_AFTER_MS) {
      console.warn(`push to ${new URL(q.url).host} given up: ${outcome.reason}`);
      this.queue.remove(q.id);
    } else {
      this.queue.retryAt(q.id, failures, at);
    }
  }

  /** Checked again at send time: the allowed hosts may have changed since the pusher was set. */
  private mayReach(url: string, allowHosts: readonly string[]): boolean {
    const u = new URL(url);
    if (outboundTargetProblem(u, allowHosts)) return false;
    return u.protocol === "https:" || allowHosts.includes(u.hostname.toLowerCase());
  }

  private async post(url: string, body: JsonObject): Promise<GatewayOutcome> {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        redirect: "manual",
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await res.text();
      let answer: unknown;
      try {
        answer = text.length <= MAX_ANSWER_BYTES ? JSON.parse(text) : undefined;
      } catch {
        answer = undefined;
      }
      return gatewayOutcome(res.status, answer);
    } catch (e) {
      return { kind: "retry", reason: e instanceof Error ? e.message : String(e) };
    }
  }
}
