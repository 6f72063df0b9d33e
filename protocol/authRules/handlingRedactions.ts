/**
 * Handling redactions (spec: rooms/v3 "Handling redactions", unchanged through v12). The auth
 * rules only decide whether a redaction *event* may exist; whether it *takes effect* on the
 * event it targets is decided here, once both events are known.
 */
import type { PDU } from "../pdu.js";
import type { RoomVersion } from "../roomVersions.js";
import type { PowerState } from "../powerLevels.js";
import { roomPower, powerOf } from "../powerLevels.js";
import { domainOf } from "./ids.js";

/** The event a redaction targets: `content.redacts` from v11, the top-level `redacts` before. */
export function redactsOf(redaction: PDU, version: RoomVersion): string | undefined {
  const redacts = version.v11EventFormat ? redaction.content.redacts : redaction.redacts;
  return typeof redacts === "string" ? redacts : undefined;
}

/**
 * Whether an (authorised) redaction should be applied to `original`, given the power state at
 * the redaction: its sender has the redact level, or is on the same server as the original's
 * sender. In v1–2 the auth rule compared the domains of the event IDs instead; that is kept.
 */
export function redactionTakesEffect(
  redaction: PDU,
  original: PDU,
  state: PowerState,
  version: RoomVersion,
): boolean {
  if (redactsOf(redaction, version) !== original.event_id) return false;
  if (original.room_id !== undefined && redaction.room_id !== original.room_id) {
    // A v12 create event has no room_id; every other event must be in the redaction's room.
    return false;
  }
  const power = roomPower(state, version);
  if (powerOf(redaction.sender, power) >= power.levels.redact) return true;
  if (version.eventIdFormat === "v1") {
    return domainOf(redaction.event_id) !== undefined && domainOf(redaction.event_id) === domainOf(original.event_id);
  }
  return domainOf(redaction.sender) === domainOf(original.sender);
}
