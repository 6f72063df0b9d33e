import type { StateIdMap } from "../../protocol/pdu.js";
import type { RoomVersion } from "../../protocol/roomVersions.js";
import { resolveState } from "../../protocol/stateResolution/index.js";
import type { EventStore } from "./eventStore.js";

/**
 * The state where several branches of the room's graph meet (at a new event's prev_events, or at
 * the forward extremities): the spec's state resolution over the events this room holds, where an
 * event we rejected never counts. A single state map is already resolved.
 */
export function resolveStates(store: EventStore, version: RoomVersion, stateSets: StateIdMap[]): StateIdMap {
  if (stateSets.length === 1) return stateSets[0];
  return resolveState(version, stateSets, (id) => store.getEvent(id), { isRejected: (id) => store.isRejected(id) });
}
