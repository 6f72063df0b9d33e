/** Pushers and push gateway notifications (spec: Client-Server API "Push Notifications"; Push Gateway API). */
export * from "./types.js";
export * from "./errors.js";
export { parsePusherChange } from "./pusherChange.js";
export {
  notificationFormat,
  pushPriority,
  eventNotification,
  badgeNotification,
  notificationDevice,
  notifyRequestBody,
} from "./notification.js";
export {
  PUSH_RETRY_FIRST_MS,
  PUSH_RETRY_MAX_MS,
  PUSH_GIVE_UP_AFTER_MS,
  pushRetryDelayMs,
  gatewayOutcome,
} from "./gatewayAnswer.js";
