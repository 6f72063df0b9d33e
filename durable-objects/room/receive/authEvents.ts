import { stateKey, type PDU, type StateMap } from "../../../protocol/pdu.js";
import { authorizeEvent, checkAuthEventsList, createEventIdOfRoom } from "../../../protocol/authRules/index.js";
import type { RoomContext } from "../roomContext.js";

/** The auth events of an event, keyed by (type, state_key), plus the create event for v12. */
function authMapOf(room: RoomContext, pdu: PDU): { map: StateMap; list: PDU[] } | undefined {
  const { events } = room.stores;
  const map: StateMap = new Map();
  const list: PDU[] = [];
  for (const id of pdu.auth_events) {
    const ev = events.getEvent(id);
    if (!ev) return undefined;
    list.push(ev);
    map.set(stateKey(ev.type, ev.state_key ?? ""), ev);
  }
  const createId = room.version.roomIdIsCreateEventHash ? createEventIdOfRoom(room.roomId) : undefined;
  if (createId && pdu.type !== "m.room.create") {
    const create = events.getEvent(createId);
    if (create) map.set(stateKey("m.room.create", ""), create);
  }
  return { map, list };
}

/**
 * Step 4 of "Checks performed on receipt of a PDU": the event is allowed by its own auth events,
 * none of them rejected, otherwise it is rejected. Returns why it fails, or undefined.
 */
export function authAgainstAuthEvents(room: RoomContext, pdu: PDU): string | undefined {
  const auth = authMapOf(room, pdu);
  if (!auth) return "auth events missing";
  if (auth.list.some((e) => room.stores.events.isRejected(e.event_id))) return "an auth event was rejected";
  const listCheck = checkAuthEventsList(pdu, auth.list, room.version);
  if (!listCheck.allowed) return listCheck.reason;
  const verdict = authorizeEvent(pdu, auth.map, room.version);
  return verdict.allowed ? undefined : verdict.reason;
}
