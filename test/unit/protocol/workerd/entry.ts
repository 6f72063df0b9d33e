/**
 * Worker used by workerd.test.ts: runs the protocol basics inside workerd and reports results,
 * so the "no Node APIs in protocol/" rule is checked by the real runtime, not just by types.
 */
import { decodeBase64, encodeBase64 } from "../../../../protocol/base64.js";
import { buildEvent, roomIdFromCreateEvent } from "../../../../protocol/buildEvent.js";
import { canonicalJson } from "../../../../protocol/canonicalJson.js";
import { hashAndSignEvent, verifyEventSignature } from "../../../../protocol/eventSigning.js";
import { getRoomVersion } from "../../../../protocol/roomVersions.js";
import { sha256 } from "../../../../protocol/sha256.js";
import { generateSigningKey, signingKeyFromSeed, signJson, verifyJsonSignature } from "../../../../protocol/signing.js";
import { fromWireFormat, toWireFormat } from "../../../../protocol/wireFormat.js";

export default {
  async fetch(): Promise<Response> {
    const key = signingKeyFromSeed("ed25519:1", decodeBase64("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1"));
    const signed = await signJson({ one: 1, two: "Two" }, "domain", key);
    const event = await hashAndSignEvent(
      {
        room_id: "!x:domain", sender: "@a:domain", origin: "domain", origin_server_ts: 1000000, signatures: {},
        hashes: {}, type: "X", content: {}, prev_events: [], auth_events: [], depth: 3, unsigned: { age_ts: 1000000 },
      },
      getRoomVersion("1")!,
      "domain",
      key,
    );
    const v12 = getRoomVersion("12")!;
    const fresh = generateSigningKey();
    const create = await buildEvent(
      {
        sender: "@a:x.org", type: "m.room.create", state_key: "", content: { room_version: "12" },
        prev_events: [], auth_events: [], depth: 1, origin_server_ts: 1,
      },
      v12,
      "x.org",
      fresh,
    );
    const parsed = await fromWireFormat(JSON.parse(JSON.stringify(toWireFormat(create, v12))), v12);
    return Response.json({
      publicKey: encodeBase64(key.publicKey),
      jsonSignature: signed.signatures.domain["ed25519:1"],
      jsonVerifies: await verifyJsonSignature(signed, "domain", "ed25519:1", key.publicKey),
      eventHash: event.hashes,
      eventSignature: event.signatures,
      canonical: canonicalJson({ "\u{1F600}": 1, "\uFFFF": 2, b: [-0] }),
      emptySha256: encodeBase64(await sha256("")),
      roomIdMatches: roomIdFromCreateEvent(create) === "!" + parsed.event_id.slice(1),
      createVerifies: await verifyEventSignature(parsed, v12, "x.org", fresh.keyId, fresh.publicKey),
    });
  },
};
