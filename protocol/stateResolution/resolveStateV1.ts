/**
 * State resolution for room version 1 (rooms/v1.md "State resolution").
 *
 * R starts as the union of the states without the conflicting events. Then, in passes:
 *   1. m.room.power_levels, 2. m.room.join_rules, 3. m.room.member — for each conflicted key of
 *      the pass, list its events by ascending depth then descending sha1(event_id); add the first
 *      to R; add each next one while the auth rules allow it in R, stopping at the first that is
 *      not allowed.
 *   4. every other conflicted key: the event with the highest depth and lowest sha1(event_id)
 *      that the auth rules allow in R.
 *
 * Choices where the text leaves room (so the result never depends on input order):
 * - Within one pass, each key is resolved against R as it stood at the start of the pass (plus
 *   that key's own accepted events); the results of the pass are added to R together. So two
 *   member keys never depend on which was resolved first.
 * - If no event of an "other" key is allowed, the last one in the order (lowest depth, then
 *   highest sha1) is taken, as common implementations do; the text does not say.
 */
import type { PDU, StateIdMap, StateKey } from "../pdu.js";
import { splitStateKey } from "../pdu.js";
import type { RoomVersion } from "../roomVersions.js";
import { splitConflicted } from "./conflictedStateSet.js";
import { compareStrings, POWER_LEVELS_KEY, sortedStateMap, type ResolutionContext } from "./context.js";
import { authStateFor, isAllowed, type AuthRules, type StateLookup } from "./iterativeAuthCheck.js";
import { sha1Hex } from "./sha1.js";

interface Ranked {
  event: PDU;
  depth: number;
  sha1: string;
}

function rank(ids: readonly string[], ctx: ResolutionContext): Ranked[] {
  return ids.map((id) => {
    const event = ctx.event(id);
    return { event, depth: event.depth, sha1: sha1Hex(id) };
  });
}

/** Ascending depth, then descending sha1(event_id). */
function ascendingDepth(a: Ranked, b: Ranked): number {
  if (a.depth !== b.depth) return a.depth - b.depth;
  return compareStrings(b.sha1, a.sha1);
}

function allowedIn(event: PDU, r: StateLookup, version: RoomVersion, ctx: ResolutionContext, rules: AuthRules): boolean {
  return isAllowed(event, authStateFor(event, r, version, ctx, rules, false), version, rules);
}

/** Passes 1–3 for one key: the last event of the allowed run, starting from the earliest. */
function resolveAuthKey(
  key: StateKey,
  ids: readonly string[],
  base: ReadonlyMap<StateKey, string>,
  version: RoomVersion,
  ctx: ResolutionContext,
  rules: AuthRules,
): string {
  const list = rank(ids, ctx).sort(ascendingDepth);
  let current = list[0].event.event_id;
  // R with this key's accepted event, without copying R for every key.
  const r: StateLookup = { get: (k) => (k === key ? current : base.get(k)) };
  for (let i = 1; i < list.length; i++) {
    if (!allowedIn(list[i].event, r, version, ctx, rules)) break;
    current = list[i].event.event_id;
  }
  return current;
}

/** Pass 4 for one key: highest depth, lowest sha1, that is allowed in R. */
function resolveOtherKey(
  ids: readonly string[],
  r: ReadonlyMap<StateKey, string>,
  version: RoomVersion,
  ctx: ResolutionContext,
  rules: AuthRules,
): string {
  const list = rank(ids, ctx).sort((a, b) => -ascendingDepth(a, b));
  for (const c of list) if (allowedIn(c.event, r, version, ctx, rules)) return c.event.event_id;
  return list[list.length - 1].event.event_id;
}

export function resolveStateV1(
  version: RoomVersion,
  stateSets: readonly StateIdMap[],
  ctx: ResolutionContext,
  rules: AuthRules,
): StateIdMap {
  const { unconflicted, conflictedByKey } = splitConflicted(stateSets, "v1");
  const r = new Map(unconflicted);
  const keys = [...conflictedByKey.keys()]; // already sorted
  const typeOf = (k: StateKey): string => splitStateKey(k)[0];
  const passes: Array<(k: StateKey) => boolean> = [
    (k) => k === POWER_LEVELS_KEY,
    (k) => typeOf(k) === "m.room.join_rules",
    (k) => typeOf(k) === "m.room.member",
  ];
  const done = new Set<StateKey>();
  for (const inPass of passes) {
    const results: Array<[StateKey, string]> = [];
    for (const k of keys) {
      if (done.has(k) || !inPass(k)) continue;
      results.push([k, resolveAuthKey(k, conflictedByKey.get(k) as string[], r, version, ctx, rules)]);
      done.add(k);
    }
    for (const [k, id] of results) r.set(k, id);
  }
  const others: Array<[StateKey, string]> = [];
  for (const k of keys) {
    if (done.has(k)) continue;
    others.push([k, resolveOtherKey(conflictedByKey.get(k) as string[], r, version, ctx, rules)]);
  }
  for (const [k, id] of others) r.set(k, id);
  return sortedStateMap(r);
}
