import type { PDU } from "../../../protocol/pdu.js";
import { federationRequest } from "../../../federation-client/request.js";
import { isFull, isKnown, type RoomContext } from "../roomContext.js";
import { storeEvent } from "../storeEvent.js";
import { checkFormatAndSignatures } from "./checkReceived.js";
import { fetchMissingAuthEvents } from "./fetchEvents.js";
import { authAgainstAuthEvents } from "./authEvents.js";
import { authAgainstStateBefore, learnStateBefore } from "./stateBeforeEvent.js";
import { softFails } from "./softFailure.js";
import { inCausalOrder } from "./causalOrder.js";

/**
 * Receiving one room event from another server (spec: server-server "Checks performed on receipt
 * of a PDU"): the six steps in order, each in its own file, fetching missing history from the
 * sender where a step needs it.
 */

/** Depth of fetching missing history per incoming event, so one event can't make us walk forever. */
const MAX_FETCH_DEPTH = 3;
const MISSING_EVENTS_LIMIT = 20;

export interface ReceiveResult {
  eventId?: string;
  error?: string;
}

/**
 * Takes one PDU from a remote server through every check, in the spec's order, fetching missing
 * history from `origin` where needed, and stores it (accepted, soft-failed or rejected). What it
 * adds to the timeline waits in the outbox: the caller starts the fan-out.
 */
export async function receivePdu(room: RoomContext, origin: string, raw: unknown, fetchDepth = MAX_FETCH_DEPTH, parsed?: PDU): Promise<ReceiveResult> {
  const { events } = room.stores;
  // Steps 1–3: valid, signed, hashed (or redacted). `parsed`: `raw` already parsed by the caller.
  const checked = await checkFormatAndSignatures(room, raw, parsed);
  if ("error" in checked) return { eventId: checked.eventId, error: checked.error };
  const pdu = checked.pdu;
  if (isFull(room, pdu.event_id)) return { eventId: pdu.event_id };

  // Step 4: auth against the event's own auth events (fetched if we lack them).
  if (pdu.auth_events.some((id) => !isKnown(room, id))) await fetchMissingAuthEvents(room, origin, pdu);
  const authError = authAgainstAuthEvents(room, pdu);
  if (authError) {
    if (!isKnown(room, pdu.event_id)) events.insertEvent(pdu, { outlier: true, rejected: authError });
    return { eventId: pdu.event_id, error: `rejected: ${authError}` };
  }

  // Missing prev events: ask for what lies between our latest events and this one.
  const missingPrev = pdu.prev_events.filter((id) => !isFull(room, id));
  if (missingPrev.length > 0 && fetchDepth > 0) {
    try {
      const res = await federationRequest<{ events?: unknown[] }>(room.env, origin, "POST", `/_matrix/federation/v1/get_missing_events/${encodeURIComponent(room.roomId)}`, {
        earliest_events: events.forwardExtremities(),
        latest_events: [pdu.event_id],
        limit: MISSING_EVENTS_LIMIT,
        min_depth: 0,
      });
      for (const ev of await inCausalOrder(room, res.events ?? [])) await receivePdu(room, origin, ev.raw, fetchDepth - 1, ev.pdu);
    } catch {
      // Fall back to asking for the state at the missing events (step 5).
    }
  }

  // Step 5: auth against the state before the event.
  const before = await learnStateBefore(room, origin, pdu);
  if (!before) return { eventId: pdu.event_id, error: "could not learn the state before the event" };
  const stateError = authAgainstStateBefore(room, pdu, before);
  if (stateError) {
    if (!isKnown(room, pdu.event_id)) events.insertEvent(pdu, { outlier: true, rejected: stateError });
    return { eventId: pdu.event_id, error: `rejected: ${stateError}` };
  }

  // Fetching history above may have stored this very event already (a get_missing_events answer
  // can include it): storing it twice would place it twice in the stream.
  if (isFull(room, pdu.event_id)) return { eventId: pdu.event_id };

  // Step 6: soft failure against the current state — stored, but not shown or built upon.
  const softFailed = softFails(room, pdu);
  const existingOutlier = isKnown(room, pdu.event_id);
  room.stores.atomically(() => storeEvent(room.stores, room.version, pdu, { before, softFailed, existingOutlier }));
  return { eventId: pdu.event_id };
}
