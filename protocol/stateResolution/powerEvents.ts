/**
 * Spec definition "Power events" (rooms v2, v12): events that might remove someone's ability to
 * do something in the room.
 */
import type { PDU } from "../pdu.js";

export function isPowerEvent(event: PDU): boolean {
  if (typeof event.state_key !== "string") return false;
  if (event.type === "m.room.power_levels" && event.state_key === "") return true;
  if (event.type === "m.room.join_rules" && event.state_key === "") return true;
  if (event.type === "m.room.member") {
    const membership = event.content.membership;
    return (membership === "leave" || membership === "ban") && event.sender !== event.state_key;
  }
  return false;
}
