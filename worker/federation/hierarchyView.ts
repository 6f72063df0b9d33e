import type { Env } from "../../platform/env.js";
import { toMatrixError } from "../../platform/errors.js";
import { roomStub } from "../../platform/stubs.js";
import { isValidRoomId } from "../../protocol/identifiers.js";
import { hierarchyAccess } from "../../protocol/hierarchyAccess.js";
import type { HierarchyViewer, SpaceHierarchyRoom, SpaceRoomView } from "../../platform/rpc/room.js";

/**
 * What both /hierarchy endpoints (client and federation) ask of rooms: this server's view of a
 * room, and whether a viewer may see it there.
 */

/** Restricted rooms usually name one or two allowed rooms; more are not worth a request each. */
const MAX_ALLOWED_ROOMS_CHECKED = 10;

/** The room as this server holds it, or undefined when it holds no copy. */
export async function localSpaceRoom(env: Env, roomId: string, viewer: HierarchyViewer): Promise<SpaceRoomView | undefined> {
  if (!isValidRoomId(roomId)) return undefined;
  try {
    return await roomStub(env, roomId).spaceRoom(viewer);
  } catch (e) {
    if (toMatrixError(e)?.status === 404) return undefined;
    throw e;
  }
}

/**
 * Whether `viewer` may see `room` in a hierarchy, given its membership there. A restricted room
 * is shown to a user joined to one of its allowed rooms, or to a server with a user joined to one
 * — as far as this server knows those rooms.
 */
export async function visibleInHierarchy(env: Env, room: SpaceHierarchyRoom, membership: string, viewer: HierarchyViewer): Promise<boolean> {
  const access = hierarchyAccess(room, membership);
  if (access !== "if-in-allowed-room") return access === "yes";
  for (const allowedId of (room.allowed_room_ids ?? []).slice(0, MAX_ALLOWED_ROOMS_CHECKED)) {
    if ((await localSpaceRoom(env, allowedId, viewer))?.membership === "join") return true;
  }
  return false;
}
