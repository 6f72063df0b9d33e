import type { EventFilter } from "./types.js";

/** The server's policy for a section: the limit when the filter gives none, and the most it allows. */
export interface LimitPolicy {
  defaultLimit: number;
  maxLimit: number;
}

/**
 * The limit to use for a section: the filter's `limit`, or the server default, capped at the
 * server maximum (the spec asks servers to apply a default and impose a maximum).
 */
export function filterLimit(filter: EventFilter | undefined, policy: LimitPolicy): number {
  const requested = filter?.limit;
  const limit = typeof requested === "number" && Number.isInteger(requested) && requested > 0 ? requested : policy.defaultLimit;
  return Math.max(1, Math.min(limit, policy.maxLimit));
}

/**
 * Applies a limit to events in chronological order. `keep: "newest"` is /sync's timeline (the last
 * N events, with `limited` telling the client there is a gap before them); `"oldest"` is
 * paginating forwards.
 */
export function limitEvents<E>(events: readonly E[], limit: number, keep: "newest" | "oldest"): { events: E[]; limited: boolean } {
  if (events.length <= limit) return { events: [...events], limited: false };
  return { events: keep === "newest" ? events.slice(events.length - limit) : events.slice(0, limit), limited: true };
}
