import type { JsonObject } from "../../protocol/json.js";
import type { PDU } from "../../protocol/pdu.js";
import { notFound } from "../../platform/errors.js";
import type { RoomContext } from "./roomContext.js";
import { authChainOf, wireOf } from "./wire.js";

/**
 * What a room serves to the other servers in it (spec: server-server "Retrieving events",
 * "Backfilling and retrieving missing events"). The RoomDO checks first that the asking server
 * is in the room (and allowed by its ACL).
 */

/** GET /event/{eventId}. Rejected events are not served: we do not vouch for them. */
export function eventFor(room: RoomContext, eventId: string): JsonObject {
  const pdu = room.stores.events.getEvent(eventId);
  if (!pdu || room.stores.events.isRejected(eventId)) throw notFound("Event not found");
  return wireOf(room.version, pdu);
}

/** GET /state_ids and /state: the state before an event, and its auth chain. */
export function stateAt(room: RoomContext, eventId: string, idsOnly: boolean): JsonObject {
  const row = room.stores.events.getRow(eventId);
  // Spec: the state "prior to considering any state changes induced by the requested event".
  // Nothing comes before the create event, so that state is empty, and so is its auth chain; it
  // has no state group before it (and is an outlier in rooms joined over federation) all the same.
  if (row && row.type === "m.room.create" && row.state_key === "" && row.rejected === null) {
    return idsOnly ? { pdu_ids: [], auth_chain_ids: [] } : { pdus: [], auth_chain: [] };
  }
  if (!row || row.outlier || row.state_group === null) throw notFound("Event not found or its state is unknown");
  const stateIds = [...room.stores.events.stateAtGroup(row.state_group).values()];
  const chain = authChainOf(room.stores.events, stateIds);
  if (idsOnly) return { pdu_ids: stateIds, auth_chain_ids: chain.map((e) => e.event_id) };
  return {
    pdus: stateIds.map((id) => room.stores.events.getEvent(id)).filter((e): e is PDU => e !== undefined).map((e) => wireOf(room.version, e)),
    auth_chain: chain.map((e) => wireOf(room.version, e)),
  };
}

/** GET /event_auth/{roomId}/{eventId}. */
export function eventAuth(room: RoomContext, eventId: string): JsonObject {
  if (!room.stores.events.getEvent(eventId)) throw notFound("Event not found");
  return { auth_chain: authChainOf(room.stores.events, [eventId]).map((e) => wireOf(room.version, e)) };
}

/** GET /backfill: walking prev_events back from `from`, newest first. */
export function backfill(room: RoomContext, from: string[], limit: number): JsonObject[] {
  const out: PDU[] = [];
  const seen = new Set<string>();
  let frontier = from.filter((id) => room.stores.events.getEvent(id) !== undefined);
  while (frontier.length > 0 && out.length < limit) {
    const next: string[] = [];
    for (const id of frontier) {
      if (seen.has(id) || out.length >= limit) continue;
      seen.add(id);
      const ev = room.stores.events.getEvent(id);
      if (!ev) continue;
      out.push(ev);
      next.push(...ev.prev_events);
    }
    frontier = next;
  }
  return out.sort((a, b) => b.depth - a.depth).map((e) => wireOf(room.version, e));
}

/** POST /get_missing_events: the events between `earliest` and `latest`, oldest first. */
export function missingEvents(room: RoomContext, earliest: string[], latest: string[], limit: number, minDepth: number): JsonObject[] {
  const stop = new Set(earliest);
  const seen = new Set<string>(latest);
  const out: PDU[] = [];
  let frontier = latest.flatMap((id) => room.stores.events.getEvent(id)?.prev_events ?? []);
  while (frontier.length > 0 && out.length < limit) {
    const next: string[] = [];
    for (const id of frontier) {
      if (seen.has(id) || stop.has(id) || out.length >= limit) continue;
      seen.add(id);
      const ev = room.stores.events.getEvent(id);
      if (!ev || ev.depth < minDepth) continue;
      out.push(ev);
      next.push(...ev.prev_events);
    }
    frontier = next;
  }
  return out.sort((a, b) => a.depth - b.depth).map((e) => wireOf(room.version, e));
}
