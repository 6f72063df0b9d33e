/**
 * Spec definition "Conflicted state subgraph" (room version 12, state resolution v2.1):
 * the union of all `auth_events` paths between any two events of the conflicted state set,
 * endpoints included.
 *
 * An event lies on such a path exactly when it is reachable from a conflicted event and some
 * conflicted event is reachable from it. One post-order walk below the conflicted events decides
 * the second condition for every event (an event reaches the conflicted set if it is in it or one
 * of its auth events does), so the whole computation is linear in the auth graph walked.
 */
import type { ResolutionContext } from "./context.js";
import { authGraphPostOrder } from "./authChain.js";

export function conflictedSubgraph(conflicted: ReadonlySet<string>, ctx: ResolutionContext): Set<string> {
  const reaches = new Set<string>();
  // Post-order: an event is visited after all its auth events, so their answers are known.
  for (const id of authGraphPostOrder(conflicted, ctx)) {
    if (conflicted.has(id)) {
      reaches.add(id);
      continue;
    }
    for (const aid of ctx.authEvents(id)) {
      if (reaches.has(aid)) {
        reaches.add(id);
        break;
      }
    }
  }
  // Every event of the walk is a conflicted event or reachable from one, so `reaches` is the subgraph.
  return reaches;
}
