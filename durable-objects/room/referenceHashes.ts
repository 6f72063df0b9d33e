import type { PDU } from "../../protocol/pdu.js";
import type { RoomVersion } from "../../protocol/roomVersions.js";
import { toWireFormat, type ReferenceHashLookup } from "../../protocol/wireFormat.js";
import { computeReferenceHash } from "../../protocol/eventHashing.js";
import { encodeBase64 } from "../../protocol/base64.js";

/**
 * Room versions 1–2 name an event's prev and auth events together with those events' reference
 * hashes: the hashes of these events, for building a new event on them. Undefined for later
 * versions, whose event IDs are the hashes.
 */
export async function referenceHashes(events: PDU[], version: RoomVersion): Promise<ReferenceHashLookup | undefined> {
  if (version.eventIdFormat !== "v1") return undefined;
  const hashes = new Map<string, string>();
  for (const e of events) hashes.set(e.event_id, encodeBase64(await computeReferenceHash(toWireFormat(e, version), version)));
  return (id) => hashes.get(id);
}
