/**
 * The RPC contract of AppServiceDO (one per application service, `idFromName(serviceId)`): the
 * queue of events pushed to the service in transactions (spec: application-service-api
 * "Pushing events"). Callers reach it through appserviceStub (platform/stubs.ts).
 */
import type { JsonObject } from "../../protocol/json.js";

/** The queue to one service: what waits, what is in flight, when the next retry is. */
export interface AppServiceQueueStatus {
  serviceId: string;
  queuedEvents: number;
  inFlightTxn?: string;
  failures: number;
  retryAt?: number;
}

export interface AppServiceRpc {
  /** Queues client-format events for the service, in order, and starts sending. */
  queueEvents(events: JsonObject[]): Promise<void>;
  /** The state of the queue (tests and operators). */
  status(): Promise<AppServiceQueueStatus>;
}
