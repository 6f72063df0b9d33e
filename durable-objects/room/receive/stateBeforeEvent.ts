import { stateKey, type PDU, type StateIdMap, type StateMap } from "../../../protocol/pdu.js";
import { authorizeEvent, authEventTypes } from "../../../protocol/authRules/index.js";
import { federationRequest } from "../../../federation-client/request.js";
import { isKnown, type RoomContext } from "../roomContext.js";
import { resolveStates } from "../resolveStates.js";
import { stateBeforePrevs, type StateBefore } from "../stateBefore.js";
import { storeOutliers } from "./outliers.js";
import { fetchEvent } from "./fetchEvents.js";

/**
 * The state an event's auth is checked against: the (type, state_key) pairs its auth rules read,
 * taken from `state`, plus the create event.
 */
export function authStateFrom(room: RoomContext, pdu: PDU, state: StateIdMap): StateMap {
  const { events } = room.stores;
  const map: StateMap = new Map();
  const create = state.get(stateKey("m.room.create", ""));
  const createEv = create ? events.getEvent(create) : undefined;
  if (createEv) map.set(stateKey("m.room.create", ""), createEv);
  for (const [type, key] of authEventTypes(pdu, room.version)) {
    const id = state.get(stateKey(type, key));
    const ev = id ? events.getEvent(id) : undefined;
    if (ev) map.set(stateKey(type, key), ev);
  }
  return map;
}

/**
 * The state after a prev event we did not have, learnt from the remote server: the state before
 * it (/state_ids) plus the event itself if it is a state event.
 */
async function fetchStateAfter(room: RoomContext, origin: string, prevId: string): Promise<StateIdMap | undefined> {
  const { events } = room.stores;
  let res: { pdu_ids?: unknown; auth_chain_ids?: unknown };
  try {
    res = await federationRequest(room.env, origin, "GET", `/_matrix/federation/v1/state_ids/${encodeURIComponent(room.roomId)}?event_id=${encodeURIComponent(prevId)}`);
  } catch {
    return undefined;
  }
  const ids = [...(Array.isArray(res.auth_chain_ids) ? res.auth_chain_ids : []), ...(Array.isArray(res.pdu_ids) ? res.pdu_ids : []), prevId].filter((x): x is string => typeof x === "string");
  const missing = ids.filter((id) => !isKnown(room, id));
  const fetched: unknown[] = [];
  for (const id of missing) {
    const ev = await fetchEvent(room, origin, id);
    if (ev) fetched.push(ev);
  }
  await storeOutliers(room, fetched);
  const state: StateIdMap = new Map();
  for (const id of Array.isArray(res.pdu_ids) ? res.pdu_ids : []) {
    const ev = typeof id === "string" ? events.getEvent(id) : undefined;
    if (!ev || ev.state_key === undefined || events.isRejected(ev.event_id)) continue;
    state.set(stateKey(ev.type, ev.state_key), ev.event_id);
  }
  const prev = events.getEvent(prevId);
  if (!prev) return undefined;
  if (prev.state_key !== undefined && !events.isRejected(prevId)) state.set(stateKey(prev.type, prev.state_key), prevId);
  return state;
}

/**
 * The state before an event: from its prev events when we hold them all with their state, else
 * asked of `origin` for each prev event we lack, and resolved. Undefined when it can't be learnt.
 */
export async function learnStateBefore(room: RoomContext, origin: string, pdu: PDU): Promise<StateBefore | undefined> {
  const { events } = room.stores;
  const known = stateBeforePrevs(events, room.version, pdu.prev_events);
  if (known) return known;
  const maps: StateIdMap[] = [];
  for (const prevId of pdu.prev_events) {
    const g = events.afterGroup(prevId);
    const m = g !== undefined ? events.stateAtGroup(g) : await fetchStateAfter(room, origin, prevId);
    if (!m) return undefined;
    maps.push(m);
  }
  const ids = resolveStates(events, room.version, maps);
  return { group: events.newStateGroup(null, ids), ids };
}

/**
 * Step 5 of "Checks performed on receipt of a PDU": the event is allowed by the state before it,
 * otherwise it is rejected. Returns why it fails, or undefined.
 */
export function authAgainstStateBefore(room: RoomContext, pdu: PDU, before: StateBefore): string | undefined {
  const verdict = authorizeEvent(pdu, authStateFrom(room, pdu, before.ids), room.version);
  return verdict.allowed ? undefined : verdict.reason;
}
