import type { JsonObject } from "../../protocol/json.js";
import type { PDU } from "../../protocol/pdu.js";
import { notFound } from "../../platform/errors.js";
import { type RoomAccess, authChainOf, wireOf } from "./federation.js";

/**
 * What a room serves to the other servers in it (spec: server-server "Retrieving events",
 * "Backfilling and retrieving missing events"). The RoomDO checks first that the asking server
 * is in the room (and allowed by its ACL).
 */

/** GET /event/{eventId}. Rejected events are not served: we do not vouch for them. */
export function eventFor(room: RoomAccess, eventId: string): JsonObject {
  const pdu = room.store.getEvent(eventId);
  if (!pdu || room.store.isRejected(eventId)) throw notFound("Event not found");
  return wireOf(room, pdu);
}

/** GET /state_ids and /state: the state before an event, and its auth chain. */
export function stateAt(room: RoomAccess, eventId: string, idsOnly: boolean): JsonObject {
  const row = room.store.getRow(eventId);
  if (!row || row.outlier || row.state_group === null) throw notFound("Event not found or its state is unknown");
  const stateIds = [...room.store.stateAtGroup(row.state_group).values()];
  const chain = authChainOf(room, stateIds);
  if (idsOnly) return { pdu_ids: stateIds, auth_chain_ids: chain.map((e) => e.event_id) };
  return {
    pdus: stateIds.map((id) => room.store.getEvent(id)).filter((e): e is PDU => e !== undefined).map((e) => wireOf(room, e)),
    auth_chain: chain.map((e) => wireOf(room, e)),
  };
}

/** GET /event_auth/{roomId}/{eventId}. */
export function eventAuth(room: RoomAccess, eventId: string): JsonObject {
  if (!room.store.getEvent(eventId)) throw notFound("Event not found");
  return { auth_chain: authChainOf(room, [eventId]).map((e) => wireOf(room, e)) };
}

/** GET /backfill: walking prev_events back from `from`, newest first. */
export function backfill(room: RoomAccess, from: string[], limit: number): JsonObject[] {
  const out: PDU[] = [];
  const seen = new Set<string>();
  let frontier = from.filter((id) => room.store.getEvent(id) !== undefined);
  while (frontier.length > 0 && out.length < limit) {
    const next: string[] = [];
    for (const id of frontier) {
      if (seen.has(id) || out.length >= limit) continue;
      seen.add(id);
      const ev = room.store.getEvent(id);
      if (!ev) continue;
      out.push(ev);
      next.push(...ev.prev_events);
    }
    frontier = next;
  }
  return out.sort((a, b) => b.depth - a.depth).map((e) => wireOf(room, e));
}

/** POST /get_missing_events: the events between `earliest` and `latest`, oldest first. */
export function missingEvents(room: RoomAccess, earliest: string[], latest: string[], limit: number, minDepth: number): JsonObject[] {
  const stop = new Set(earliest);
  const seen = new Set<string>(latest);
  const out: PDU[] = [];
  let frontier = latest.flatMap((id) => room.store.getEvent(id)?.prev_events ?? []);
  while (frontier.length > 0 && out.length < limit) {
    const next: string[] = [];
    for (const id of frontier) {
      if (seen.has(id) || stop.has(id) || out.length >= limit) continue;
      seen.add(id);
      const ev = room.store.getEvent(id);
      if (!ev || ev.depth < minDepth) continue;
      out.push(ev);
      next.push(...ev.prev_events);
    }
    frontier = next;
  }
  return out.sort((a, b) => a.depth - b.depth).map((e) => wireOf(room, e));
}
