/**
 * Shared plumbing for the steps of state resolution: a caching, throwing event lookup and the
 * small helpers every step needs. No step of the algorithm lives here.
 */
import type { PDU } from "../pdu.js";
import { stateKey, type StateKey } from "../pdu.js";

/** Thrown when state resolution needs an event that the caller could not supply. */
export class MissingEventError extends Error {
  constructor(readonly eventId: string, readonly neededFor: string) {
    super(`state resolution needs event ${eventId} (${neededFor}) but getEvent returned nothing`);
    this.name = "MissingEventError";
  }
}

export interface ResolveOptions {
  /**
   * Events rejected on receipt (they failed the auth rules against their own auth events).
   * Such events are never used as auth events during the iterative auth checks, and are never
   * admitted into the resolved state by them. The spec says they should not appear at all.
   */
  isRejected?: (eventId: string) => boolean;
}

export type EventGetter = (eventId: string) => PDU | undefined;

/** One resolution run: events fetched at most once from the caller, plus per-run memos. */
export class ResolutionContext {
  private readonly cache = new Map<string, PDU>();
  private readonly powerLevelsAuth = new Map<string, string | null>();
  private readonly rejected: (eventId: string) => boolean;

  constructor(private readonly getEvent: EventGetter, options: ResolveOptions = {}) {
    this.rejected = options.isRejected ?? (() => false);
  }

  /** The event, or a MissingEventError naming why it was needed. */
  event(eventId: string, neededFor = "state or auth chain"): PDU {
    let ev = this.cache.get(eventId);
    if (ev === undefined) {
      ev = this.getEvent(eventId);
      if (ev === undefined) throw new MissingEventError(eventId, neededFor);
      if (ev.event_id !== eventId) {
        throw new Error(`state resolution: getEvent(${eventId}) returned event ${ev.event_id}`);
      }
      this.cache.set(eventId, ev);
    }
    return ev;
  }

  /** The event if the caller has it, without throwing. */
  tryEvent(eventId: string): PDU | undefined {
    const cached = this.cache.get(eventId);
    if (cached !== undefined) return cached;
    const ev = this.getEvent(eventId);
    if (ev !== undefined && ev.event_id === eventId) this.cache.set(eventId, ev);
    return ev !== undefined && ev.event_id === eventId ? ev : undefined;
  }

  isRejected(eventId: string): boolean {
    return this.rejected(eventId);
  }

  /** The auth event IDs of an event (fetching it if need be). */
  authEvents(eventId: string): readonly string[] {
    return this.event(eventId).auth_events;
  }

  /** The `m.room.power_levels` event among the event's auth_events, memoised; null if none. */
  powerLevelsAuthEvent(eventId: string): string | null {
    const known = this.powerLevelsAuth.get(eventId);
    if (known !== undefined) return known;
    let found: string | null = null;
    for (const aid of this.authEvents(eventId)) {
      const a = this.event(aid, `auth event of ${eventId}`);
      if (a.type === "m.room.power_levels" && a.state_key === "") {
        found = aid;
        break;
      }
    }
    this.powerLevelsAuth.set(eventId, found);
    return found;
  }
}

export const CREATE_KEY: StateKey = stateKey("m.room.create", "");
export const POWER_LEVELS_KEY: StateKey = stateKey("m.room.power_levels", "");

/** The state key of a state event (type, state_key). Throws for a non-state event. */
export function keyOf(event: PDU): StateKey {
  if (typeof event.state_key !== "string") {
    throw new Error(`state resolution: event ${event.event_id} is not a state event`);
  }
  return stateKey(event.type, event.state_key);
}

/** Plain code-unit string order; event IDs are ASCII so this is also byte order. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Rebuild a map with keys in sorted order, so even iteration order is independent of the input. */
export function sortedStateMap(map: ReadonlyMap<StateKey, string>): Map<StateKey, string> {
  const keys = [...map.keys()].sort(compareStrings);
  const out = new Map<StateKey, string>();
  for (const k of keys) out.set(k, map.get(k) as string);
  return out;
}
