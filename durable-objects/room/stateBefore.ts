import type { StateIdMap } from "../../protocol/pdu.js";
import type { RoomVersion } from "../../protocol/roomVersions.js";
import type { EventStore } from "./eventStore.js";
import { resolveStates } from "./resolveStates.js";

/** The room state before an event: its state group (null before the create event) and the map. */
export interface StateBefore {
  group: number | null;
  ids: StateIdMap;
}

/**
 * The room state before an event with these prev_events: the state after the single prev
 * event, or the resolution of the states after each of them when branches meet.
 * Undefined when a prev event is missing or an outlier.
 */
export function stateBeforePrevs(events: EventStore, version: RoomVersion, prevIds: string[]): StateBefore | undefined {
  if (prevIds.length === 0) return { group: null, ids: new Map() };
  const groups: number[] = [];
  for (const id of prevIds) {
    const g = events.afterGroup(id);
    if (g === undefined) return undefined;
    if (!groups.includes(g)) groups.push(g);
  }
  if (groups.length === 1) return { group: groups[0], ids: events.stateAtGroup(groups[0]) };
  const ids = resolveStates(events, version, groups.map((g) => events.stateAtGroup(g)));
  return { group: events.newStateGroup(null, ids), ids };
}
