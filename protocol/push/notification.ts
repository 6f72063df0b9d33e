import { setOwn, type JsonObject, type JsonValue } from "../json.js";
import type { EventNotificationInput, NotificationDevice, NotificationFormat } from "./types.js";

/** pusher.yaml data.format: only "event_id_only" has a meaning; anything else means everything. */
export function notificationFormat(data: JsonObject): NotificationFormat {
  return data.format === "event_id_only" ? "event_id_only" : "full";
}

/**
 * Event types that are someone talking to the user, worth waking a phone for. Polls count: they
 * are messages too. m.room.encrypted is here because its real type is hidden and it is almost
 * always a message.
 */
const HIGH_PRIORITY_TYPES: ReadonlySet<string> = new Set([
  "m.room.message",
  "m.room.encrypted",
  "m.call.invite",
  "m.sticker",
  "m.poll.start",
  "org.matrix.msc3381.poll.start",
]);

/**
 * The notification's `prio`. push_notifier.yaml: gateways may deliver `low` notifications "in a
 * way that will preserve battery power" (batched, not waking the device). Synapse sends `high`
 * for encrypted events and for anything whose push rule asks for a sound or a highlight; we add
 * plain messages (and calls, stickers, polls) so that unencrypted chats ring promptly as well.
 * Everything else — joins, topic changes — can wait.
 */
export function pushPriority(eventType: string, tweaks: Record<string, JsonValue>): "high" | "low" {
  if (HIGH_PRIORITY_TYPES.has(eventType)) return "high";
  if (tweaks.sound || tweaks.highlight) return "high";
  return "low";
}

/** push_notifier.yaml Counts. */
function notificationCounts(unread: number, missedCalls: number | undefined): JsonObject {
  const counts: JsonObject = { unread };
  // "Counts whose value is zero should be omitted" — but `unread` stays even at zero: it is the
  // badge, and a gateway that is not told 0 never clears it (Synapse sends it the same way).
  if (missedCalls !== undefined && missedCalls !== 0) counts.missed_calls = missedCalls;
  return counts;
}

/**
 * The `notification` object of a /notify request about one event, without `devices`
 * (push-gateway-api.md, push_notifier.yaml). With `event_id_only` only the ids, priority and
 * counts go out — the gateway's app fetches the rest itself over an authenticated connection.
 */
export function eventNotification(input: EventNotificationInput): JsonObject {
  const { event } = input;
  const prio = pushPriority(event.type, input.tweaks);
  const counts = notificationCounts(input.unread, input.missedCalls);
  if (input.format === "event_id_only") {
    return { event_id: event.event_id, room_id: event.room_id, prio, counts };
  }
  const n: JsonObject = { event_id: event.event_id, room_id: event.room_id, type: event.type, sender: event.sender };
  if (input.senderDisplayName !== undefined) n.sender_display_name = input.senderDisplayName;
  if (input.roomName !== undefined) n.room_name = input.roomName;
  if (input.roomAlias !== undefined) n.room_alias = input.roomAlias;
  n.prio = prio;
  // The content of an encrypted room never leaves the homeserver for a third party: in such a
  // room a plaintext event (a state change, a reaction) could still say who did what, and a
  // ciphertext is of no use to the gateway.
  if (!input.roomEncrypted && event.type !== "m.room.encrypted") n.content = event.content;
  if (event.type === "m.room.member" && event.state_key !== undefined) {
    // Synapse sends membership; Sygnal uses it with user_is_target to say "X invited you".
    const membership = event.content.membership;
    if (typeof membership === "string") n.membership = membership;
    n.user_is_target = event.state_key === input.userId;
  }
  n.counts = counts;
  return n;
}

/**
 * The `notification` of a push that only updates the app's badge (after the user read something
 * on another device). push_notifier.yaml lets event_id and room_id be omitted for these. Synapse
 * sends empty event fields (id "", sender "", type null); we send the counts alone, which is what
 * the spec describes. No prio, as Synapse: the gateway then assumes `high` (push_notifier.yaml),
 * so a badge cleared on another device clears on the phone promptly.
 */
export function badgeNotification(unread: number): JsonObject {
  return { counts: { unread } };
}

/**
 * One entry of `devices` for a pusher. The data is the pusher's minus `url` (pusher.yaml: servers
 * forward the entire content, `format` and custom keys included, except `url`).
 */
export function notificationDevice(
  p: { app_id: string; pushkey: string; pushkeyTsMs: number; data: JsonObject },
  tweaks?: Record<string, JsonValue>,
): NotificationDevice {
  const data: JsonObject = {};
  for (const [key, value] of Object.entries(p.data)) {
    if (key !== "url") setOwn(data, key, value);
  }
  const device: NotificationDevice = {
    app_id: p.app_id,
    pushkey: p.pushkey,
    // push_notifier.yaml: "The unix timestamp (in seconds)".
    pushkey_ts: Math.floor(p.pushkeyTsMs / 1000),
    data,
  };
  if (tweaks !== undefined && Object.keys(tweaks).length > 0) device.tweaks = tweaks;
  return device;
}

/** The body of POST /_matrix/push/v1/notify. */
export function notifyRequestBody(notification: JsonObject, devices: NotificationDevice[]): JsonObject {
  return { notification: { ...notification, devices: devices.map(deviceJson) } };
}

/** NotificationDevice as a JsonObject (its optional tweaks must not appear as undefined). */
function deviceJson(d: NotificationDevice): JsonObject {
  const o: JsonObject = { app_id: d.app_id, pushkey: d.pushkey, pushkey_ts: d.pushkey_ts, data: d.data };
  if (d.tweaks !== undefined) o.tweaks = d.tweaks;
  return o;
}
