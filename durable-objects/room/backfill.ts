import type { PDU } from "../../protocol/pdu.js";
import { orderByPrevAndAuthEvents } from "../../protocol/authChainOrder.js";
import { federationRequest } from "../../federation-client/request.js";
import type { EventRow, EventStore } from "./eventStore.js";
import type { RoomContext } from "./roomContext.js";
import { checkFormatAndSignatures } from "./receive/checkReceived.js";
import { authAgainstAuthEvents } from "./receive/authEvents.js";
import { fetchMissingAuthEvents } from "./receive/fetchEvents.js";
import { indexForSearch } from "./storeEvent.js";

/**
 * The oldest event we hold in the timeline and the prev_events of it we lack, or undefined when
 * nothing is missing before it (it is the create event, or we hold all its predecessors).
 */
export function oldestHeldGap(events: EventStore): { first: EventRow; missing: string[] } | undefined {
  const first = events.firstInTimeline();
  if (!first) return undefined;
  const firstPdu = events.getEvent(first.event_id);
  const missing = (firstPdu?.prev_events ?? []).filter((id) => events.getRow(id)?.outlier !== 0);
  return missing.length > 0 ? { first, missing } : undefined;
}

/**
 * Spec: server-server "Backfilling" — fetch history older than our oldest event from the first
 * of `servers` that has some. Returns how many events were added.
 */
export async function backfillFromRemote(room: RoomContext, servers: string[], limit: number): Promise<number> {
  const gap = oldestHeldGap(room.stores.events);
  if (!gap) return 0;
  const { first, missing } = gap;
  for (const server of servers) {
    let pdus: unknown[];
    try {
      const q = missing.map((id) => `v=${encodeURIComponent(id)}`).join("&");
      const res = await federationRequest<{ pdus?: unknown[] }>(room.env, server, "GET", `/_matrix/federation/v1/backfill/${encodeURIComponent(room.roomId)}?${q}&limit=${limit}`);
      pdus = res.pdus ?? [];
    } catch {
      continue;
    }
    let added = 0;
    const checkedAll: PDU[] = [];
    for (const raw of pdus) {
      const checked = await checkFormatAndSignatures(room, raw);
      if ("error" in checked) continue;
      checkedAll.push(checked.pdu);
    }
    // Newest first, so each one lands just below the previous in ordering: the reverse of the
    // order by prev and auth events, which puts every event below the ones built on it (depth,
    // the sender's to set, could put an event above its successors).
    for (const pdu of orderByPrevAndAuthEvents(checkedAll).reverse()) {
      if (room.stores.events.getRow(pdu.event_id)?.outlier === 0) continue;
      if (pdu.auth_events.some((id) => !room.stores.events.getRow(id))) await fetchMissingAuthEvents(room, server, pdu);
      if (authAgainstAuthEvents(room, pdu)) continue;
      room.stores.atomically(() => indexForSearch(room.stores, room.stores.events.insertBackfilled(pdu, first.state_group), pdu));
      added++;
    }
    if (added > 0) return added;
  }
  return 0;
}
