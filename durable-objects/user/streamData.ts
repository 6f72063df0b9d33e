import type { JsonObject } from "../../protocol/json.js";
import type { StoredTimelineEvent } from "./streamStore.js";

/** Shapes shared by /sync and sliding sync for data read back from the user's stream. */

/** Account data entries of the stream: only the latest of each type counts. */
export function dedupeByType(events: JsonObject[]): JsonObject[] {
  const m = new Map<string, JsonObject>();
  for (const e of events) m.set(String(e.type), e);
  return [...m.values()];
}

/** Merges receipt EDU contents, keeping each user's latest receipt per type and thread. */
export function mergeReceipts(contents: JsonObject[]): JsonObject {
  const latest = new Map<string, [string, string, string, JsonObject]>();
  for (const c of contents) {
    for (const [eventId, byType] of Object.entries(c)) {
      for (const [type, byUser] of Object.entries(byType as JsonObject)) {
        for (const [user, receipt] of Object.entries(byUser as JsonObject)) {
          const r = receipt as JsonObject;
          latest.set(`${type}\u0000${user}\u0000${String(r.thread_id ?? "")}`, [eventId, type, user, r]);
        }
      }
    }
  }
  const out: Record<string, Record<string, Record<string, JsonObject>>> = {};
  for (const [eventId, type, user, r] of latest.values()) ((out[eventId] ??= {})[type] ??= {})[user] = r;
  return out as unknown as JsonObject;
}

/** A stored room event as one device sees it: its own sends carry their transaction ID (spec: unsigned.transaction_id). */
export function eventForDevice(stored: StoredTimelineEvent, deviceId: string): JsonObject {
  const out = { ...stored.event } as unknown as JsonObject;
  if (stored.txn && stored.txn.deviceId === deviceId) out.unsigned = { ...((stored.event.unsigned ?? {}) as JsonObject), transaction_id: stored.txn.txnId };
  return out;
}
