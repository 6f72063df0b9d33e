import type { JsonObject } from "./json.js";

/** Signatures: server name → key ID → unpadded base64 signature. */
export type Signatures = Record<string, Record<string, string>>;

/**
 * A room event (PDU) in the form Lattice keeps in memory and storage, for every room version.
 *
 * - `event_id` is always present: for room versions 1–2 it is part of the signed event; for v3+
 *   it is derived from the reference hash and is NOT part of the wire form (see `toWireFormat`).
 * - `prev_events` / `auth_events` are plain event ID lists here; room versions 1–2 send them as
 *   `[event_id, {sha256}]` tuples on the wire, which `fromWireFormat` flattens.
 * - `room_id` is absent on a v12 `m.room.create` event (the room ID is derived from it).
 */
export interface PDU {
  event_id: string;
  room_id?: string;
  sender: string;
  type: string;
  state_key?: string;
  content: JsonObject;
  origin_server_ts: number;
  depth: number;
  prev_events: string[];
  auth_events: string[];
  hashes: { sha256: string };
  signatures: Signatures;
  /** Top-level `redacts` (room versions 1–10); v11+ keeps it in `content.redacts`. */
  redacts?: string;
  /** Legacy top-level keys kept so hashes of old-version events verify. */
  origin?: string;
  membership?: string;
  prev_state?: unknown[];
  unsigned?: JsonObject;
  /** Anything else a remote server put in the event is kept verbatim (it is covered by hashes). */
  [extra: string]: unknown;
}

/** The (type, state_key) pair that identifies a piece of room state. */
export type StateKey = string;

export function stateKey(type: string, key: string): StateKey {
  return `${type}\u0000${key}`;
}

export function splitStateKey(k: StateKey): [type: string, stateKey: string] {
  const i = k.indexOf("\u0000");
  return [k.slice(0, i), k.slice(i + 1)];
}

/** Room state: (type, state_key) → the event that holds it. */
export type StateMap = Map<StateKey, PDU>;

/** Room state as event IDs, the form state resolution works with. */
export type StateIdMap = Map<StateKey, string>;

export function isStateEvent(event: Pick<PDU, "state_key">): boolean {
  return typeof event.state_key === "string";
}
