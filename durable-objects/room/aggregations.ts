import type { JsonObject } from "../../protocol/json.js";
import type { EventRow, EventStore } from "./eventStore.js";
import type { RelationStore } from "./relationStore.js";
import { latestValidEdit } from "../../protocol/bundledAggregations.js";
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
    // The edit rule of protocol/bundledAggregations.ts, over the m.replace children with their content.
    const edits = children.flatMap((c) => (c.rel_type === "m.replace" && c.json !== null ? [{ ...c, json: c.json, content: (JSON.parse(c.json) as { content?: JsonObject }).content ?? {} }] : []));
    const edit = latestValidEdit({ ...parent, content: parentContent }, edits, parent.redacted_by !== null);
    if (edit) out["m.replace"] = this.serialize(edit, false);
    const refs = children.filter((c) => c.rel_type === "m.reference");
    if (refs.length > 0) out["m.reference"] = { chunk: refs.map((c) => ({ event_id: c.event_id })) };
    return Object.keys(out).length > 0 ? out : undefined;
  }
}
