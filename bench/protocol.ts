/**
 * Protocol basics benchmark: how many events per second Lattice can hash and sign (buildEvent)
 * and how many event signatures it can verify, in plain Node. Each figure runs for about
 * 0.3 s (bounded by both time and iteration count), about 2 s in all.
 *
 * "batched" figures run 50 operations concurrently, as when a federation transaction's PDUs
 * (at most 50) are checked together; WebCrypto then spreads the ed25519 work over threads.
 *
 *   node --import tsx bench/protocol.ts
 */
import { pathToFileURL } from "node:url";
import { buildEvent, type EventTemplate } from "../protocol/buildEvent.js";
import { canonicalJson } from "../protocol/canonicalJson.js";
import { verifyEventSignature } from "../protocol/eventSigning.js";
import type { PDU } from "../protocol/pdu.js";
import { getRoomVersion } from "../protocol/roomVersions.js";
import { generateSigningKey, verifyJsonSignature, signJson } from "../protocol/signing.js";
import { fromWireFormat, toWireFormat } from "../protocol/wireFormat.js";

const SERVER = "bench.example";
const BATCH = 50;
const BUDGET_MS = 300;
const MAX_OPERATIONS = 200_000;

function template(i: number): EventTemplate {
  return {
    room_id: "!Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ",
    sender: "@alice:bench.example",
    type: "m.room.message",
    content: { msgtype: "m.text", body: `message number ${i} with some ordinary text in it`, "m.mentions": {} },
    prev_events: ["$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg"],
    auth_events: [
      "$acR1l0raoZnm60CBwAVgqbZqoO_mYU81xysh1u7XcJk",
      "$CD66HAED5npg6074c6pDtLKalHjVfYb2q4Q3LZgrW6o",
      "$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zh",
    ],
    depth: 1000 + i,
    origin_server_ts: 1_700_000_000_000 + i,
  };
}

/** Runs `operation` sequentially until the budget is spent; returns operations per second. */
async function perSecond(operation: (i: number) => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  let n = 0;
  while (n < MAX_OPERATIONS && performance.now() - start < BUDGET_MS) await operation(n++);
  return Math.round((n * 1000) / (performance.now() - start));
}

/** Runs `operation` in concurrent batches of BATCH until the budget is spent. */
async function perSecondBatched(operation: (i: number) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  let n = 0;
  while (n < MAX_OPERATIONS && performance.now() - start < BUDGET_MS) {
    const batch: Promise<unknown>[] = [];
    for (let j = 0; j < BATCH; j++) batch.push(operation(n++));
    await Promise.all(batch);
  }
  return Math.round((n * 1000) / (performance.now() - start));
}

export async function benchProtocol(): Promise<Record<string, number>> {
  const version = getRoomVersion("12")!;
  const key = generateSigningKey();
  const events: PDU[] = [];
  for (let i = 0; i < 200; i++) events.push(await buildEvent(template(i), version, SERVER, key));
  const wires = events.map((e) => JSON.parse(JSON.stringify(toWireFormat(e, version))) as unknown);
  const keyResponse = await signJson(
    { server_name: SERVER, valid_until_ts: 1_800_000_000_000, verify_keys: { [key.keyId]: { key: "x" } } },
    SERVER,
    key,
  );

  // Sanity check: a benchmark of a verifier that says "no" would be meaningless.
  if (!(await verifyEventSignature(events[0], version, SERVER, key.keyId, key.publicKey))) {
    throw new Error("benchmark events do not verify");
  }

  const figures: Record<string, number> = {};
  figures["events built (hash + sign + event ID) per s"] = await perSecond((i) =>
    buildEvent(template(i), version, SERVER, key),
  );
  figures["events built per s, batched"] = await perSecondBatched((i) => buildEvent(template(i), version, SERVER, key));
  figures["event signatures verified per s"] = await perSecond((i) =>
    verifyEventSignature(events[i % events.length], version, SERVER, key.keyId, key.publicKey),
  );
  figures["event signatures verified per s, batched"] = await perSecondBatched((i) =>
    verifyEventSignature(events[i % events.length], version, SERVER, key.keyId, key.publicKey),
  );
  figures["JSON signatures verified per s (key response)"] = await perSecond(() =>
    verifyJsonSignature(keyResponse, SERVER, key.keyId, key.publicKey),
  );
  figures["PDUs parsed from wire form (validate + event ID) per s"] = await perSecond((i) =>
    fromWireFormat(wires[i % wires.length], version),
  );
  figures["canonical JSON encodings of a PDU per s"] = await perSecond((i) => canonicalJson(events[i % events.length]));
  return figures;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchProtocol(), null, 2));
}
