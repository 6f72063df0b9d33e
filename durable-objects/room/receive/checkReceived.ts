import type { PDU } from "../../../protocol/pdu.js";
import type { RoomContext } from "../roomContext.js";
import { checkValidEvent } from "./validEvent.js";
import { checkSignatures } from "./signatures.js";
import { applyHashCheck } from "./hashes.js";

/**
 * Steps 1–3 of "Checks performed on receipt of a PDU", which every event from another server
 * passes before anything looks at its content: valid, signed, hashed (or redacted). An event
 * dropped for its signatures still reports its ID, so a transaction's reply can name it.
 */
export async function checkFormatAndSignatures(room: RoomContext, raw: unknown, parsed?: PDU): Promise<{ pdu: PDU } | { error: string; eventId?: string }> {
  const valid = await checkValidEvent(room, raw, parsed);
  if ("error" in valid) return valid;
  const sigError = await checkSignatures(room, valid.pdu);
  if (sigError) return { error: sigError, eventId: valid.pdu.event_id };
  return { pdu: await applyHashCheck(room, raw, valid.pdu) };
}
