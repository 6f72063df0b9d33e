import type { JsonObject } from "../../protocol/json.js";
import type { PDU } from "../../protocol/pdu.js";
import type { RoomVersion } from "../../protocol/roomVersions.js";
import { toWireFormat } from "../../protocol/wireFormat.js";
import { orderByAuthEvents } from "../../protocol/authChainOrder.js";
import type { EventStore } from "./eventStore.js";

/** The wire form of an event for other servers: no `unsigned` data of ours. */
export function wireOf(version: RoomVersion, pdu: PDU): JsonObject {
  const { unsigned: _u, ...rest } = pdu;
  return toWireFormat(rest as PDU, version);
}

/** The auth chain of some events: every event reachable through auth_events. */
export function authChainOf(events: EventStore, eventIds: string[]): PDU[] {
  const seen = new Set<string>();
  const out: PDU[] = [];
  const stack = [...eventIds];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    const ev = events.getEvent(id);
    if (!ev) continue;
    for (const a of ev.auth_events) {
      if (seen.has(a)) continue;
      seen.add(a);
      const aev = events.getEvent(a);
      if (aev) {
        out.push(aev);
        stack.push(a);
      }
    }
  }
  // Each event after its auth events, for servers that store the chain in the order given.
  return orderByAuthEvents(out);
}
