import { isJsonObject } from "../../../protocol/json.js";
import type { PDU } from "../../../protocol/pdu.js";
import { fromWireFormat } from "../../../protocol/wireFormat.js";
import { computeEventId } from "../../../protocol/eventHashing.js";
import type { RoomContext } from "../roomContext.js";

/**
 * Step 1 of "Checks performed on receipt of a PDU": it is a valid event of this room's version
 * (and of this room), otherwise it is dropped. `parsed`: the caller already ran fromWireFormat on
 * `raw` (computing an event ID hashes the event). A dropped event still reports its ID when the
 * ID can be computed, so a transaction's reply can name it.
 */
export async function checkValidEvent(room: RoomContext, raw: unknown, parsed?: PDU): Promise<{ pdu: PDU } | { error: string; eventId?: string }> {
  let pdu: PDU;
  try {
    pdu = parsed ?? (await fromWireFormat(raw, room.version));
  } catch (e) {
    // A float in a message's content is outside the redacted form the ID is hashed from.
    const eventId = isJsonObject(raw) ? await computeEventId(raw, room.version).catch(() => undefined) : undefined;
    return { error: `malformed event: ${e instanceof Error ? e.message : String(e)}`, eventId };
  }
  if (pdu.room_id !== undefined && pdu.room_id !== room.roomId) return { error: "event is for another room", eventId: pdu.event_id };
  return { pdu };
}
