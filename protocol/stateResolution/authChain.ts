/**
 * Spec definitions "Auth chain" and "Auth difference" (rooms v2, v12).
 *
 * Every walk here is iterative (auth chains of real rooms are far deeper than the JS stack) and
 * visits each event at most once per call, so the cost is linear in the size of the auth graph
 * walked.
 */
import type { StateIdMap } from "../pdu.js";
import type { ResolutionContext } from "./context.js";
import type { SplitState } from "./conflictedStateSet.js";

/**
 * The union of the auth chains of `roots`: every event reachable from a root by following one or
 * more `auth_events` links. A root is only included if it is in another root's chain.
 * `stopAt(id)` prunes the walk: such an event is neither included nor walked through.
 */
export function authChainUnion(
  roots: Iterable<string>,
  ctx: ResolutionContext,
  stopAt?: (eventId: string) => boolean,
): Set<string> {
  const chain = new Set<string>();
  const stack: string[] = [];
  for (const r of roots) stack.push(r);
  // Roots themselves are expanded but only enter `chain` when reached through an edge.
  const expanded = new Set<string>();
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (expanded.has(id)) continue;
    expanded.add(id);
    for (const aid of ctx.authEvents(id)) {
      if (stopAt !== undefined && stopAt(aid)) continue;
      if (!chain.has(aid)) {
        chain.add(aid);
        stack.push(aid);
      }
    }
  }
  return chain;
}

/** The auth chain of one event (all events reachable through auth_events, not the event itself). */
export function authChain(eventId: string, ctx: ResolutionContext): Set<string> {
  return authChainUnion([eventId], ctx);
}

/**
 * Every event reachable from `roots` (roots included), in post-order: each event comes after all
 * of its auth events. Iterative depth-first search.
 */
export function authGraphPostOrder(roots: Iterable<string>, ctx: ResolutionContext): string[] {
  const order: string[] = [];
  const state = new Map<string, 1 | 2>(); // 1 = on the stack, 2 = emitted
  const stack: Array<{ id: string; next: number }> = [];
  for (const root of roots) {
    if (state.has(root)) continue;
    state.set(root, 1);
    stack.push({ id: root, next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const auth = ctx.authEvents(top.id);
      if (top.next < auth.length) {
        const aid = auth[top.next++];
        const s = state.get(aid);
        if (s === undefined) {
          state.set(aid, 1);
          stack.push({ id: aid, next: 0 });
        } else if (s === 1) {
          throw new Error(`state resolution: auth_events cycle through ${aid}`);
        }
      } else {
        stack.pop();
        state.set(top.id, 2);
        order.push(top.id);
      }
    }
  }
  return order;
}

/**
 * Auth difference: with C_i the full auth chain of state set S_i (the union of the auth chains of
 * its events), the events in ∪ C_i − ∩ C_i.
 *
 * Computed without walking the shared history once per state set: the auth chains of the
 * unconflicted events (U) are part of every C_i, and everything below an event of U is in U, so
 * an event outside U is in C_i exactly when it is reachable from S_i's *conflicted* events by a
 * path that avoids U. U is walked once; each C_i − U separately.
 */
export function authDifference(
  stateSets: readonly StateIdMap[],
  split: SplitState,
  ctx: ResolutionContext,
): Set<string> {
  const shared = authChainUnion(split.unconflicted.values(), ctx);
  const counts = new Map<string, number>();
  for (const set of stateSets) {
    const roots: string[] = [];
    for (const id of set.values()) if (split.conflicted.has(id)) roots.push(id);
    const own = authChainUnion(roots, ctx, (id) => shared.has(id));
    for (const id of own) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const difference = new Set<string>();
  for (const [id, n] of counts) if (n < stateSets.length) difference.add(id);
  return difference;
}
