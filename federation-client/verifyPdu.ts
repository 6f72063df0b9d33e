import type { Env } from "../platform/env.js";
import type { PDU } from "../protocol/pdu.js";
import type { RoomVersion } from "../protocol/roomVersions.js";
import { serverNameOf } from "../protocol/identifiers.js";
import { verifyEventSignature } from "../protocol/eventSigning.js";
import { remoteVerifyKey } from "./keyMemory.js";

/**
 * Spec (server-server "Checks performed on receipt of a PDU", step 2, and "Validating hashes and
 * signatures on received events"): an event must carry a valid signature from the sender's
 * server; in room versions 1–2 also from the server in its event ID; and a join authorised
 * through `join_authorised_via_users_server` also from that user's server.
 * Returns undefined when the signatures are good, else the reason.
 */
export async function verifyPduSignatures(env: Env, pdu: PDU, version: RoomVersion, own: { serverName: string; keyId: string; publicKey: Uint8Array }): Promise<string | undefined> {
  const required = new Set<string>([serverNameOf(pdu.sender)]);
  if (version.eventIdFormat === "v1" && pdu.event_id.includes(":")) required.add(serverNameOf(pdu.event_id));
  const via = pdu.content.join_authorised_via_users_server;
  if (pdu.type === "m.room.member" && pdu.content.membership === "join" && typeof via === "string" && version.restrictedJoin) {
    required.add(serverNameOf(via));
  }
  for (const server of required) {
    const sigs = pdu.signatures?.[server];
    if (!sigs || typeof sigs !== "object") return `not signed by ${server}`;
    let ok = false;
    for (const keyId of Object.keys(sigs)) {
      if (!keyId.startsWith("ed25519:")) continue;
      let publicKey: Uint8Array | undefined;
      if (server === own.serverName) publicKey = keyId === own.keyId ? own.publicKey : undefined;
      else publicKey = await remoteVerifyKey(env, server, keyId, version.enforceKeyValidity ? pdu.origin_server_ts : undefined);
      if (publicKey && (await verifyEventSignature(pdu, version, server, keyId, publicKey))) {
        ok = true;
        break;
      }
    }
    if (!ok) return `no valid signature from ${server}`;
  }
  return undefined;
}
