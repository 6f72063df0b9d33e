import type { JsonObject } from "../../protocol/json.js";
import type { EventRow, EventStore } from "./eventStore.js";
import type { ChildRow, RelationStore } from "./relationStore.js";
import type { Visibility } from "./visibility.js";

/**
 * Bundled aggregations (spec: client-server-api "Aggregations of child events"): the
 * `unsigned["m.relations"]` of an event served to a client, built from the relations table for
 * the rel_types the spec aggregates: m.thread (modules/threading.md), m.replace
 * (modules/event_replacements.md) and m.reference (modules/reference_relations.md).
 *
 * Only children the reader may see count, and none from users the reader ignores (spec:
 * "Ignoring Users"; the reader's Visibility carries the list when the endpoint passes it).
 * Redacted children no longer relate (the redaction strips m.relates_to), so they are left out too.
 */

/** Serialises a related event as the endpoint serves events; `bundle` adds its own aggregations. */
export type SerializeRow = (row: EventRow, bundle: boolean) => JsonObject;

function relType(content: unknown): string | undefined {
  if (!content || typeof content !== "object") return undefined;
  const rel = (content as JsonObject)["m.relates_to"];
  if (!rel || typeof rel !== "object" || Array.isArray(rel)) return undefined;
  return typeof rel.rel_type === "string" ? rel.rel_type : undefined;
}

export class Aggregations {
  constructor(
    private store: EventStore,
    private relations: RelationStore,
    private vis: Visibility,
    private serialize: SerializeRow,
  ) {}

  /** The bundle for `parent` (one indexed query), or undefined when nothing aggregates onto it. */
  of(parent: EventRow, parentContent: JsonObject): JsonObject | undefined {
    // Spec: state events do not currently receive bundled aggregations.
    if (parent.state_key !== null) return undefined;
    const children = this.relations
      .aggregatedChildren(parent.event_id)
      .filter((c) => !this.vis.ignored.has(c.sender) && this.vis.canSee(c));
    if (children.length === 0) return undefined;
    const out: JsonObject = {};
    const thread = children.filter((c) => c.rel_type === "m.thread");
    if (thread.length > 0) {
      const latest = thread[thread.length - 1];
      const full = this.store.getRow(latest.event_id);
      if (!full) throw new Error(`thread reply ${latest.event_id} vanished`);
      out["m.thread"] = {
        latest_event: this.serialize(full, true),
        count: thread.length,
        current_user_participated: parent.sender === this.vis.userId || thread.some((c) => c.sender === this.vis.userId),
      };
    }
    const edit = this.latestValidEdit(parent, parentContent, children);
    if (edit) out["m.replace"] = this.serialize(edit, false);
    const refs = children.filter((c) => c.rel_type === "m.reference");
    if (refs.length > 0) out["m.reference"] = { chunk: refs.map((c) => ({ event_id: c.event_id })) };
    return Object.keys(out).length > 0 ? out : undefined;
  }

  /**
   * Spec: "Validity of replacement events" and "Server-side aggregation of m.replace": the most
   * recent valid edit by origin_server_ts, then by the largest event_id; none once the original
   * is redacted.
   */
  private latestValidEdit(parent: EventRow, parentContent: JsonObject, children: ChildRow[]): EventRow | undefined {
    if (parent.redacted_by || relType(parentContent) === "m.replace") return undefined;
    let best: (EventRow & { json: string }) | undefined;
    for (const c of children) {
      if (c.rel_type !== "m.replace" || c.json === null) continue;
      if (c.sender !== parent.sender || c.type !== parent.type || c.state_key !== null) continue;
      // An encrypted edit carries m.new_content inside its ciphertext, where the server cannot look.
      const content = (JSON.parse(c.json) as { content?: JsonObject }).content ?? {};
      if (c.type !== "m.room.encrypted" && (!content["m.new_content"] || typeof content["m.new_content"] !== "object")) continue;
      if (!best || c.origin_server_ts > best.origin_server_ts || (c.origin_server_ts === best.origin_server_ts && c.event_id > best.event_id)) {
        best = { ...c, json: c.json };
      }
    }
    return best;
  }
}
