import type { StateIdMap, StateMap } from "../../protocol/pdu.js";
import { joinedServers } from "../../protocol/membership.js";
import type { EventStore } from "./eventStore.js";

const MEMBER_PREFIX = "m.room.member\u0000";

/**
 * The servers "in the room" at a state (spec: a server with at least one joined member), sorted.
 * Only the member events are loaded: nothing else in the state decides it.
 */
export function serversInState(store: EventStore, state: StateIdMap): string[] {
  const members: StateMap = new Map();
  for (const [key, id] of state) {
    if (!key.startsWith(MEMBER_PREFIX)) continue;
    const ev = store.getEvent(id);
    if (ev) members.set(key, ev);
  }
  return joinedServers(members).sort();
}
