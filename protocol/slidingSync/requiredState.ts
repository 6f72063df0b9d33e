import { isJsonObject, type JsonValue } from "../json.js";
import { SlidingSyncRequestError } from "./errors.js";

/**
 * `required_state` of simplified sliding sync (MSC4186, "RequiredStateRequest"): which state
 * events of a room a list or subscription wants. Two request forms exist and both are accepted:
 * the merged MSC's `{include, exclude, lazy_members}` and the pair form matrix-rust-sdk and
 * matrix-js-sdk still send, `[[type, state_key], …]` with `*` for "any", `$LAZY` for lazily
 * loaded members and `$ME` for the user's own ID.
 */

/** One RequiredStateElement: an omitted field matches anything. `$ME` as state_key is the user. */
export interface StateMatcher {
  type?: string;
  stateKey?: string;
}

export interface RequiredState {
  include: StateMatcher[];
  exclude: StateMatcher[];
  /**
   * Lazily loaded members: member events come only for timeline senders and targets, and for
   * matchers that name a member (`{type: "m.room.member", state_key: "@u:x"}` or `$ME`).
   */
  lazyMembers: boolean;
  /**
   * The pair form: a wildcard matches member events too, even with `$LAZY` (as Synapse serves
   * the clients that send it, e.g. `[["*", "*"], ["m.room.member", "$LAZY"]]` is all state).
   */
  wildcardsMatchMembers?: true;
}

export const ME = "$ME";
const LAZY = "$LAZY";
const ANY = "*";

/** Reads either request form; a wrong shape is M_BAD_JSON. */
export function parseRequiredState(raw: JsonValue | undefined, where: string): RequiredState {
  if (raw === undefined) return { include: [], exclude: [], lazyMembers: false };
  if (Array.isArray(raw)) return fromPairs(raw, where);
  if (!isJsonObject(raw)) throw new SlidingSyncRequestError("M_BAD_JSON", `${where}.required_state must be an object or a list of pairs`);
  const lazy = raw.lazy_members;
  if (lazy !== undefined && typeof lazy !== "boolean") throw new SlidingSyncRequestError("M_BAD_JSON", `${where}.required_state.lazy_members must be a boolean`);
  return {
    include: matchers(raw.include, `${where}.required_state.include`),
    exclude: matchers(raw.exclude, `${where}.required_state.exclude`),
    lazyMembers: lazy === true,
  };
}

function matchers(raw: JsonValue | undefined, where: string): StateMatcher[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new SlidingSyncRequestError("M_BAD_JSON", `${where} must be a list`);
  return raw.map((el, i) => {
    if (!isJsonObject(el)) throw new SlidingSyncRequestError("M_BAD_JSON", `${where}[${i}] must be an object`);
    const m: StateMatcher = {};
    if (el.type !== undefined) {
      if (typeof el.type !== "string") throw new SlidingSyncRequestError("M_BAD_JSON", `${where}[${i}].type must be a string`);
      m.type = el.type;
    }
    if (el.state_key !== undefined) {
      if (typeof el.state_key !== "string") throw new SlidingSyncRequestError("M_BAD_JSON", `${where}[${i}].state_key must be a string`);
      m.stateKey = el.state_key;
    }
    return m;
  });
}

function fromPairs(raw: JsonValue[], where: string): RequiredState {
  const out: RequiredState = { include: [], exclude: [], lazyMembers: false, wildcardsMatchMembers: true };
  raw.forEach((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string" || typeof pair[1] !== "string") {
      throw new SlidingSyncRequestError("M_BAD_JSON", `${where}.required_state[${i}] must be a [type, state_key] pair of strings`);
    }
    const [type, stateKey] = pair;
    if (type === "m.room.member" && stateKey === LAZY) {
      out.lazyMembers = true;
      return;
    }
    const m: StateMatcher = {};
    if (type !== ANY) m.type = type;
    if (stateKey !== ANY) m.stateKey = stateKey;
    out.include.push(m);
  });
  return out;
}

function matcherMatches(m: StateMatcher, type: string, stateKey: string, userId: string, lazyMembers: boolean): boolean {
  if (m.type !== undefined && m.type !== type) return false;
  if (m.stateKey === undefined) {
    // Under lazy loading (MSC4186's form), "every member" comes only from the lazy rules, never
    // from a wildcard.
    return !(lazyMembers && type === "m.room.member");
  }
  return (m.stateKey === ME ? userId : m.stateKey) === stateKey;
}

/** Whether one config asks for the state event (type, state_key), apart from lazily loaded members. */
export function wantsState(rs: RequiredState, type: string, stateKey: string, userId: string): boolean {
  const lazyWildcards = rs.lazyMembers && !rs.wildcardsMatchMembers;
  if (!rs.include.some((m) => matcherMatches(m, type, stateKey, userId, lazyWildcards))) return false;
  return !rs.exclude.some((m) => matcherMatches(m, type, stateKey, userId, false));
}

/**
 * A room matched by several lists and subscriptions gets the union of their configs (MSC4186
 * "Combining room configs"): an event is returned when any config returns it, and lazy members
 * are loaded when any config loads them lazily.
 */
export function wantsStateAny(configs: readonly RequiredState[], type: string, stateKey: string, userId: string): boolean {
  return configs.some((rs) => wantsState(rs, type, stateKey, userId));
}

export function anyLazyMembers(configs: readonly RequiredState[]): boolean {
  return configs.some((rs) => rs.lazyMembers);
}
