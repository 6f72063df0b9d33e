/**
 * State resolution (spec: server-server-api "Room State Resolution"; rooms/v1.md,
 * rooms/fragments/v2-state-res.md, rooms/v12.md). One file per step of the algorithm:
 *
 *   conflictedStateSet.ts          unconflicted state map / conflicted state set
 *   authChain.ts                   auth chain, auth difference
 *   conflictedSubgraph.ts          conflicted state subgraph (v2.1)
 *   powerEvents.ts                 power events
 *   reverseTopologicalPowerSort.ts reverse topological power ordering (Kahn's algorithm)
 *   iterativeAuthCheck.ts          iterative auth checks
 *   mainlineSort.ts                mainline ordering
 *   resolveStateV2.ts              v2 (room versions 2–11) and v2.1 (room version 12)
 *   resolveStateV1.ts              room version 1
 *   sha1.ts                        sha1(event_id), room version 1's tie-break
 */
import type { PDU, StateIdMap } from "../pdu.js";
import type { RoomVersion } from "../roomVersions.js";
import { ResolutionContext, sortedStateMap, type ResolveOptions } from "./context.js";
import { AUTH_RULES } from "./iterativeAuthCheck.js";
import { resolveStateV1 } from "./resolveStateV1.js";
import { resolveStateV2 } from "./resolveStateV2.js";

export { MissingEventError, type ResolveOptions } from "./context.js";

/**
 * Resolves a set of room states into one, with the algorithm of the room version.
 *
 * Deterministic: the result never depends on the order of stateSets or of map iteration (the
 * returned map's keys are in sorted order). getEvent returns any event needed (the state events
 * and their auth chains); it is synchronous because the Durable Object's SQLite API is. Throws
 * a MissingEventError naming the event if a needed event is missing.
 *
 * `options.isRejected` may name events rejected on receipt (failed the auth rules against their
 * own auth events): the iterative auth checks never use them as auth events (the spec's "if the
 * auth event is not rejected") and never admit them into the state. Without it, no event is
 * treated as rejected.
 */
export function resolveState(
  version: RoomVersion,
  stateSets: StateIdMap[],
  getEvent: (eventId: string) => PDU | undefined,
  options: ResolveOptions = {},
): StateIdMap {
  if (stateSets.length === 0) return new Map();
  if (stateSets.length === 1) return sortedStateMap(stateSets[0]);
  const ctx = new ResolutionContext(getEvent, options);
  switch (version.stateResolution) {
    case "v1":
      return resolveStateV1(version, stateSets, ctx, AUTH_RULES);
    case "v2":
    case "v2.1":
      return resolveStateV2(version, stateSets, ctx, AUTH_RULES);
  }
}
