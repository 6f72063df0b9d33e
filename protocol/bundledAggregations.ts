import type { JsonObject } from "./json.js";
import type { ClientEvent } from "./clientEvent.js";

/**
 * Bundled aggregations (spec: client-server-api "Aggregations of child events") computed from
 * events in the Client-Server format: the `unsigned["m.relations"]` of a parent, from the
 * children the reader may see, in the order they arrived. m.thread (modules/threading.md),
 * m.replace (modules/event_replacements.md) and m.reference (modules/reference_relations.md).
 * Children from users the reader ignores do not count (spec: "Ignoring Users").
 */

/** The rel_types the spec bundles. */
export const AGGREGATED_REL_TYPES: ReadonlySet<string> = new Set(["m.thread", "m.replace", "m.reference"]);

/** An event's m.relates_to (rel_type and parent), if well formed. */
export function relationOf(ev: Pick<ClientEvent, "content">): { relType: string; parent: string } | undefined {
  const rel = ev.content["m.relates_to"];
  if (!rel || typeof rel !== "object" || Array.isArray(rel)) return undefined;
  return typeof rel.rel_type === "string" && typeof rel.event_id === "string" ? { relType: rel.rel_type, parent: rel.event_id } : undefined;
}

export interface AggregationReader {
  userId: string;
  ignored: ReadonlySet<string>;
}

/**
 * The bundle for `parent` from its `children` (oldest first), or undefined when nothing
 * aggregates onto it. `latestEvent` shapes a thread's latest reply (with its own bundle).
 */
export function bundleFor(parent: ClientEvent, children: ClientEvent[], reader: AggregationReader, latestEvent: (ev: ClientEvent) => JsonObject): JsonObject | undefined {
  // Spec: state events do not currently receive bundled aggregations.
  if (parent.state_key !== undefined) return undefined;
  const counted = children.filter((c) => !reader.ignored.has(c.sender) && relationOf(c)?.parent === parent.event_id);
  const out: JsonObject = {};
  const thread = counted.filter((c) => relationOf(c)?.relType === "m.thread");
  if (thread.length > 0) {
    out["m.thread"] = {
      latest_event: latestEvent(thread[thread.length - 1]),
      count: thread.length,
      current_user_participated: parent.sender === reader.userId || thread.some((c) => c.sender === reader.userId),
    };
  }
  const edit = latestValidEdit(parent, counted);
  if (edit) out["m.replace"] = edit as unknown as JsonObject;
  const refs = counted.filter((c) => relationOf(c)?.relType === "m.reference");
  if (refs.length > 0) out["m.reference"] = { chunk: refs.map((c) => ({ event_id: c.event_id })) };
  return Object.keys(out).length > 0 ? out : undefined;
}

/** What the edit rule reads of an event (a ClientEvent, or a room's stored row with its content). */
export interface EditShape {
  event_id: string;
  sender: string;
  type: string;
  state_key?: string | null;
  origin_server_ts: number;
  content: JsonObject;
}

/**
 * Spec: "Validity of replacement events" and "Server-side aggregation of m.replace": the most
 * recent valid edit by origin_server_ts, then by the largest event_id; none once the original
 * is redacted (`parentRedacted`, by default read from its unsigned) or when it is itself an edit.
 */
export function latestValidEdit<C extends EditShape>(
  parent: EditShape & { unsigned?: JsonObject },
  children: readonly C[],
  parentRedacted = parent.unsigned?.redacted_because !== undefined,
): C | undefined {
  if (parentRedacted || relationOf(parent)?.relType === "m.replace") return undefined;
  let best: C | undefined;
  for (const c of children) {
    if (relationOf(c)?.relType !== "m.replace") continue;
    if (c.sender !== parent.sender || c.type !== parent.type || (c.state_key ?? undefined) !== undefined) continue;
    // An encrypted edit carries m.new_content inside its ciphertext, where the server cannot look.
    const newContent = c.content["m.new_content"];
    if (c.type !== "m.room.encrypted" && (!newContent || typeof newContent !== "object" || Array.isArray(newContent))) continue;
    if (!best || c.origin_server_ts > best.origin_server_ts || (c.origin_server_ts === best.origin_server_ts && c.event_id > best.event_id)) best = c;
  }
  return best;
}
