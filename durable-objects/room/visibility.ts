import type { EventStore, EventRow } from "./eventStore.js";
import { stateKey, type StateIdMap } from "../../protocol/pdu.js";

/**
 * History visibility (spec: client-server-api "Room History Visibility", server behaviour):
 * whether a user may see an event depends on the room state at that event.
 */
export class Visibility {
  /** Orderings at which the user's membership became "join", ascending. */
  private joins: number[];

  /** The senders the reader ignores (spec: "Ignoring Users"): their children count in no aggregation. */
  readonly ignored: ReadonlySet<string>;

  constructor(
    private store: EventStore,
    readonly userId: string,
    ignoredSenders: readonly string[] = [],
  ) {
    this.ignored = new Set(ignoredSenders);
    this.joins = store
      .membershipHistory(userId)
      .filter((r) => (JSON.parse(r.json) as { content: { membership?: string } }).content.membership === "join")
      .map((r) => r.ordering);
  }

  private historyVisibility(state: StateIdMap): string {
    const id = state.get(stateKey("m.room.history_visibility", ""));
    const v = id ? this.store.getEvent(id)?.content.history_visibility : undefined;
    return v === "world_readable" || v === "joined" || v === "invited" || v === "shared" ? v : "shared";
  }

  private membership(state: StateIdMap): string {
    const id = state.get(stateKey("m.room.member", this.userId));
    const m = id ? this.store.getEvent(id)?.content.membership : undefined;
    return typeof m === "string" ? m : "leave";
  }

  private allowedBy(state: StateIdMap, ordering: number): boolean {
    const hv = this.historyVisibility(state);
    if (hv === "world_readable") return true;
    const membership = this.membership(state);
    if (membership === "join") return true;
    if (hv === "shared" && this.joins.some((o) => o >= ordering)) return true;
    return hv === "invited" && membership === "invite";
  }

  canSee(row: EventRow): boolean {
    // The create event has no prev_events and so no state before it: it is stored without a
    // state group, and the state at it is empty (visibility `shared` by default). Any other event
    // without one is an event whose state we don't know, which nobody is shown.
    const isCreate = row.type === "m.room.create" && row.state_key === "";
    if (row.state_group === null && !isCreate) return false;
    const before: StateIdMap = row.state_group === null ? new Map() : this.store.stateAtGroup(row.state_group);
    if (this.allowedBy(before, row.ordering)) return true;
    // A history_visibility change, or the user's own membership change, is visible if the
    // state before OR after it allows.
    const ownMember = row.type === "m.room.member" && row.state_key === this.userId;
    if (row.type === "m.room.history_visibility" || ownMember) {
      const after = new Map(before);
      after.set(stateKey(row.type, row.state_key ?? ""), row.event_id);
      return this.allowedBy(after, row.ordering);
    }
    return false;
  }
}
