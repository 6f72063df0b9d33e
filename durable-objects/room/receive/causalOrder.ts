import { orderByPrevAndAuthEvents } from "../../../protocol/authChainOrder.js";
import type { PDU } from "../../../protocol/pdu.js";
import { fromWireFormat } from "../../../protocol/wireFormat.js";
import type { RoomContext } from "../roomContext.js";

/**
 * A batch of received PDUs in the order to take them through the receipt checks: each after the
 * PDUs of the batch it cites as prev or auth events (never by depth, which the sender sets and
 * can get wrong: an event checked before its prev events makes us fetch history, or fail, for
 * events the batch holds). Each comes with its parsed form, so receivePdu does not parse and hash
 * it again; PDUs that don't parse go last, in the order they came, and receiving them reports
 * the error.
 */
export async function inCausalOrder<T>(room: RoomContext, raws: readonly T[]): Promise<Array<{ raw: T; pdu?: PDU }>> {
  const parsed: Array<{ event_id: string; prev_events: string[]; auth_events: string[]; depth: number; raw: T; pdu: PDU }> = [];
  const unparsed: Array<{ raw: T }> = [];
  for (const raw of raws) {
    const pdu = await fromWireFormat(raw, room.version).catch(() => undefined);
    if (pdu) parsed.push({ event_id: pdu.event_id, prev_events: pdu.prev_events, auth_events: pdu.auth_events, depth: pdu.depth, raw, pdu });
    else unparsed.push({ raw });
  }
  return [...orderByPrevAndAuthEvents(parsed).map(({ raw, pdu }) => ({ raw, pdu })), ...unparsed];
}
