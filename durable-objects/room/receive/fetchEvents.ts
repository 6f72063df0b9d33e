import type { PDU } from "../../../protocol/pdu.js";
import { fromWireFormat } from "../../../protocol/wireFormat.js";
import { federationRequest } from "../../../federation-client/request.js";
import { isKnown, type RoomContext } from "../roomContext.js";
import { storeOutliers } from "./outliers.js";

/**
 * Fetching the history an incoming event stands on from the server that sent it (spec:
 * server-server "Retrieving events"): single events, and the auth events step 4 needs.
 */

/** How many auth events one incoming event may make us fetch one at a time. */
const MAX_AUTH_EVENTS_FETCHED = 50;

/** GET /event/{eventId}: the event as `origin` serves it, or undefined. */
export async function fetchEvent(room: RoomContext, origin: string, eventId: string): Promise<unknown | undefined> {
  try {
    const res = await federationRequest<{ pdus?: unknown[] }>(room.env, origin, "GET", `/_matrix/federation/v1/event/${encodeURIComponent(eventId)}`);
    return res.pdus?.[0];
  } catch {
    return undefined;
  }
}

/**
 * Fetches missing auth events with GET /event, one at a time, following their own missing auth
 * events, for servers that don't answer /event_auth. An event that comes back under another ID
 * than the one asked for is still checked and stored under its own ID, but not followed.
 */
async function fetchAuthEventsOneByOne(room: RoomContext, origin: string, ids: string[]): Promise<void> {
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
export async function fetchMissingAuthEvents(room: RoomContext, origin: string, pdu: PDU): Promise<void> {
  await fetchAuthChain(room, origin, pdu.event_id);
  const stillMissing = pdu.auth_events.filter((id) => !isKnown(room, id));
  if (stillMissing.length > 0) await fetchAuthEventsOneByOne(room, origin, stillMissing);
}

/** Fetches and stores the auth chain of an event whose auth events we lack. */
async function fetchAuthChain(room: RoomContext, origin: string, eventId: string): Promise<void> {
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
