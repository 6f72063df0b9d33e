import type { PDU } from "../../protocol/pdu.js";
import type { EventStore } from "./eventStore.js";

/** Most prev_events a new event points at. */
const MAX_PREV_EVENTS = 10;

/**
 * The events a new event of this server builds on (its prev_events): the room's forward
 * extremities, deepest first and by event ID among equals, so the choice is the same every time.
 */
export function prevEventsForNew(events: EventStore): PDU[] {
  return events
    .forwardExtremities()
    .map((id) => events.getEvent(id))
    .filter((e): e is PDU => e !== undefined)
    .sort((a, b) => b.depth - a.depth || (a.event_id < b.event_id ? -1 : 1))
    .slice(0, MAX_PREV_EVENTS);
}
