import type { PDU } from "../../../protocol/pdu.js";
import { checkContentHash } from "../../../protocol/eventHashing.js";
import { redact } from "../../../protocol/redact.js";
import type { RoomContext } from "../roomContext.js";

/**
 * Step 3 of "Checks performed on receipt of a PDU": the content hash matches, otherwise the event
 * is redacted before it is processed further. Returns the event to go on with.
 */
export async function applyHashCheck(room: RoomContext, raw: unknown, pdu: PDU): Promise<PDU> {
  return (await checkContentHash(raw as object, room.version)) ? pdu : redact(pdu, room.version);
}
