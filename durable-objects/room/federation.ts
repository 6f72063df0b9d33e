import type { Env } from "../../platform/env.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { stateKey, type PDU, type StateIdMap, type StateMap } from "../../protocol/pdu.js";
import type { RoomVersion } from "../../protocol/roomVersions.js";
import { authorizeEvent, authEventTypes, checkAuthEventsList, createEventIdOfRoom } from "../../protocol/authRules/index.js";
import { fromWireFormat, toWireFormat } from "../../protocol/wireFormat.js";
import { checkContentHash, computeEventId } from "../../protocol/eventHashing.js";
import { redact } from "../../protocol/redact.js";
import { federationRequest } from "../../federation-client/request.js";
import type { EventStore } from "./eventStore.js";
import { resolveStates } from "./resolveStates.js";
import { verifyPduSignatures } from "../../federation-client/verifyPdu.js";
import { orderByAuthEvents, type AuthOrderItem } from "../../protocol/authChainOrder.js";

/**
 * Receiving room events from other servers (spec: server-server "Checks performed on receipt of
 * a PDU", "Retrieving events", "Joining rooms") and serving them. The RoomDO hands this code a
 * narrow view of itself, so the rules here read in the spec's order without the object's plumbing.
 */

export interface StateBefore {
  group: number | null;
  ids: StateIdMap;
}

export interface RoomAccess {
  env: Env;
  store: EventStore;
  roomId: string;
  version: RoomVersion;
  serverName: string;
  ownKey: { serverName: string; keyId: string; publicKey: Uint8Array };
  stateBeforePrevs(prevIds: string[]): StateBefore | undefined;
  /** Stores an accepted (or soft-failed) event with its state; returns its ordering. */
  persist(pdu: PDU, before: StateBefore, softFailed: boolean, existingOutlier: boolean): number;
  transaction<T>(f: () => T): T;
  kickFanout(): void;
}

/** Depth of fetching missing history per incoming event, so one event can't make us walk forever. */
const MAX_FETCH_DEPTH = 3;
const MISSING_EVENTS_LIMIT = 20;

function isKnown(room: RoomAccess, eventId: string): boolean {
  return room.store.getRow(eventId) !== undefined;
}

function isFull(room: RoomAccess, eventId: string): boolean {
  const row = room.store.getRow(eventId);
  return row !== undefined && row.outlier === 0;
}

/**
 * Steps 1–3 of the receipt checks: format, signatures, content hash (redact on mismatch). An
 * event dropped for its signatures still reports its ID, so a transaction's reply can name it.
 */
export async function checkFormatAndSignatures(room: RoomAccess, raw: unknown, parsed?: PDU): Promise<{ pdu: PDU } | { error: string; eventId?: string }> {
  let pdu: PDU;
  try {
    // `parsed`: the caller already ran fromWireFormat on `raw` (computing an event ID hashes it).
    pdu = parsed ?? (await fromWireFormat(raw, room.version));
  } catch (e) {
    // Still name the event when its ID can be computed (a float in a message's content is
    // outside the redacted form the ID is hashed from), so a transaction's reply lists it.
    const eventId = isJsonObject(raw) ? await computeEventId(raw, room.version).catch(() => undefined) : undefined;
    return { error: `malformed event: ${e instanceof Error ? e.message : String(e)}`, eventId };
  }
  if (pdu.room_id !== undefined && pdu.room_id !== room.roomId) return { error: "event is for another room", eventId: pdu.event_id };
  const sigError = await verifyPduSignatures(room.env, pdu, room.version, room.ownKey);
  if (sigError) return { error: sigError, eventId: pdu.event_id };
  if (!(await checkContentHash(raw as object, room.version))) pdu = redact(pdu, room.version);
  return { pdu };
}

/** The auth events of an event, keyed by (type, state_key), plus the create event for v12. */
function authMapOf(room: RoomAccess, pdu: PDU): { map: StateMap; list: PDU[] } | undefined {
  const map: StateMap = new Map();
  const list: PDU[] = [];
  for (const id of pdu.auth_events) {
    const ev = room.store.getEvent(id);
    if (!ev) return undefined;
    list.push(ev);
    map.set(stateKey(ev.type, ev.state_key ?? ""), ev);
  }
  const createId = room.version.roomIdIsCreateEventHash ? createEventIdOfRoom(room.roomId) : undefined;
  if (createId && pdu.type !== "m.room.create") {
    const create = room.store.getEvent(createId);
    if (create) map.set(stateKey("m.room.create", ""), create);
  }
  return { map, list };
}

/** Step 4: the event must be allowed by its own auth events, none of them rejected. */
export function authAgainstAuthEvents(room: RoomAccess, pdu: PDU): string | undefined {
  const auth = authMapOf(room, pdu);
  if (!auth) return "auth events missing";
  if (auth.list.some((e) => room.store.isRejected(e.event_id))) return "an auth event was rejected";
  const listCheck = checkAuthEventsList(pdu, auth.list, room.version);
  if (!listCheck.allowed) return listCheck.reason;
  const verdict = authorizeEvent(pdu, auth.map, room.version);
  return verdict.allowed ? undefined : verdict.reason;
}

function authStateFrom(room: RoomAccess, pdu: PDU, state: StateIdMap): StateMap {
  const map: StateMap = new Map();
  const create = state.get(stateKey("m.room.create", ""));
  const createEv = create ? room.store.getEvent(create) : undefined;
  if (createEv) map.set(stateKey("m.room.create", ""), createEv);
  for (const [type, key] of authEventTypes(pdu, room.version)) {
    const id = state.get(stateKey(type, key));
    const ev = id ? room.store.getEvent(id) : undefined;
    if (ev) map.set(stateKey(type, key), ev);
  }
  return map;
}

/** Stores an event we can't place in the timeline yet (auth chain, fetched state), after checking it. */
async function storeOutlier(room: RoomAccess, raw: unknown, parsed?: PDU): Promise<PDU | undefined> {
  const checked = await checkFormatAndSignatures(room, raw, parsed);
  if ("error" in checked) return undefined;
  const pdu = checked.pdu;
  if (isKnown(room, pdu.event_id)) return room.store.getEvent(pdu.event_id);
  const reason = authAgainstAuthEvents(room, pdu);
  room.transaction(() => room.store.insertEvent(pdu, { outlier: true, rejected: reason }));
  return pdu;
}

/**
 * Stores a batch of outliers each after the events it cites as auth events (never by depth,
 * which the sender sets), so each one's auth events are stored before it is checked. Events
 * that don't parse go last; storing them reports nothing and stores nothing.
 */
export async function storeOutliers(room: RoomAccess, raws: unknown[]): Promise<void> {
  const parsed: Array<AuthOrderItem & { raw: unknown; pdu: PDU }> = [];
  const unparsed: unknown[] = [];
  const createId = room.version.roomIdIsCreateEventHash ? createEventIdOfRoom(room.roomId) : undefined;
  for (const raw of raws) {
    const pdu = await fromWireFormat(raw, room.version).catch(() => undefined);
    if (!pdu) {
      unparsed.push(raw);
      continue;
    }
    // From v12 every event stands on the create event through its room ID, not its auth_events.
    const implicit = createId && pdu.type !== "m.room.create" ? [createId] : [];
    parsed.push({ event_id: pdu.event_id, auth_events: [...implicit, ...pdu.auth_events], depth: pdu.depth, raw, pdu });
  }
  for (const item of orderByAuthEvents(parsed)) await storeOutlier(room, item.raw, item.pdu);
  for (const raw of unparsed) await storeOutlier(room, raw);
}

function depthOf(raw: unknown): number {
  return isJsonObject(raw) && typeof raw.depth === "number" ? raw.depth : 0;
}

async function fetchEvent(room: RoomAccess, origin: string, eventId: string): Promise<unknown | undefined> {
  try {
    const res = await federationRequest<{ pdus?: unknown[] }>(room.env, origin, "GET", `/_matrix/federation/v1/event/${encodeURIComponent(eventId)}`);
    return res.pdus?.[0];
  } catch {
    return undefined;
  }
}

/** How many auth events one incoming event may make us fetch one at a time. */
const MAX_AUTH_EVENTS_FETCHED = 50;

/**
 * Fetches missing auth events with GET /event, one at a time, following their own missing auth
 * events, for servers that don't answer /event_auth. An event that comes back under another ID
 * than the one asked for is still checked and stored under its own ID, but not followed.
 */
async function fetchAuthEventsOneByOne(room: RoomAccess, origin: string, ids: string[]): Promise<void> {
  const fetched = new Map<string, unknown>();
  const asked = new Set<string>();
  const queue = ids.filter((id) => !isKnown(room, id));
  while (queue.length > 0 && asked.size < MAX_AUTH_EVENTS_FETCHED) {
    const id = queue.shift() as string;
    if (asked.has(id) || isKnown(room, id)) continue;
    asked.add(id);
    const raw = await fetchEvent(room, origin, id);
    const pdu = raw === undefined ? undefined : await fromWireFormat(raw, room.version).catch(() => undefined);
    if (!pdu) continue;
    fetched.set(pdu.event_id, raw);
    if (pdu.event_id !== id) continue;
    for (const a of pdu.auth_events) if (!isKnown(room, a) && !asked.has(a)) queue.push(a);
  }
  await storeOutliers(room, [...fetched.values()]);
}

/**
 * Fetches and stores the auth events we lack for an event (spec: "Checks performed on receipt
 * of a PDU", step 4 needs them): its auth chain from /event_auth, then whatever is still missing
 * one event at a time.
 */
export async function fetchMissingAuthEvents(room: RoomAccess, origin: string, pdu: PDU): Promise<void> {
  await fetchAuthChain(room, origin, pdu.event_id);
  const stillMissing = pdu.auth_events.filter((id) => !isKnown(room, id));
  if (stillMissing.length > 0) await fetchAuthEventsOneByOne(room, origin, stillMissing);
}

/** Fetches and stores the auth chain of an event whose auth events we lack. */
export async function fetchAuthChain(room: RoomAccess, origin: string, eventId: string): Promise<void> {
  try {
    const res = await federationRequest<{ auth_chain?: unknown[] }>(
      room.env,
      origin,
      "GET",
      `/_matrix/federation/v1/event_auth/${encodeURIComponent(room.roomId)}/${encodeURIComponent(eventId)}`,
    );
    await storeOutliers(room, res.auth_chain ?? []);
  } catch {
    // The auth check that follows reports what is still missing.
  }
}

/**
 * The state after a prev event we did not have, learnt from the remote server: the state before
 * it (/state_ids) plus the event itself if it is a state event.
 */
async function fetchStateAfter(room: RoomAccess, origin: string, prevId: string): Promise<StateIdMap | undefined> {
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
    const ev = typeof id === "string" ? room.store.getEvent(id) : undefined;
    if (!ev || ev.state_key === undefined || room.store.isRejected(ev.event_id)) continue;
    state.set(stateKey(ev.type, ev.state_key), ev.event_id);
  }
  const prev = room.store.getEvent(prevId);
  if (!prev) return undefined;
  if (prev.state_key !== undefined && !room.store.isRejected(prevId)) state.set(stateKey(prev.type, prev.state_key), prevId);
  return state;
}

export interface ReceiveResult {
  eventId?: string;
  error?: string;
}

/**
 * Takes one PDU from a remote server through every check, in the spec's order, fetching missing
 * history from `origin` where needed, and stores it (accepted, soft-failed or rejected).
 */
export async function receivePdu(room: RoomAccess, origin: string, raw: unknown, fetchDepth = MAX_FETCH_DEPTH): Promise<ReceiveResult> {
  const checked = await checkFormatAndSignatures(room, raw);
  if ("error" in checked) return { eventId: checked.eventId, error: checked.error };
  const pdu = checked.pdu;
  if (isFull(room, pdu.event_id)) return { eventId: pdu.event_id };

  // Step 4: auth against the event's own auth events (fetched if we lack them).
  if (pdu.auth_events.some((id) => !isKnown(room, id))) await fetchMissingAuthEvents(room, origin, pdu);
  const authError = authAgainstAuthEvents(room, pdu);
  if (authError) {
    if (!isKnown(room, pdu.event_id)) room.transaction(() => room.store.insertEvent(pdu, { outlier: true, rejected: authError }));
    return { eventId: pdu.event_id, error: `rejected: ${authError}` };
  }

  // Missing prev events: ask for what lies between our latest events and this one.
  const missingPrev = pdu.prev_events.filter((id) => !isFull(room, id));
  if (missingPrev.length > 0 && fetchDepth > 0) {
    try {
      const res = await federationRequest<{ events?: unknown[] }>(room.env, origin, "POST", `/_matrix/federation/v1/get_missing_events/${encodeURIComponent(room.roomId)}`, {
        earliest_events: room.store.forwardExtremities(),
        latest_events: [pdu.event_id],
        limit: MISSING_EVENTS_LIMIT,
        min_depth: 0,
      });
      const events = [...(res.events ?? [])].sort((a, b) => depthOf(a) - depthOf(b));
      for (const ev of events) await receivePdu(room, origin, ev, fetchDepth - 1);
    } catch {
      // Fall back to asking for the state at the missing events below.
    }
  }

  // Step 5: auth against the state before the event.
  let before = room.stateBeforePrevs(pdu.prev_events);
  if (!before) {
    const maps: StateIdMap[] = [];
    for (const prevId of pdu.prev_events) {
      const g = room.store.afterGroup(prevId);
      const m = g !== undefined ? room.store.stateAtGroup(g) : await fetchStateAfter(room, origin, prevId);
      if (!m) return { eventId: pdu.event_id, error: "could not learn the state before the event" };
      maps.push(m);
    }
    const ids = resolveStates(room.store, room.version, maps);
    before = { group: room.store.newStateGroup(null, ids), ids };
  }
  const verdict = authorizeEvent(pdu, authStateFrom(room, pdu, before.ids), room.version);
  if (!verdict.allowed) {
    if (!isKnown(room, pdu.event_id)) room.transaction(() => room.store.insertEvent(pdu, { outlier: true, rejected: verdict.reason }));
    return { eventId: pdu.event_id, error: `rejected: ${verdict.reason}` };
  }

  // Fetching history above may have stored this very event already (a get_missing_events answer
  // can include it): storing it twice would place it twice in the stream.
  if (isFull(room, pdu.event_id)) return { eventId: pdu.event_id };

  // Step 6: soft failure against the current state — stored, but not shown or built upon.
  const current = authorizeEvent(pdu, authStateFrom(room, pdu, room.store.currentStateIds()), room.version);
  const softFailed = !current.allowed;
  const existingOutlier = isKnown(room, pdu.event_id);
  const stateBefore = before;
  room.transaction(() => room.persist(pdu, stateBefore, softFailed, existingOutlier));
  room.kickFanout();
  return { eventId: pdu.event_id };
}

// ---- serving other servers ---------------------------------------------------------------------

/** The wire form of an event for other servers: no `unsigned` data of ours. */
export function wireOf(room: RoomAccess, pdu: PDU): JsonObject {
  const { unsigned: _u, ...rest } = pdu;
  return toWireFormat(rest as PDU, room.version);
}

/** The auth chain of some events: every event reachable through auth_events. */
export function authChainOf(room: RoomAccess, eventIds: string[]): PDU[] {
  const seen = new Set<string>();
  const out: PDU[] = [];
  const stack = [...eventIds];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    const ev = room.store.getEvent(id);
    if (!ev) continue;
    for (const a of ev.auth_events) {
      if (seen.has(a)) continue;
      seen.add(a);
      const aev = room.store.getEvent(a);
      if (aev) {
        out.push(aev);
        stack.push(a);
      }
    }
  }
  // Each event after its auth events, for servers that store the chain in the order given.
  return orderByAuthEvents(out);
}
