import { isJsonObject } from "../json.js";
import type { GatewayOutcome } from "./types.js";

/**
 * Retrying a push gateway (push-gateway-api.md, "Homeserver behaviour": on an HTTP error "the
 * homeserver SHOULD retry for a reasonable amount of time using exponential backoff").
 */
export const PUSH_RETRY_FIRST_MS = 1000;
/** Backoff stops growing at an hour, so a gateway that comes back is used again within the hour. */
export const PUSH_RETRY_MAX_MS = 60 * 60 * 1000;
/** After a day of failures a notification is stale; it is dropped rather than delivered late. */
export const PUSH_GIVE_UP_AFTER_MS = 24 * 60 * 60 * 1000;

/** The wait before the next attempt after `failures` (≥ 1) failed ones: 1 s, 2 s, 4 s, … up to an hour. */
export function pushRetryDelayMs(failures: number): number {
  if (!(failures >= 1)) return PUSH_RETRY_FIRST_MS;
  // 2 ** n is Infinity for large n, which Math.min caps like any other large value.
  return Math.min(PUSH_RETRY_FIRST_MS * 2 ** (Math.floor(failures) - 1), PUSH_RETRY_MAX_MS);
}

/**
 * What a gateway's answer to /notify means. 2xx: delivered, with the pushkeys it `rejected` (the
 * homeserver must remove those pushers). 408, 429 and 5xx: the gateway is busy or down, try again
 * later. Anything else (400, 404, …) is a permanent refusal of this request: sending it again
 * cannot help, so it is dropped.
 */
export function gatewayOutcome(status: number, body: unknown): GatewayOutcome {
  if (status >= 200 && status < 300) {
    const rejected = isJsonObject(body) && Array.isArray(body.rejected) ? body.rejected : [];
    return { kind: "delivered", rejected: rejected.filter((k): k is string => typeof k === "string") };
  }
  if (status === 408 || status === 429 || (status >= 500 && status < 600)) {
    return { kind: "retry", reason: `push gateway answered HTTP ${status}` };
  }
  return { kind: "dropped", reason: `push gateway refused the notification with HTTP ${status}` };
}
