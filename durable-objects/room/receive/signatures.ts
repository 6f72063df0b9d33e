import type { PDU } from "../../../protocol/pdu.js";
import { verifyPduSignatures } from "../../../federation-client/verifyPdu.js";
import type { RoomContext } from "../roomContext.js";

/**
 * Step 2 of "Checks performed on receipt of a PDU": the signatures of the servers that must sign
 * the event verify, otherwise it is dropped. Returns why it fails, or undefined.
 */
export function checkSignatures(room: RoomContext, pdu: PDU): Promise<string | undefined> {
  return verifyPduSignatures(room.env, pdu, room.version, room.ownKey);
}
