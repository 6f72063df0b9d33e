/**
 * Spec definition "Unconflicted state map and conflicted state set" (rooms v2, v12), and the
 * room version 1 notion of a *conflict*.
 */
import type { StateIdMap, StateKey } from "../pdu.js";
import { compareStrings } from "./context.js";

export interface SplitState {
  /** Keys whose event is the same in every state set (v2), or in every set that has the key (v1). */
  unconflicted: Map<StateKey, string>;
  /** Conflicted keys → the distinct event IDs found for them, sorted. */
  conflictedByKey: Map<StateKey, string[]>;
  /** All conflicted event IDs (the *conflicted state set*). */
  conflicted: Set<string>;
}

/**
 * v2 / v2.1: a pair (K, V) is unconflicted when K is present in *every* state map with the same
 * V; every other value is in the conflicted state set (including keys missing from some maps).
 *
 * v1: a conflict only exists between states that have *different* event IDs for a key; a key
 * that some states lack but that has a single event ID everywhere it appears is unconflicted
 * (room version 1: "Start by setting R to the union of the states … excluding any conflicting
 * events").
 */
export function splitConflicted(stateSets: readonly StateIdMap[], mode: "v1" | "v2"): SplitState {
  const values = new Map<StateKey, Set<string>>();
  const presentIn = new Map<StateKey, number>();
  for (const set of stateSets) {
    for (const [k, id] of set) {
      let vs = values.get(k);
      if (vs === undefined) values.set(k, (vs = new Set()));
      vs.add(id);
      presentIn.set(k, (presentIn.get(k) ?? 0) + 1);
    }
  }
  const unconflicted = new Map<StateKey, string>();
  const conflictedByKey = new Map<StateKey, string[]>();
  const conflicted = new Set<string>();
  for (const k of [...values.keys()].sort(compareStrings)) {
    const vs = values.get(k) as Set<string>;
    const everywhere = mode === "v1" || presentIn.get(k) === stateSets.length;
    if (vs.size === 1 && everywhere) {
      unconflicted.set(k, vs.values().next().value as string);
    } else {
      const ids = [...vs].sort(compareStrings);
      conflictedByKey.set(k, ids);
      for (const id of ids) conflicted.add(id);
    }
  }
  return { unconflicted, conflictedByKey, conflicted };
}
