/**
 * The m.federate rule (rule 3, v12: 4): a room created with `m.federate: false` only accepts
 * events from the create event sender's server.
 */
import type { PDU } from "../pdu.js";
import type { RoomVersion } from "../roomVersions.js";
import type { AuthResult } from "./result.js";
import { ALLOW, reject } from "./result.js";
import { domainOf } from "./ids.js";

export function authorizeFederate(event: PDU, create: PDU, version: RoomVersion): AuthResult {
  if (create.content["m.federate"] === false && domainOf(event.sender) !== domainOf(create.sender)) {
    return reject(
      "federate.foreign_server",
      version,
      `room does not federate and ${event.sender} is not on ${String(domainOf(create.sender))}`,
    );
  }
  return ALLOW;
}
