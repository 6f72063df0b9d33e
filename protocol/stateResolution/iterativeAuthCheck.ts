/**
 * Spec definition "Iterative auth checks" (rooms v2, v12): starting from an initial state, take
 * each event of a sorted list in turn and apply it to the state if the authorisation rules allow
 * it; otherwise ignore it.
 *
 * The auth events an event is checked against: for every (type, state_key) the auth rules need
 * for it (auth events selection), the event in the state being built; where the state has none,
 * the event's own auth event for that key. Rejected auth events are never used.
 * In room version 12 the create event is never an auth event; it is the event whose ID the
 * room ID names (sigil "!" for "$").
 */
import type { PDU, StateIdMap, StateMap } from "../pdu.js";
import { stateKey } from "../pdu.js";
import type { RoomVersion } from "../roomVersions.js";
import { authEventTypes, authorizeEvent, type AuthResult } from "../authRules/index.js";
import { CREATE_KEY, keyOf, type ResolutionContext } from "./context.js";
import { createEventFor } from "./senderPowerLevel.js";

/** The two auth-rule functions state resolution calls (replaceable in unit tests of one step). */
export interface AuthRules {
  authorizeEvent(event: PDU, authState: StateMap, version: RoomVersion): AuthResult;
  authEventTypes(event: PDU, version: RoomVersion): Array<[string, string]>;
}

export const AUTH_RULES: AuthRules = { authorizeEvent, authEventTypes };

/**
 * The auth events for checking `event` against `state`: the needed keys from `state`, falling
 * back to the event's own auth events when `fallbackToAuthEvents` (iterative auth checks; room
 * version 1 checks against the state alone).
 */
/** Anything state can be read from by key (a state map, or a map with one key overridden). */
export interface StateLookup {
  get(key: string): string | undefined;
}

export function authStateFor(
  event: PDU,
  state: StateLookup,
  version: RoomVersion,
  ctx: ResolutionContext,
  rules: AuthRules,
  fallbackToAuthEvents: boolean,
): StateMap {
  const authState: StateMap = new Map();
  if (fallbackToAuthEvents) {
    for (const aid of event.auth_events) {
      if (ctx.isRejected(aid)) continue;
      const a = ctx.event(aid, `auth event of ${event.event_id}`);
      if (typeof a.state_key === "string") authState.set(stateKey(a.type, a.state_key), a);
    }
  }
  const needed = rules.authEventTypes(event, version).map(([t, k]) => stateKey(t, k));
  if (!needed.includes(CREATE_KEY)) needed.push(CREATE_KEY);
  for (const k of needed) {
    const id = state.get(k);
    if (id !== undefined && !ctx.isRejected(id)) authState.set(k, ctx.event(id, "state event"));
  }
  if (!authState.has(CREATE_KEY)) {
    const create = createEventFor(event, version, ctx);
    if (create !== undefined && !ctx.isRejected(create.event_id)) authState.set(CREATE_KEY, create);
  }
  return authState;
}

/** Whether the auth rules allow `event` with these auth events (false if there is no create event). */
export function isAllowed(event: PDU, authState: StateMap, version: RoomVersion, rules: AuthRules): boolean {
  if (!authState.has(CREATE_KEY)) return false;
  return rules.authorizeEvent(event, authState, version).allowed;
}

export function iterativeAuthCheck(
  version: RoomVersion,
  sortedEventIds: readonly string[],
  initialState: ReadonlyMap<string, string>,
  ctx: ResolutionContext,
  rules: AuthRules = AUTH_RULES,
): StateIdMap {
  const state: StateIdMap = new Map(initialState);
  for (const id of sortedEventIds) {
    if (ctx.isRejected(id)) continue;
    const event = ctx.event(id);
    const authState = authStateFor(event, state, version, ctx, rules, true);
    if (isAllowed(event, authState, version, rules)) state.set(keyOf(event), id);
  }
  return state;
}
