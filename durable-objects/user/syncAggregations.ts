import type { JsonObject } from "../../protocol/json.js";
import type { ClientEvent } from "../../protocol/clientEvent.js";
import { AGGREGATED_REL_TYPES, bundleFor, relationOf, type AggregationReader } from "../../protocol/bundledAggregations.js";
import type { StreamStore } from "./streamStore.js";

/**
 * Bundled aggregations in /sync timelines (spec: "Aggregations of child events": events served
 * by /sync carry them as /messages does). The children come from the user's own stream, which
 * holds exactly the room events the user may see, so the bundle needs no visibility check and
 * no call to the room; children from ignored users are left out (protocol/bundledAggregations.ts).
 */

/** The aggregated children of each parent, oldest first, from one indexed query. */
function childrenByParent(stream: StreamStore, roomId: string, parentIds: string[]): Map<string, ClientEvent[]> {
  const out = new Map<string, ClientEvent[]>();
  for (const stored of stream.childrenOf(roomId, parentIds)) {
    const rel = relationOf(stored.event);
    if (!rel || !AGGREGATED_REL_TYPES.has(rel.relType)) continue;
    const list = out.get(rel.parent);
    if (list) list.push(stored.event);
    else out.set(rel.parent, [stored.event]);
  }
  return out;
}

function withRelations<T extends { unsigned?: JsonObject }>(ev: T, bundle: JsonObject | undefined): T {
  return bundle ? { ...ev, unsigned: { ...(ev.unsigned ?? {}), "m.relations": bundle } } : ev;
}

/** `events` (a room's timeline as sent to one device), each with its bundled aggregations. */
export function withBundledAggregations(stream: StreamStore, roomId: string, events: JsonObject[], reader: AggregationReader): JsonObject[] {
  const parents = events.filter((e) => e.state_key === undefined).map((e) => String(e.event_id));
  const children = childrenByParent(stream, roomId, parents);
  if (children.size === 0) return events;
  // A thread's latest reply is shown with its own bundle (its edit): one more query for all of them.
  const latestReplies = [...children.values()].map((list) => list.filter((c) => !reader.ignored.has(c.sender) && relationOf(c)?.relType === "m.thread").pop()).filter((c) => c !== undefined);
  const grandchildren = childrenByParent(stream, roomId, latestReplies.map((c) => c.event_id));
  const latestEvent = (ev: ClientEvent): JsonObject => withRelations(ev, bundleFor(ev, grandchildren.get(ev.event_id) ?? [], reader, (e) => e as unknown as JsonObject)) as unknown as JsonObject;
  return events.map((e) => {
    const kids = children.get(String(e.event_id));
    return kids ? withRelations(e, bundleFor(e as unknown as ClientEvent, kids, reader, latestEvent)) : e;
  });
}
