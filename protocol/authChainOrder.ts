/**
 * The order in which to check a batch of events received together (a send_join auth chain and
 * state, a fetched auth chain): every event after the events it cites in `auth_events`, so each
 * is checked with its auth events already stored (spec: server-server "Checks performed on
 * receipt of a PDU", step 4).
 *
 * Depth can't give this order: it is set by the sending server and the spec says it must not be
 * trusted (Synapse 1.67, for one, gives the creator's join and the power levels that cite it the
 * same depth). Depth and then event ID only break ties between events that are ready at the same
 * time, so the order is the same whatever order the batch arrived in.
 */
import { MinHeap } from "./minHeap.js";

export interface AuthOrderItem {
  event_id: string;
  auth_events: string[];
  depth: number;
}

function before(a: AuthOrderItem, b: AuthOrderItem): boolean {
  return a.depth !== b.depth ? a.depth < b.depth : a.event_id < b.event_id;
}

/**
 * `items` in auth order (Kahn's topological sort). Auth events outside the batch don't hold an
 * event back (they are already stored, or missing, which the auth check then reports). A second
 * copy of an event ID is dropped. Events in a cycle, which no honest server produces, can't be
 * put after all their auth events: they come last, in tie-break order, and fail their checks.
 */
export function orderByAuthEvents<T extends AuthOrderItem>(items: readonly T[]): T[] {
  const byId = new Map<string, T>();
  for (const item of items) if (!byId.has(item.event_id)) byId.set(item.event_id, item);

  const waitingOn = new Map<string, number>();
  const dependants = new Map<string, string[]>();
  for (const item of byId.values()) {
    const deps = new Set(item.auth_events.filter((id) => byId.has(id) && id !== item.event_id));
    waitingOn.set(item.event_id, deps.size);
    for (const dep of deps) {
      const list = dependants.get(dep);
      if (list) list.push(item.event_id);
      else dependants.set(dep, [item.event_id]);
    }
  }

  // Auth chains of big rooms run to tens of thousands of events: the ready set is a binary heap.
  const ready = new MinHeap<T>(before);
  for (const item of byId.values()) if (waitingOn.get(item.event_id) === 0) ready.push(item);
  const out: T[] = [];
  while (ready.size > 0) {
    const next = ready.pop();
    out.push(next);
    for (const id of dependants.get(next.event_id) ?? []) {
      const left = (waitingOn.get(id) ?? 0) - 1;
      waitingOn.set(id, left);
      if (left === 0) ready.push(byId.get(id) as T);
    }
  }

  if (out.length < byId.size) {
    const placed = new Set(out.map((item) => item.event_id));
    const stuck = [...byId.values()].filter((item) => !placed.has(item.event_id));
    stuck.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    out.push(...stuck);
  }
  return out;
}

/**
 * `items` in causal order: each after the events of the batch it cites in `prev_events` or
 * `auth_events`, for a batch of room events to be received one by one (a transaction's PDUs, a
 * get_missing_events answer). Each then finds its predecessors stored, where depth order, which
 * the sender chooses, could put an event before the events it builds on.
 */
export function orderByPrevAndAuthEvents<T extends AuthOrderItem & { prev_events: string[] }>(items: readonly T[]): T[] {
  const wrapped = items.map((item) => ({ event_id: item.event_id, auth_events: [...item.prev_events, ...item.auth_events], depth: item.depth, item }));
  return orderByAuthEvents(wrapped).map((w) => w.item);
}
