/**
 * Spec definition "Reverse topological power ordering" (rooms v2, v12): the lexicographically
 * smallest topological ordering of a set of events under the DAG formed by auth events, earliest
 * first, found with Kahn's algorithm, picking at each step the smallest candidate where x < y if
 *   1. x's sender has the greater power level (from x's own auth events), else
 *   2. x's origin_server_ts is smaller, else
 *   3. x's event_id is smaller.
 *
 * The ordering constraint is auth ancestry: if y is in the auth chain of x, y comes first. Links
 * are usually direct (auth chains of the sorted events are themselves in the sorted set), but
 * when a path runs through events outside the set it still orders its two ends; such indirect
 * links are found with one memoised post-order walk, so the whole sort is O((V + E) log V).
 *
 * Note for interoperability: some implementations only link events by direct auth_events edges
 * inside the full conflicted set. Under v2.1 the two readings agree (every event on an auth path
 * between two events of the full conflicted set is itself in it, through the conflicted state
 * subgraph or the auth difference); under v2 they can differ only when such a path leaves the
 * full conflicted set, which needs inconsistent state sets.
 */
import type { RoomVersion } from "../roomVersions.js";
import { authGraphPostOrder } from "./authChain.js";
import { compareStrings, type ResolutionContext } from "./context.js";
import { SenderPowerLevels } from "./senderPowerLevel.js";
import { MinHeap } from "../minHeap.js";

interface SortKey {
  id: string;
  power: number;
  ts: number;
}

function less(x: SortKey, y: SortKey): boolean {
  if (x.power !== y.power) return x.power > y.power;
  if (x.ts !== y.ts) return x.ts < y.ts;
  return compareStrings(x.id, y.id) < 0;
}

const EMPTY: ReadonlySet<string> = new Set();

/**
 * For each event of `events`, the events of `events` that are its nearest auth ancestors: reached
 * through auth_events by a path whose inner events are all outside `events`.
 */
export function nearestAncestorsWithin(
  events: ReadonlySet<string>,
  ctx: ResolutionContext,
): Map<string, ReadonlySet<string>> {
  // below(n): for an event n outside `events`, the members of `events` reachable from n through
  // events outside `events`. Almost always empty (then the shared EMPTY set is stored).
  const below = new Map<string, ReadonlySet<string>>();
  const result = new Map<string, ReadonlySet<string>>();
  for (const id of authGraphPostOrder([...events].sort(compareStrings), ctx)) {
    let acc: Set<string> | undefined;
    for (const aid of ctx.authEvents(id)) {
      if (events.has(aid)) {
        (acc ??= new Set()).add(aid);
      } else {
        const sub = below.get(aid) as ReadonlySet<string>;
        if (sub.size > 0) {
          acc ??= new Set();
          for (const s of sub) acc.add(s);
        }
      }
    }
    if (events.has(id)) result.set(id, acc ?? EMPTY);
    else below.set(id, acc ?? EMPTY);
  }
  return result;
}

export function reverseTopologicalPowerSort(
  events: ReadonlySet<string>,
  version: RoomVersion,
  ctx: ResolutionContext,
): string[] {
  const ancestors = nearestAncestorsWithin(events, ctx);
  const waitingOn = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const [id, anc] of ancestors) {
    waitingOn.set(id, anc.size);
    for (const a of anc) {
      let d = dependents.get(a);
      if (d === undefined) dependents.set(a, (d = []));
      d.push(id);
    }
  }
  const powers = new SenderPowerLevels(version, ctx);
  const keyOf = (id: string): SortKey => ({
    id,
    power: powers.of(id),
    ts: ctx.event(id).origin_server_ts,
  });
  const heap = new MinHeap<SortKey>(less);
  for (const [id, n] of waitingOn) if (n === 0) heap.push(keyOf(id));
  const sorted: string[] = [];
  while (heap.size > 0) {
    const { id } = heap.pop();
    sorted.push(id);
    for (const d of dependents.get(id) ?? []) {
      const left = (waitingOn.get(d) as number) - 1;
      waitingOn.set(d, left);
      if (left === 0) heap.push(keyOf(d));
    }
  }
  if (sorted.length !== events.size) {
    throw new Error("state resolution: the auth events of the events to sort contain a cycle");
  }
  return sorted;
}
