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
 *   resolveV2.ts / resolveV1.ts    the algorithms that put the steps together
 */
import type { PDU, StateIdMap } from "../pdu.js";
import type { RoomVersion } from "../roomVersions.js";
import { ResolutionContext, sortedStateMap, type ResolveOptions } from "./context.js";
import { AUTH_RULES, type AuthRules } from "./iterativeAuthCheck.js";
import { resolveV1 } from "./resolveV1.js";
import { resolveV2 } from "./resolveV2.js";

export { MissingEventError, type ResolveOptions } from "./context.js";

/**
 * Resolves a set of room states into one, with the algorithm of the room version.
 *
 * Deterministic: the result never depends on the order of stateSets or of map iteration (the
 * returned map's keys are in sorted order). getEvent returns any event needed (the state events
 * and their auth chains); it is synchronous because the Durable Object's SQLite API is. Throws
 * a MissingEventError naming the event if a needed event is missing.
 *
 * `options.isRejected` may name events rejected on receipt: they are not used as auth events
 * during the iterative auth checks (the spec's "if the auth event is not rejected").
 */
export function resolveState(
  version: RoomVersion,
  stateSets: StateIdMap[],
  getEvent: (eventId: string) => PDU | undefined,
  options: ResolveOptions = {},
): StateIdMap {
  return resolveStateWithRules(AUTH_RULES, version, stateSets, getEvent, options);
}

/** resolveState with the auth-rule functions passed in (for unit tests of the algorithm). */
export function resolveStateWithRules(
  rules: AuthRules,
  version: RoomVersion,
  stateSets: readonly StateIdMap[],
  getEvent: (eventId: string) => PDU | undefined,
  options: ResolveOptions = {},
): StateIdMap {
  if (stateSets.length === 0) return new Map();
  if (stateSets.length === 1) return sortedStateMap(stateSets[0]);
  const ctx = new ResolutionContext(getEvent, options);
  switch (version.stateResolution) {
    case "v1":
      return resolveV1(version, stateSets, ctx, rules);
    case "v2":
    case "v2.1":
      return resolveV2(version, stateSets, ctx, rules);
  }
}
