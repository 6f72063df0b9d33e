import type { PDU } from "../../../protocol/pdu.js";
import { authorizeEvent } from "../../../protocol/authRules/index.js";
import type { RoomContext } from "../roomContext.js";
import { authStateFrom } from "./stateBeforeEvent.js";

/**
 * Step 6 of "Checks performed on receipt of a PDU": whether the event fails the auth rules
 * against the room's current state, in which case it is "soft failed" — stored, but neither
 * shown to clients nor used as a prev event (spec: "Soft failure").
 */
export function softFails(room: RoomContext, pdu: PDU): boolean {
  return !authorizeEvent(pdu, authStateFrom(room, pdu, room.stores.events.currentStateIds()), room.version).allowed;
}
