/**
 * A room as the space hierarchy shows it (spec: SpaceHierarchyRoomsChunk — the room summary,
 * plus its m.space.child events as stripped state with origin_server_ts), and where a viewer,
 * a user or a whole server, stands in it.
 */
import { splitStateKey, stateKey, type StateMap } from "../../protocol/pdu.js";
import type { RoomVersion } from "../../protocol/roomVersions.js";
import { membershipOf, restrictedAllowRoomIds } from "../../protocol/membership.js";
import { isFromServer } from "../../protocol/identifiers.js";
import { isLiveSpaceChild } from "../../protocol/spaceChildren.js";
import type { PublicRoomSummary } from "../../platform/rpc/server.js";
import type { HierarchyViewer, SpaceHierarchyRoom } from "../../platform/rpc/room.js";

export function spaceRoomEntry(summary: PublicRoomSummary, state: StateMap, version: RoomVersion): SpaceHierarchyRoom {
  const room: SpaceHierarchyRoom = { ...summary, room_version: version.id, children_state: [] };
  const allowed = restrictedAllowRoomIds(state, version);
  if (allowed.length > 0) room.allowed_room_ids = allowed;
  const algorithm = state.get(stateKey("m.room.encryption", ""))?.content.algorithm;
  if (typeof algorithm === "string") room.encryption = algorithm;
  // Spec: "If the room is not a space-room, this should be empty."
  if (summary.room_type !== "m.space") return room;
  for (const [key, ev] of state) {
    if (splitStateKey(key)[0] !== "m.space.child" || !isLiveSpaceChild(ev)) continue;
    room.children_state.push({ type: ev.type, state_key: ev.state_key ?? "", content: ev.content, sender: ev.sender, origin_server_ts: ev.origin_server_ts });
  }
  return room;
}

/** A user's own membership, or a server's standing through its users. */
export function viewerMembership(state: StateMap, viewer: HierarchyViewer, serverAllowed: (server: string) => boolean): string {
  if ("userId" in viewer) return membershipOf(viewer.userId, state);
  if (!serverAllowed(viewer.server)) return "ban";
  let best = "leave";
  for (const [key, ev] of state) {
    const [type, userId] = splitStateKey(key);
    // Member state keys come from remote servers too: no throwing on odd ones.
    if (type !== "m.room.member" || !isFromServer(userId, viewer.server)) continue;
    if (ev.content.membership === "join") return "join";
    if (ev.content.membership === "invite") best = "invite";
  }
  return best;
}
