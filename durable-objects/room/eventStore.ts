import type { PDU, StateIdMap, StateMap, StateKey } from "../../protocol/pdu.js";
import { stateKey, splitStateKey } from "../../protocol/pdu.js";

/**
 * Storage of one room's events and state inside its RoomDO (synchronous SQLite).
 *
 * State is kept as state groups: each group is a delta on its previous group, and every
 * SNAPSHOT_INTERVAL-th group is a full snapshot, so the state at any event is cheap to rebuild
 * while storage grows with the changes, not with the room's size times its history.
 */
const SNAPSHOT_INTERVAL = 50;
const EVENT_CACHE_SIZE = 2000;
const GROUP_CACHE_SIZE = 64;
/** Events clients may see at all: not outliers, not soft-failed, not rejected. */
const SHOWN = "outlier = 0 AND soft_failed = 0 AND rejected IS NULL";

export interface InsertOptions {
  /** An explicit stream ordering (backfill places old events below all others); default: next. */
  ordering?: number;
  before?: number | null;
  after?: number | null;
  outlier?: boolean;
  softFailed?: boolean;
  rejected?: string;
  txn?: { deviceId: string; txnId: string };
}

export type EventRow = {
  ordering: number;
  event_id: string;
  type: string;
  state_key: string | null;
  sender: string;
  depth: number;
  origin_server_ts: number;
  json: string;
  state_group: number | null;
  state_group_after: number | null;
  outlier: number;
  soft_failed: number;
  rejected: string | null;
  redacted_by: string | null;
  txn_device: string | null;
  txn_id: string | null;
};

/** A small insertion-ordered LRU. */
class Lru<K, V> {
  private map = new Map<K, V>();
  constructor(private max: number) {}
  get(k: K): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: K, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }
  delete(k: K): void {
    this.map.delete(k);
  }
}

export class EventStore {
  private events = new Lru<string, PDU>(EVENT_CACHE_SIZE);
  private groups = new Lru<number, StateIdMap>(GROUP_CACHE_SIZE);
  private current: StateIdMap | undefined;

  constructor(private sql: SqlStorage) {}

  getEvent(eventId: string): PDU | undefined {
    const cached = this.events.get(eventId);
    if (cached) return cached;
    const row = this.sql.exec<{ json: string }>("SELECT json FROM events WHERE event_id = ?", eventId).toArray()[0];
    if (!row) return undefined;
    const pdu = JSON.parse(row.json) as PDU;
    this.events.set(eventId, pdu);
    return pdu;
  }

  getRow(eventId: string): EventRow | undefined {
    return this.sql.exec<EventRow>("SELECT * FROM events WHERE event_id = ?", eventId).toArray()[0];
  }

  rowsByOrdering(orderings: number[]): EventRow[] {
    if (orderings.length === 0) return [];
    return this.sql
      .exec<EventRow>(`SELECT * FROM events WHERE ordering IN (${orderings.map(() => "?").join(",")}) ORDER BY ordering`, ...orderings)
      .toArray();
  }

  /**
   * Stores an event. `before`/`after` are its state groups (null for outliers, whose state we
   * don't know); soft-failed events are kept for the DAG but never shown or built upon.
   */
  insertEvent(pdu: PDU, opts: InsertOptions): number {
    const row = this.sql
      .exec<{ ordering: number }>(
        `INSERT INTO events (ordering, event_id, type, state_key, sender, depth, origin_server_ts, json, state_group, state_group_after, outlier, soft_failed, rejected, txn_device, txn_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ordering`,
        opts.ordering ?? null,
        pdu.event_id,
        pdu.type,
        pdu.state_key ?? null,
        pdu.sender,
        pdu.depth,
        pdu.origin_server_ts,
        JSON.stringify(pdu),
        opts.before ?? null,
        opts.after ?? null,
        opts.outlier ? 1 : 0,
        opts.softFailed ? 1 : 0,
        opts.rejected ?? null,
        opts.txn?.deviceId ?? null,
        opts.txn?.txnId ?? null,
      )
      .one();
    this.events.set(pdu.event_id, pdu);
    return row.ordering;
  }

  /**
   * Stores (or promotes from outlier) an event fetched by backfill. It is older than everything we
   * have, so it takes an ordering below the lowest one: pagination then meets it in DAG order.
   * Returns that ordering.
   */
  insertBackfilled(pdu: PDU, stateGroup: number | null): number {
    const min = this.sql.exec<{ m: number | null }>("SELECT MIN(ordering) AS m FROM events").one().m ?? 1;
    const ordering = Math.min(min, 1) - 1;
    const exists = this.sql.exec("SELECT 1 FROM events WHERE event_id = ?", pdu.event_id).toArray().length > 0;
    if (exists) {
      // Backfill stores only events that passed their auth check: as in deOutlier, not rejected.
      this.sql.exec("UPDATE events SET ordering = ?, outlier = 0, state_group = ?, state_group_after = ?, rejected = NULL WHERE event_id = ? AND outlier = 1", ordering, stateGroup, stateGroup, pdu.event_id);
      return ordering;
    }
    return this.insertEvent(pdu, { ordering, before: stateGroup, after: stateGroup });
  }

  /**
   * Turns a stored outlier into a full event once the state at it is known. Its caller has just
   * accepted it: an outlier stored rejected (say its auth events were missing then) is rejected
   * no more, or it would sit in the timeline unseen and reject every event that cites it.
   */
  deOutlier(eventId: string, before: number, after: number, softFailed: boolean): number {
    const row = this.sql
      .exec<{ ordering: number }>(
        "UPDATE events SET outlier = 0, state_group = ?, state_group_after = ?, soft_failed = ?, rejected = NULL WHERE event_id = ? RETURNING ordering",
        before,
        after,
        softFailed ? 1 : 0,
        eventId,
      )
      .one();
    return row.ordering;
  }

  /** The state group after an event, or undefined if the event is unknown or an outlier. */
  afterGroup(eventId: string): number | undefined {
    const row = this.sql.exec<{ g: number | null; outlier: number }>("SELECT state_group_after AS g, outlier FROM events WHERE event_id = ?", eventId).toArray()[0];
    if (!row || row.outlier || row.g === null) return undefined;
    return row.g;
  }

  isRejected(eventId: string): boolean {
    const row = this.sql.exec<{ rejected: string | null }>("SELECT rejected FROM events WHERE event_id = ?", eventId).toArray()[0];
    return row !== undefined && row.rejected !== null;
  }

  /** Replaces an event's stored JSON with its redacted form (the original content is gone). */
  storeRedacted(redacted: PDU, redactedBy: string): void {
    this.sql.exec("UPDATE events SET json = ?, redacted_by = ? WHERE event_id = ?", JSON.stringify(redacted), redactedBy, redacted.event_id);
    this.events.set(redacted.event_id, redacted);
  }

  // ---- the timeline: events clients may be shown ---------------------------------------------

  /** The lowest and highest orderings held (outliers included), null when there are no events. */
  orderingBounds(): { lo: number | null; hi: number | null } {
    return this.sql.exec<{ lo: number | null; hi: number | null }>("SELECT MIN(ordering) AS lo, MAX(ordering) AS hi FROM events").one();
  }

  /**
   * Up to `limit` shown events next to `cursor`: backwards ("b") those with ordering < cursor,
   * newest first; forwards ("f") those with ordering >= cursor, oldest first.
   */
  timelinePage(cursor: number, dir: "b" | "f", limit: number): EventRow[] {
    return dir === "b"
      ? this.sql.exec<EventRow>(`SELECT * FROM events WHERE ordering < ? AND ${SHOWN} ORDER BY ordering DESC LIMIT ?`, cursor, limit).toArray()
      : this.sql.exec<EventRow>(`SELECT * FROM events WHERE ordering >= ? AND ${SHOWN} ORDER BY ordering ASC LIMIT ?`, cursor, limit).toArray();
  }

  /** Up to 200 shown events from `ts` on ("f", oldest first) or up to it ("b", newest first). */
  nearTimestamp(ts: number, dir: "b" | "f"): EventRow[] {
    return dir === "f"
      ? this.sql.exec<EventRow>(`SELECT * FROM events WHERE origin_server_ts >= ? AND ${SHOWN} ORDER BY origin_server_ts ASC, ordering ASC LIMIT 200`, ts).toArray()
      : this.sql.exec<EventRow>(`SELECT * FROM events WHERE origin_server_ts <= ? AND ${SHOWN} ORDER BY origin_server_ts DESC, ordering DESC LIMIT 200`, ts).toArray();
  }

  /** The orderings (not outliers, not rejected) of a user's m.room.member events, with their JSON. */
  membershipHistory(userId: string): Array<{ ordering: number; json: string }> {
    return this.sql
      .exec<{ ordering: number; json: string }>(
        "SELECT ordering, json FROM events WHERE type = 'm.room.member' AND state_key = ? AND rejected IS NULL AND outlier = 0 ORDER BY ordering",
        userId,
      )
      .toArray();
  }

  /** The oldest event of the timeline (not an outlier). */
  firstInTimeline(): EventRow | undefined {
    return this.sql.exec<EventRow>("SELECT * FROM events WHERE outlier = 0 ORDER BY ordering ASC LIMIT 1").toArray()[0];
  }

  /** The latest timeline event (not an outlier) below `ordering`. */
  lastInTimelineBefore(ordering: number): EventRow | undefined {
    return this.sql.exec<EventRow>("SELECT * FROM events WHERE ordering < ? AND outlier = 0 ORDER BY ordering DESC LIMIT 1", ordering).toArray()[0];
  }

  /** Events stored after `ordering`, in order, `limit` at most: what the event → room index lacks. */
  idsAfter(ordering: number, limit: number): Array<{ ordering: number; event_id: string }> {
    return this.sql.exec<{ ordering: number; event_id: string }>("SELECT ordering, event_id FROM events WHERE ordering > ? ORDER BY ordering LIMIT ?", ordering, limit).toArray();
  }

  // ---- current state ----------------------------------------------------------------------

  currentStateIds(): StateIdMap {
    if (!this.current) {
      const m: StateIdMap = new Map();
      for (const r of this.sql.exec<{ type: string; state_key: string; event_id: string }>("SELECT * FROM current_state")) {
        m.set(stateKey(r.type, r.state_key), r.event_id);
      }
      this.current = m;
    }
    return this.current;
  }

  currentState(): StateMap {
    return this.resolveIds(this.currentStateIds());
  }

  currentEvent(type: string, key: string): PDU | undefined {
    const id = this.currentStateIds().get(stateKey(type, key));
    return id ? this.getEvent(id) : undefined;
  }

  setCurrentState(type: string, key: string, eventId: string): void {
    this.sql.exec(
      "INSERT INTO current_state (type, state_key, event_id) VALUES (?, ?, ?) ON CONFLICT (type, state_key) DO UPDATE SET event_id = excluded.event_id",
      type,
      key,
      eventId,
    );
    this.currentStateIds().set(stateKey(type, key), eventId);
  }

  /** Makes `ids` the current state, writing only what changed. */
  replaceCurrentState(ids: StateIdMap): void {
    const current = this.currentStateIds();
    for (const [k, id] of ids) {
      if (current.get(k) !== id) {
        const [type, key] = splitStateKey(k);
        this.setCurrentState(type, key, id);
      }
    }
    for (const k of [...current.keys()]) {
      if (!ids.has(k)) {
        const [type, key] = splitStateKey(k);
        this.sql.exec("DELETE FROM current_state WHERE type = ? AND state_key = ?", type, key);
        current.delete(k);
      }
    }
  }

  /** The events of some (type, state_key) pairs of a state, skipping the rest. */
  pickState(ids: StateIdMap, keys: Array<[string, string]>): StateMap {
    const m: StateMap = new Map();
    for (const [type, key] of keys) {
      const k = stateKey(type, key);
      const id = ids.get(k);
      const ev = id ? this.getEvent(id) : undefined;
      if (ev) m.set(k, ev);
    }
    return m;
  }

  resolveIds(ids: StateIdMap): StateMap {
    const m: StateMap = new Map();
    for (const [k, id] of ids) {
      const ev = this.getEvent(id);
      if (ev) m.set(k, ev);
    }
    return m;
  }

  // ---- forward extremities ------------------------------------------------------------------

  forwardExtremities(): string[] {
    return this.sql.exec<{ event_id: string }>("SELECT event_id FROM forward_extremities").toArray().map((r) => r.event_id);
  }

  /**
   * A new event replaces the extremities it points at, and becomes one itself unless a newer
   * event we hold already points at it (it arrived late, e.g. through get_missing_events).
   */
  advanceExtremities(pdu: PDU): void {
    for (const p of pdu.prev_events) {
      this.sql.exec("INSERT OR IGNORE INTO prev_edges (event_id, prev_id) VALUES (?, ?)", pdu.event_id, p);
      this.sql.exec("DELETE FROM forward_extremities WHERE event_id = ?", p);
    }
    const referenced = this.sql.exec("SELECT 1 FROM prev_edges WHERE prev_id = ? LIMIT 1", pdu.event_id).toArray().length > 0;
    if (!referenced) this.sql.exec("INSERT OR IGNORE INTO forward_extremities (event_id) VALUES (?)", pdu.event_id);
  }

  // ---- state groups -----------------------------------------------------------------------

  /** Records the state after applying `delta` to `prevGroup`; returns the new group's ID. */
  newStateGroup(prevGroup: number | null, delta: StateIdMap): number {
    let chain = 0;
    if (prevGroup !== null) {
      const row = this.sql.exec<{ chain_length: number }>("SELECT chain_length FROM state_groups WHERE id = ?", prevGroup).one();
      chain = row.chain_length + 1;
    }
    if (prevGroup === null || chain >= SNAPSHOT_INTERVAL) {
      const full = prevGroup === null ? new Map<StateKey, string>() : new Map(this.stateAtGroup(prevGroup));
      for (const [k, v] of delta) full.set(k, v);
      const row = this.sql
        .exec<{ id: number }>("INSERT INTO state_groups (prev_group, delta, chain_length) VALUES (NULL, ?, 0) RETURNING id", JSON.stringify([...full]))
        .one();
      this.groups.set(row.id, full);
      return row.id;
    }
    const row = this.sql
      .exec<{ id: number }>("INSERT INTO state_groups (prev_group, delta, chain_length) VALUES (?, ?, ?) RETURNING id", prevGroup, JSON.stringify([...delta]), chain)
      .one();
    return row.id;
  }

  stateAtGroup(group: number): StateIdMap {
    const cached = this.groups.get(group);
    if (cached) return cached;
    const chain: Array<[StateKey, string][]> = [];
    let id: number | null = group;
    let base: StateIdMap | undefined;
    while (id !== null) {
      const hit = this.groups.get(id);
      if (hit) {
        base = hit;
        break;
      }
      const row: { prev_group: number | null; delta: string } = this.sql
        .exec<{ prev_group: number | null; delta: string }>("SELECT prev_group, delta FROM state_groups WHERE id = ?", id)
        .one();
      chain.push(JSON.parse(row.delta) as [StateKey, string][]);
      id = row.prev_group;
    }
    const result: StateIdMap = new Map(base ?? []);
    for (let i = chain.length - 1; i >= 0; i--) for (const [k, v] of chain[i]) result.set(k, v);
    this.groups.set(group, result);
    return result;
  }

  /** The state before an event (undefined for outliers, whose state we don't know). */
  stateBefore(eventId: string): StateIdMap | undefined {
    const row = this.sql.exec<{ state_group: number | null }>("SELECT state_group FROM events WHERE event_id = ?", eventId).toArray()[0];
    if (!row || row.state_group === null) return undefined;
    return this.stateAtGroup(row.state_group);
  }

  latestStateGroup(): number | null {
    const row = this.sql.exec<{ id: number | null }>("SELECT MAX(id) AS id FROM state_groups").one();
    return row.id;
  }
}
