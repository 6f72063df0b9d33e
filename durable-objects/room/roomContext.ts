import type { Env } from "../../platform/env.js";
import type { RoomVersion } from "../../protocol/roomVersions.js";
import type { RoomStores } from "./stores.js";

/**
 * One room as the code that receives and serves its events over federation needs it: its stores,
 * its ID and version, and what outbound federation requests need (the Worker's bindings, and our
 * own key, which verifying our own signatures needs without a round trip).
 */
export interface RoomContext {
  env: Env;
  stores: RoomStores;
  roomId: string;
  version: RoomVersion;
  ownKey: { serverName: string; keyId: string; publicKey: Uint8Array };
}

/** Whether we hold the event at all (as an outlier or in the timeline). */
export function isKnown(room: RoomContext, eventId: string): boolean {
  return room.stores.events.getRow(eventId) !== undefined;
}

/** Whether we hold the event with the state at it (not an outlier). */
export function isFull(room: RoomContext, eventId: string): boolean {
  const row = room.stores.events.getRow(eventId);
  return row !== undefined && row.outlier === 0;
}
