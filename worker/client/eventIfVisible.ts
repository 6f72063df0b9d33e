import type { RoomRpc } from "../../platform/rpc/room.js";
import type { ClientEvent } from "../../protocol/clientEvent.js";
import { toMatrixError } from "../../platform/errors.js";

/**
 * The event as `userId` may see it, or undefined when the room answers that it does not exist or
 * that the user may not see it (404 or 403: history visibility, never a member). Any other failure
 * is the server's and is thrown, so it is not passed off to the client as "not found".
 */
export async function eventIfVisible(room: Pick<RoomRpc, "getEvent">, userId: string, eventId: string): Promise<ClientEvent | undefined> {
  try {
    return await room.getEvent(userId, eventId);
  } catch (e) {
    const err = toMatrixError(e);
    if (err && (err.status === 404 || err.status === 403)) return undefined;
    throw e;
  }
}
