import type { PDU } from "../../../protocol/pdu.js";
import { createEventIdOfRoom } from "../../../protocol/authRules/index.js";
import { fromWireFormat } from "../../../protocol/wireFormat.js";
import { orderByAuthEvents, type AuthOrderItem } from "../../../protocol/authChainOrder.js";
import { isKnown, type RoomContext } from "../roomContext.js";
import { checkFormatAndSignatures } from "./checkReceived.js";
import { authAgainstAuthEvents } from "./authEvents.js";

/**
 * Stores an event we can't place in the timeline yet (auth chain, fetched state) after steps 1–4
 * (spec: outliers are checked against their auth events only); one failing step 4 is stored
 * rejected, so nothing that cites it is accepted.
 */
async function storeOutlier(room: RoomContext, raw: unknown, parsed?: PDU): Promise<PDU | undefined> {
  const checked = await checkFormatAndSignatures(room, raw, parsed);
  if ("error" in checked) return undefined;
  const pdu = checked.pdu;
  if (isKnown(room, pdu.event_id)) return room.stores.events.getEvent(pdu.event_id);
  const reason = authAgainstAuthEvents(room, pdu);
  room.stores.events.insertEvent(pdu, { outlier: true, rejected: reason });
  return pdu;
}

/**
 * Stores a batch of outliers each after the events it cites as auth events (never by depth,
 * which the sender sets), so each one's auth events are stored before it is checked. Events
 * that don't parse go last; storing them reports nothing and stores nothing.
 */
export async function storeOutliers(room: RoomContext, raws: unknown[]): Promise<void> {
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
