import { eventMatchesFilter, type RoomEventFilter } from "./filters/index.js";

/**
 * The `state` of a room in a /sync response (spec: GET /sync, "Lazy-loading room members").
 *
 * `state` is the room's state at the *start* of the returned timeline: everything up to it on an
 * initial or full-state sync, otherwise only what changed between the `since` point and the start
 * of the timeline (the gap of a limited timeline included). Events the timeline itself carries are
 * never repeated. As Synapse does, a state event set within the timeline's range but filtered out
 * of it (so the client would never see it) is taken from the state at the *end* of the timeline.
 *
 * With `use_state_after` (spec v1.16, MSC4222) the answer is `state_after` instead: the state at
 * the *end* of the timeline (on an incremental sync, what changed since `since`), timeline events
 * included, and the client takes its state from it alone.
 */

/** One state event as the user's copy holds it, with the stream position it was set at. */
export interface StateEntry<E> {
  eventId: string;
  type: string;
  stateKey: string;
  pos: number;
  event: E;
}

/** The parts of a timeline event the state calculation looks at. */
export interface TimelineItem {
  event_id: string;
  type: string;
  sender: string;
  state_key?: string;
}

export interface SyncStateInput<E> {
  /** The state just before the timeline's first event (or at its end when it is empty). */
  start: readonly StateEntry<E>[];
  /** The state after the timeline's last event. */
  end: readonly StateEntry<E>[];
  /** The timeline as returned, oldest first. */
  timeline: readonly TimelineItem[];
  /** Stream position the client already has the state of; undefined for a full-state answer. */
  since: number | undefined;
  /** Whether the timeline left out events after `since` (then the gap's state is sent in full, lazily loaded or not). */
  limited: boolean;
  userId: string;
  lazyLoad?: {
    /** Users whose membership the client must be given besides the timeline's senders (the summary's heroes). */
    extraMembers: readonly string[];
    /** Member events (by user) this device already has: skipped unless they changed. Undefined: send all (include_redundant_members). */
    alreadySent?: ReadonlyMap<string, string>;
  };
  /** "after": `state_after` (use_state_after) rather than `state`. */
  mode?: "start" | "after";
  /** The filter's room.state (types, senders, rooms…; its limit is not applied, as in Synapse). */
  filter?: RoomEventFilter;
  /** The parts of an event the filter matches on. */
  filterable: (e: E) => { type: string; sender?: string; room_id?: string; content?: unknown };
}

const MEMBER = "m.room.member";

/**
 * The users whose membership a lazy-loading client needs: the senders of the timeline's events
 * whose membership the timeline does not already carry before them, the `extra` users (heroes),
 * and, on a full-state answer, the user itself.
 */
export function lazyMembersToLoad(timeline: readonly TimelineItem[], userId: string, full: boolean, extra: readonly string[], mode: "start" | "after" = "start"): Set<string> {
  const out = new Set<string>(extra);
  if (full) out.add(userId);
  const inTimeline = new Set<string>();
  for (const ev of timeline) {
    // state_after does not layer timeline state over it: every sender's membership is needed.
    if (mode === "after" || !inTimeline.has(ev.sender)) out.add(ev.sender);
    if (ev.type === MEMBER && ev.state_key !== undefined) inTimeline.add(ev.state_key);
  }
  return out;
}

/** The state events to send, and the member events of the answer (state and timeline) the device will have once it gets it. */
export function syncState<E>(input: SyncStateInput<E>): { events: E[]; membersSent: Map<string, string> } {
  const { since, lazyLoad } = input;
  const after = input.mode === "after";
  const inTimeline = new Set(after ? [] : input.timeline.map((e) => e.event_id));
  const wanted = lazyLoad ? lazyMembersToLoad(input.timeline, input.userId, since === undefined, lazyLoad.extraMembers, input.mode) : undefined;
  const lazyKeep = (e: StateEntry<E>) => !wanted || e.type !== MEMBER || wanted.has(e.stateKey);
  // Lazily loaded members at the start are sent even if unchanged since `since` (the client may
  // never have been given them); alreadySent then drops the ones it has.
  const changed = (e: StateEntry<E>, start: boolean) => since === undefined || e.pos > since || (start && wanted !== undefined && e.type === MEMBER);
  // An incremental limited sync sends every state change of the gap (Synapse disables lazy
  // loading for the end state there), so members who changed in the gap are not missed.
  const endKeep = (e: StateEntry<E>) => (since !== undefined && input.limited) || lazyKeep(e);

  const byKey = new Map<string, StateEntry<E>>();
  // state_after: the end state; incrementally every change since `since` (as Synapse, members
  // too) plus the lazily loaded members.
  if (after) {
    for (const e of input.end) {
      const keep = since === undefined ? lazyKeep(e) : e.pos > since || (wanted !== undefined && e.type === MEMBER && wanted.has(e.stateKey));
      if (keep) byKey.set(keyOf(e), e);
    }
  }
  for (const e of after ? [] : input.start) {
    if (lazyKeep(e) && changed(e, true) && !inTimeline.has(e.eventId)) byKey.set(keyOf(e), e);
  }
  for (const e of after ? [] : input.end) {
    if (endKeep(e) && changed(e, false) && !inTimeline.has(e.eventId)) byKey.set(keyOf(e), e);
  }

  const membersSent = new Map<string, string>();
  const events: E[] = [];
  for (const e of byKey.values()) {
    if (e.type === MEMBER && lazyLoad?.alreadySent?.get(e.stateKey) === e.eventId) continue;
    if (input.filter && !eventMatchesFilter(input.filterable(e.event), input.filter)) continue;
    if (e.type === MEMBER) membersSent.set(e.stateKey, e.eventId);
    events.push(e.event);
  }
  // The timeline's member events are state the client has, except with state_after (which it must not take them from).
  if (!after) for (const ev of input.timeline) if (ev.type === MEMBER && ev.state_key !== undefined) membersSent.set(ev.state_key, ev.event_id);
  return { events, membersSent };
}

function keyOf(e: { type: string; stateKey: string }): string {
  return `${e.type}\u0000${e.stateKey}`;
}
