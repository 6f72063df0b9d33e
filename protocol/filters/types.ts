/**
 * Sync filters (spec: Client-Server API "Filtering"; definitions/sync_filter.yaml,
 * event_filter.yaml, room_event_filter.yaml). Names follow the spec's schema titles.
 */

/** EventFilter: presence, global account data, and the base of RoomEventFilter. */
export interface EventFilter {
  /** Maximum number of events to return; an integer > 0. Servers clamp it (see filterLimit). */
  limit?: number;
  /** Event types to include; `*` is a wildcard. Absent: all types. */
  types?: string[];
  /** Event types to exclude, even if listed in `types`; `*` is a wildcard. */
  not_types?: string[];
  /** Senders to include. Absent: all senders. */
  senders?: string[];
  /** Senders to exclude, even if listed in `senders`. */
  not_senders?: string[];
}

/** RoomEventFilter: timeline, state, ephemeral and per-room account data. */
export interface RoomEventFilter extends EventFilter {
  rooms?: string[];
  not_rooms?: string[];
  /** true: only events whose content has a `url` key; false: only events without one. */
  contains_url?: boolean;
  /** Lazy-loading room members: only members who sent events in the response. */
  lazy_load_members?: boolean;
  /** With lazy loading: resend membership events the client has already been sent. */
  include_redundant_members?: boolean;
  /** Per-thread notification counts in /sync (v1.4). */
  unread_thread_notifications?: boolean;
}

/** RoomFilter: `rooms` / `not_rooms` apply before the per-section filters. */
export interface RoomFilter {
  rooms?: string[];
  not_rooms?: string[];
  /** Include rooms the user has left. Defaults to false. */
  include_leave?: boolean;
  ephemeral?: RoomEventFilter;
  state?: RoomEventFilter;
  timeline?: RoomEventFilter;
  account_data?: RoomEventFilter;
}

export type EventFormat = "client" | "federation";

/** Filter: the object uploaded to POST /user/{userId}/filter or passed inline to /sync. */
export interface Filter {
  /** Dot-separated paths of the event fields to include. Absent: all fields. */
  event_fields?: string[];
  /** Defaults to "client". */
  event_format?: EventFormat;
  presence?: EventFilter;
  account_data?: EventFilter;
  room?: RoomFilter;
}
