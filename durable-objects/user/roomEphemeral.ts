import type { JsonObject } from "../../protocol/json.js";
import type { StreamStore } from "./streamStore.js";
import type { RoomViewStore } from "./roomViewStore.js";

/**
 * A room's ephemeral events for this user (spec: client-server "Typing Notifications", "Receipts"),
 * handed over by the RoomDO: they go into the user's stream, and the user's own receipt moves its
 * read position. The caller wakes the waiting syncs.
 */

/** Typing and other per-room ephemeral state that replaces its previous value. */
export function setRoomEphemeral(stream: StreamStore, rooms: RoomViewStore, roomId: string, type: string, content: JsonObject): void {
  const pos = stream.append("ephemeral", roomId, null, { type }, null, 0, 0);
  rooms.setEphemeral(roomId, type, content, pos);
}

/** A receipt in a room; `own` marks the user's own receipt, which resets unread counts. */
export function addReceipt(stream: StreamStore, rooms: RoomViewStore, roomId: string, content: JsonObject, own?: { eventId: string; ordering: number }): void {
  stream.append("receipt", roomId, null, content, null, 0, 0);
  if (own) {
    const pos = stream.posOfEvent(roomId, own.eventId);
    if (pos !== undefined) {
      rooms.advanceReadPos(roomId, pos, stream.append("read", roomId, null, {}, null, 0, 0));
    }
  }
}
