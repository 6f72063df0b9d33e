import type { JsonObject, JsonValue } from "../json.js";

/**
 * Pushers and push gateway notifications (spec: Client-Server API "Push Notifications", pusher.yaml;
 * Push Gateway API, push_notifier.yaml). The rules here are pure; the UserDO stores pushers and
 * queues notifications (durable-objects/user/push/).
 */

/** The path every push gateway URL must have (pusher.yaml: data.url). */
export const PUSH_NOTIFY_PATH = "/_matrix/push/v1/notify";

/** A pusher as GET /pushers lists it and POST /pushers/set creates it. Only `http` pushers exist. */
export interface Pusher {
  pushkey: string;
  kind: "http";
  app_id: string;
  app_display_name: string;
  device_display_name: string;
  profile_tag?: string;
  lang: string;
  /** The client's data, with `url` (always an allowed push gateway URL) and optional `format`. */
  data: JsonObject & { url: string };
}

/** What a POST /pushers/set body asks for. */
export type PusherChange =
  | { action: "delete"; appId: string; pushkey: string }
  | { action: "set"; pusher: Pusher; append: boolean };

/** The notification format of a pusher: `event_id_only` (data.format) or everything. */
export type NotificationFormat = "full" | "event_id_only";

/** One entry of a notification's `devices` (push_notifier.yaml Device). */
export interface NotificationDevice {
  app_id: string;
  pushkey: string;
  /** When the pushkey was last set, in seconds (push_notifier.yaml: "unix timestamp (in seconds)"). */
  pushkey_ts: number;
  /** The pusher's data without `url` (pusher.yaml: servers forward everything but `url`). */
  data: JsonObject;
  /** The matched push rule's tweaks (sound, highlight); absent on badge-only pushes. */
  tweaks?: Record<string, JsonValue>;
}

/** The event a notification is about, as far as the gateway sees it. */
export interface NotifiedEvent {
  event_id: string;
  room_id: string;
  type: string;
  sender: string;
  state_key?: string;
  content: JsonObject;
}

/** Everything an event notification says besides its devices. */
export interface EventNotificationInput {
  event: NotifiedEvent;
  format: NotificationFormat;
  /** The recipient's user ID (for user_is_target). */
  userId: string;
  /** counts.unread: the recipient's unread notifications across their rooms. */
  unread: number;
  /** counts.missed_calls, when known. */
  missedCalls?: number;
  senderDisplayName?: string;
  roomName?: string;
  roomAlias?: string;
  /** The room has m.room.encryption: its content is never sent to the gateway. */
  roomEncrypted: boolean;
  /** The tweaks of the push rule that matched (for the priority). */
  tweaks: Record<string, JsonValue>;
}

/** How a push gateway answered one notify request. */
export type GatewayOutcome =
  | { kind: "delivered"; rejected: string[] }
  | { kind: "retry"; reason: string }
  | { kind: "dropped"; reason: string };
