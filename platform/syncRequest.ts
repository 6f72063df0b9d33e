import { invalidParam, toMatrixError } from "./errors.js";
import { parseFilterJson, validateFilter, type Filter } from "../protocol/filters/index.js";
import type { JsonObject } from "../protocol/json.js";

/** The query parameters of GET /sync, as the Worker read them (already type-checked). */
export interface SyncParams {
  since?: string;
  fullState: boolean;
  /** `filter`: inline JSON or the ID of a stored filter. */
  filter?: string;
  setPresence?: string;
  /** use_state_after (spec v1.16): `state_after` rather than `state` in room sections. */
  useStateAfter?: boolean;
  /**
   * Leave the device's to-device inbox alone: hand out none and acknowledge none. The legacy
   * GET /events, built on /sync, can't deliver them, and must not delete what the device's own
   * /sync has yet to receive.
   */
  leaveToDevice?: boolean;
}

export const DEFAULT_TIMELINE_LIMIT = 10;
/** The longest /sync timeline, whatever the filter asks: also how far back its state is ever read. */
export const MAX_TIMELINE_LIMIT = 1000;

/** The access token on the Worker's internal WebSocket request that parks a /sync wait. */
export const SYNC_TOKEN_HEADER = "X-Lattice-Access-Token";
/** The client's address on a parked /sync, for the device's last_seen_ip. */
export const SYNC_CLIENT_IP_HEADER = "X-Lattice-Client-IP";
/** On a parking sliding sync handshake: the request, URI-encoded JSON (a handshake has no body). */
export const SLIDING_REQUEST_HEADER = "X-Lattice-Sliding-Request";
/** Instead of the above, for a request too large for a header: the conn_id whose stored request to use. */
export const SLIDING_STORED_HEADER = "X-Lattice-Sliding-Stored";
/** The largest request sent in SLIDING_REQUEST_HEADER. */
export const MAX_SLIDING_HEADER_BYTES = 16_000;

/** On the UserDO's handshake reply: the per-device fields of an empty sync response. */
export const SYNC_IDLE_HEADER = "X-Lattice-Idle-Sync";

/** Resolves the `filter` parameter: inline JSON, or a stored filter by ID (spec: GET /sync). */
export function resolveSyncFilter(raw: string | undefined, stored: (id: string) => JsonObject | undefined): Filter | undefined {
  if (!raw) return undefined;
  try {
    if (raw.trim().startsWith("{")) return parseFilterJson(raw);
    const json = stored(raw);
    if (!json) throw invalidParam("No such filter");
    return validateFilter(json);
  } catch (e) {
    // Resolved inside the UserDO: a FilterError must cross the RPC as a MatrixError's wire form.
    throw toMatrixError(e) ?? e;
  }
}
