/**
 * Rule 4 of room versions 1–5: `m.room.aliases` events, keyed by server name, may be sent by any
 * user of that server, member of the room or not. Room version 6 removed this special case; the
 * event then follows the ordinary state event rules.
 */
import type { PDU } from "../pdu.js";
import type { RoomVersion } from "../roomVersions.js";
import type { AuthResult } from "./result.js";
import { ALLOW, reject } from "./result.js";
import { domainOf } from "./ids.js";

export function authorizeAliases(event: PDU, version: RoomVersion): AuthResult {
  if (event.state_key === undefined) {
    return reject("aliases.no_state_key", version, "m.room.aliases must have a state_key");
  }
  if (domainOf(event.sender) !== event.state_key) {
    return reject(
      "aliases.domain_mismatch",
      version,
      `m.room.aliases for ${event.state_key} sent by a user of another server`,
    );
  }
  return ALLOW;
}
