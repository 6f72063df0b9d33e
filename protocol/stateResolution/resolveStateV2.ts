/**
 * State resolution v2 (room versions 2–11) and v2.1 (room version 12): the "Algorithm"
 * sections of rooms/fragments/v2-state-res.md and rooms/v12.md.
 *
 *   0. Split the states into the unconflicted state map and the conflicted state set; the full
 *      conflicted set is the conflicted state set ∪ the auth difference
 *      (v2.1: ∪ the conflicted state subgraph).
 *   1. X = the power events of the full conflicted set, plus the events of their auth chains
 *      that are in the full conflicted set; sort X by the reverse topological power ordering.
 *   2. Iterative auth checks over X, starting from the unconflicted state map
 *      (v2.1: from an empty state map) → the partially resolved state.
 *   3. The rest of the full conflicted set, in mainline order based on the partially resolved
 *      state's power levels event.
 *   4. Iterative auth checks over those, starting from the partially resolved state.
 *   5. Overwrite with the unconflicted state map.
 */
import type { StateIdMap } from "../pdu.js";
import type { RoomVersion } from "../roomVersions.js";
import { authChainUnion, authDifference } from "./authChain.js";
import { splitConflicted } from "./conflictedStateSet.js";
import { conflictedSubgraph } from "./conflictedSubgraph.js";
import { POWER_LEVELS_KEY, sortedStateMap, type ResolutionContext } from "./context.js";
import { iterativeAuthCheck, type AuthRules } from "./iterativeAuthCheck.js";
import { mainlineSort } from "./mainlineSort.js";
import { isPowerEvent } from "./powerEvents.js";
import { reverseTopologicalPowerSort } from "./reverseTopologicalPowerSort.js";

export function fullConflictedSet(
  version: RoomVersion,
  stateSets: readonly StateIdMap[],
  ctx: ResolutionContext,
): { unconflicted: Map<string, string>; full: Set<string> } {
  const split = splitConflicted(stateSets, "v2");
  const full = new Set(split.conflicted);
  if (full.size === 0) return { unconflicted: split.unconflicted, full };
  for (const id of authDifference(stateSets, split, ctx)) full.add(id);
  if (version.stateResolution === "v2.1") {
    for (const id of conflictedSubgraph(split.conflicted, ctx)) full.add(id);
  }
  return { unconflicted: split.unconflicted, full };
}

export function resolveStateV2(
  version: RoomVersion,
  stateSets: readonly StateIdMap[],
  ctx: ResolutionContext,
  rules: AuthRules,
): StateIdMap {
  const { unconflicted, full } = fullConflictedSet(version, stateSets, ctx);
  if (full.size === 0) return sortedStateMap(unconflicted);

  // Step 1.
  const powerEvents: string[] = [];
  for (const id of full) if (isPowerEvent(ctx.event(id))) powerEvents.push(id);
  const x = new Set(powerEvents);
  for (const id of authChainUnion(powerEvents, ctx)) if (full.has(id)) x.add(id);
  const sortedPower = reverseTopologicalPowerSort(x, version, ctx);

  // Step 2.
  const start: ReadonlyMap<string, string> = version.stateResolution === "v2.1" ? new Map() : unconflicted;
  const partial = iterativeAuthCheck(version, sortedPower, start, ctx, rules);

  // Step 3.
  const rest: string[] = [];
  for (const id of full) if (!x.has(id)) rest.push(id);
  const sortedRest = mainlineSort(rest, partial.get(POWER_LEVELS_KEY), ctx);

  // Step 4.
  const resolved = iterativeAuthCheck(version, sortedRest, partial, ctx, rules);

  // Step 5.
  for (const [k, id] of unconflicted) resolved.set(k, id);
  return sortedStateMap(resolved);
}
