import type { JsonObject } from "../../protocol/json.js";
import { stateKey, type PDU } from "../../protocol/pdu.js";
import { eventMatchesFilter } from "../../protocol/filters/index.js";
import { notFound } from "../../platform/errors.js";
import type { EventRow, EventStore } from "./eventStore.js";
import type { Visibility } from "./visibility.js";
import { toClientEvent, type ClientEvent } from "../../protocol/clientEvent.js";
import type { MessagesOptions, MessagesPage } from "../../platform/rpc/room.js";
import { Aggregations } from "./aggregations.js";
import type { RelationStore } from "./relationStore.js";

/**
 * Reading a room's timeline for clients: /messages, /context, /timestamp_to_event, /relations.
 * The RoomDO decides who may read at all; this file walks the events, showing each one only if
 * the reader's history visibility allows it.
 *
 * Tokens are stream orderings: paginating backwards from N returns events with ordering < N;
 * forwards from N returns ordering >= N. Backfilled history has orderings below every other.
 */

export class Timeline {
  constructor(
    private store: EventStore,
    private relationStore: RelationStore,
    private roomId: string,
  ) {}

  /**
   * An event as a client sees it, with the unsigned data the spec asks for; given the reader's
   * Visibility, also with its bundled aggregations (unsigned["m.relations"]).
   */
  clientEventOf(row: EventRow, vis?: Visibility): ClientEvent {
    const ev = this.plainClientEventOf(row);
    return vis ? this.withRelations(ev, row, vis) : ev;
  }

  /** Adds the bundled aggregations of `row` for this reader (spec: "Aggregations of child events"). */
  private withRelations(ev: ClientEvent, row: EventRow, vis: Visibility): ClientEvent {
    const agg = new Aggregations(this.store, this.relationStore, vis, (r, bundle) => this.clientEventOf(r, bundle ? vis : undefined) as unknown as JsonObject);
    const relations = agg.of(row, ev.content);
    if (relations) ev.unsigned = { ...(ev.unsigned ?? {}), "m.relations": relations };
    return ev;
  }

  private plainClientEventOf(row: EventRow): ClientEvent {
    const pdu = JSON.parse(row.json) as PDU;
    const unsigned: JsonObject = {};
    if (row.redacted_by) {
      const by = this.store.getEvent(row.redacted_by);
      if (by) unsigned.redacted_because = toClientEvent(by, this.roomId) as unknown as JsonObject;
    }
    if (pdu.state_key !== undefined && row.state_group !== null) {
      const prevId = this.store.stateAtGroup(row.state_group).get(stateKey(pdu.type, pdu.state_key));
      const prev = prevId ? this.store.getEvent(prevId) : undefined;
      if (prev) {
        unsigned.prev_content = prev.content;
        unsigned.replaces_state = prev.event_id;
        unsigned.prev_sender = prev.sender;
      }
    }
    unsigned.age = Math.max(0, Date.now() - pdu.origin_server_ts);
    return toClientEvent(pdu, this.roomId, unsigned);
  }

  /** A shown event the reader may see, or 404 (spec: GET /rooms/{roomId}/event/{eventId}). */
  visibleRow(eventId: string, vis: Visibility): EventRow {
    const row = this.store.getRow(eventId);
    // Soft-failed events are never shown to clients (spec: server-server "Soft failure").
    if (!row || row.outlier || row.rejected || row.soft_failed || !vis.canSee(row)) throw notFound("Event not found");
    return row;
  }

  /** Spec: GET /rooms/{roomId}/messages over the events this server holds. */
  messages(vis: Visibility, opts: MessagesOptions): MessagesPage {
    const bounds = this.store.orderingBounds();
    const start = opts.from ?? (opts.dir === "b" ? (bounds.hi ?? 0) + 1 : (bounds.lo ?? 0));
    const chunk: ClientEvent[] = [];
    let cursor = start;
    let more = true;
    const batch = Math.max(opts.limit * 2, 20);
    scan: while (chunk.length < opts.limit) {
      const rows = this.store.timelinePage(cursor, opts.dir, batch);
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i];
        if (opts.to !== undefined && (opts.dir === "b" ? row.ordering < opts.to : row.ordering >= opts.to)) {
          more = false;
          break scan;
        }
        cursor = opts.dir === "b" ? row.ordering : row.ordering + 1;
        if (!vis.canSee(row)) continue;
        if (row.state_key === null && opts.ignoredSenders?.includes(row.sender)) continue;
        const ev = this.clientEventOf(row);
        if (!eventMatchesFilter(ev, opts.filter)) continue;
        chunk.push(this.withRelations(ev, row, vis));
        if (chunk.length >= opts.limit) {
          more = !(i === rows.length - 1 && rows.length < batch);
          break scan;
        }
      }
      if (rows.length < batch) {
        more = false;
        break;
      }
    }
    const page: MessagesPage = { chunk, start, state: [] };
    if (more) page.end = cursor;
    if (opts.filter?.lazy_load_members) {
      // Lazy-loading clients get the member events of the senders they are shown (spec: filtering).
      for (const sender of new Set(chunk.map((e) => e.sender))) {
        const member = this.store.currentEvent("m.room.member", sender);
        if (member) page.state.push(toClientEvent(member, this.roomId));
      }
    }
    return page;
  }

  /** Spec: GET /rooms/{roomId}/context/{eventId}. */
  context(vis: Visibility, eventId: string, limit: number, ignoredSenders?: string[]): JsonObject {
    const row = this.visibleRow(eventId, vis);
    const before = Math.floor(limit / 2);
    const after = limit - before;
    const b = this.messages(vis, { from: row.ordering, dir: "b", limit: before, ignoredSenders });
    const f = this.messages(vis, { from: row.ordering + 1, dir: "f", limit: after, ignoredSenders });
    const stateIds = new Map(row.state_group === null ? [] : this.store.stateAtGroup(row.state_group));
    const state = [...this.store.resolveIds(stateIds).values()].map((e) => toClientEvent(e, this.roomId));
    return {
      event: this.clientEventOf(row, vis) as unknown as JsonObject,
      events_before: b.chunk as unknown as JsonObject[],
      events_after: f.chunk as unknown as JsonObject[],
      start: `t${b.end ?? 0}`,
      end: `t${f.end ?? row.ordering + 1 + f.chunk.length}`,
      state: state as unknown as JsonObject[],
    };
  }

  /** Spec: GET /rooms/{roomId}/timestamp_to_event (v1). */
  timestampToEvent(vis: Visibility, ts: number, dir: "f" | "b"): { event_id: string; origin_server_ts: number } {
    const rows = this.store.nearTimestamp(ts, dir);
    const hit = rows.find((r) => vis.canSee(r));
    if (!hit) throw notFound(`Unable to find event ${dir === "f" ? "after" : "before"} ${ts}`);
    return { event_id: hit.event_id, origin_server_ts: hit.origin_server_ts };
  }

  /** Spec: GET /rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]] (newest first). */
  relations(vis: Visibility, eventId: string, relType: string | undefined, eventType: string | undefined, limit: number, from: number | undefined): JsonObject {
    const parent = this.store.getRow(eventId);
    if (!parent || !vis.canSee(parent)) throw notFound("Event not found");
    const rows = this.relationStore.children(eventId, relType, eventType, from ?? Number.MAX_SAFE_INTEGER, limit + 1);
    const visible = rows.slice(0, limit).filter((r) => vis.canSee(r));
    const res: JsonObject = { chunk: visible.map((r) => this.clientEventOf(r, vis)) as unknown as JsonObject[] };
    if (rows.length > limit) res.next_batch = `t${rows[limit - 1].ordering}`;
    return res;
  }

  /**
   * Spec: GET /rooms/{roomId}/threads (threads_list.yaml): thread roots, the most recent thread
   * activity first, each with its bundled aggregations. `from` is the ordering of the latest
   * thread reply of the last root already returned; `participated` keeps threads the reader
   * started or replied to.
   */
  threads(vis: Visibility, include: "all" | "participated", limit: number, from: number | undefined): JsonObject {
    const rows = this.relationStore.threadRoots(vis.userId, from ?? Number.MAX_SAFE_INTEGER, include === "participated", limit + 1);
    const chunk: ClientEvent[] = [];
    for (const r of rows.slice(0, limit)) {
      const root = this.store.getRow(r.root);
      if (!root || root.outlier || root.rejected || root.soft_failed || !vis.canSee(root)) continue;
      chunk.push(this.clientEventOf(root, vis));
    }
    const res: JsonObject = { chunk: chunk as unknown as JsonObject[] };
    if (rows.length > limit) res.next_batch = `t${rows[limit - 1].latest}`;
    return res;
  }
}
