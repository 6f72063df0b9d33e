import { stateKey, type PDU } from "../../protocol/pdu.js";
import type { RoomVersion } from "../../protocol/roomVersions.js";
import { redact } from "../../protocol/redact.js";
import { searchableText } from "../../protocol/search/index.js";
import { resolveStates } from "./resolveStates.js";
import type { StateBefore } from "./stateBefore.js";
import type { RoomStores } from "./stores.js";

export interface StoreEventOptions {
  /** The state before the event. */
  before: StateBefore;
  /** The client transaction that sent it (spec: idempotent PUT /send/{txnId}). */
  txn?: { deviceId: string; txnId: string };
  /** Stored for the DAG but neither shown nor built upon (spec: "Soft failure"). */
  softFailed?: boolean;
  /** The event is already held as an outlier and now takes its place in the timeline. */
  existingOutlier?: boolean;
}

/**
 * Stores an accepted event and everything derived from it — its state group, the DAG's tips, the
 * current state, its transaction ID, its relation, the redaction it makes, its place in the
 * outbox — and returns its ordering. Call inside `stores.atomically`.
 */
export function storeEvent(stores: RoomStores, version: RoomVersion, pdu: PDU, opts: StoreEventOptions): number {
  const { events } = stores;
  const meta = stores.room.meta();
  const txn = opts.txn;
  const after = pdu.state_key !== undefined ? events.newStateGroup(opts.before.group, new Map([[stateKey(pdu.type, pdu.state_key), pdu.event_id]])) : opts.before.group;
  let ordering: number;
  if (opts.existingOutlier) ordering = events.deOutlier(pdu.event_id, opts.before.group ?? after ?? 0, after ?? 0, opts.softFailed ?? false);
  else ordering = events.insertEvent(pdu, { before: opts.before.group, after, txn, softFailed: opts.softFailed });
  if (opts.softFailed) return ordering;
  const extremitiesBefore = events.forwardExtremities();
  events.advanceExtremities(pdu);
  const linear =
    opts.before.group === (meta?.state_group ?? null) &&
    extremitiesBefore.length === pdu.prev_events.length &&
    extremitiesBefore.every((id) => pdu.prev_events.includes(id));
  if (linear) {
    // The common case: the event extends the room's only tip, so the current state changes by
    // at most this one event (no need to rebuild or resolve it).
    stores.room.setStateGroup(after);
    if (pdu.state_key !== undefined) events.setCurrentState(pdu.type, pdu.state_key, pdu.event_id);
  } else {
    recomputeCurrentState(stores, version);
  }
  if (txn) {
    stores.txns.record(pdu.sender, txn.deviceId, txn.txnId, pdu.event_id);
  }
  const relatesTo = pdu.content["m.relates_to"];
  if (relatesTo && typeof relatesTo === "object" && !Array.isArray(relatesTo)) {
    const parent = relatesTo.event_id;
    const relType = relatesTo.rel_type;
    if (typeof parent === "string" && typeof relType === "string") {
      stores.relations.record(pdu.event_id, parent, relType);
    }
  }
  indexForSearch(stores, ordering, pdu);
  if (pdu.type === "m.room.redaction") {
    const targetId = pdu.redacts ?? (typeof pdu.content.redacts === "string" ? pdu.content.redacts : undefined);
    const target = targetId ? events.getEvent(targetId) : undefined;
    if (target && target.type !== "m.room.create") {
      events.storeRedacted(redact(target, version), pdu.event_id);
      // A redacted event's text is gone, from search too.
      const row = events.getRow(target.event_id);
      if (row) stores.search.remove(row.ordering);
    }
  }
  stores.outbox.add(ordering);
  return ordering;
}

/** Adds an accepted event's searchable text (if any) to the room's search index. */
export function indexForSearch(stores: RoomStores, ordering: number, pdu: PDU): void {
  const text = searchableText(pdu.type, pdu.content);
  if (text) stores.search.index(ordering, text);
}

/** Current state: the state after the forward extremities, resolved when there are several. */
function recomputeCurrentState(stores: RoomStores, version: RoomVersion): void {
  const { events } = stores;
  const groups: number[] = [];
  for (const id of events.forwardExtremities()) {
    const g = events.afterGroup(id);
    if (g !== undefined && !groups.includes(g)) groups.push(g);
  }
  if (groups.length === 0) return;
  let group = groups[0];
  let ids = events.stateAtGroup(group);
  if (groups.length > 1) {
    ids = resolveStates(events, version, groups.map((g) => events.stateAtGroup(g)));
    group = events.newStateGroup(null, ids);
  }
  stores.room.setStateGroup(group);
  events.replaceCurrentState(ids);
}
