/**
 * Which rooms the space hierarchy may show someone (spec: GET /hierarchy, the `rooms` conditions;
 * federation GET /hierarchy "rooms the requesting server could feasibly peek/join"). Pure.
 */
import { getRoomVersion } from "./roomVersions.js";

/** Shown, hidden, or shown only if the viewer is joined to one of the room's allowed rooms (restricted). */
export type HierarchyAccess = "yes" | "no" | "if-in-allowed-room";

/**
 * `membership` is the viewer's: a user's own, or for a server the best of its users' ("join",
 * "invite"), with "ban" standing for a server the room's ACL denies. A room of an unknown version
 * (a remote summary without room_version) is taken at its join rule's word.
 */
export function hierarchyAccess(room: { join_rule?: string; world_readable: boolean; room_version?: string }, membership: string): HierarchyAccess {
  if (membership === "ban") return "no";
  if (membership === "join" || membership === "invite") return "yes";
  if (room.world_readable) return "yes";
  const version = room.room_version !== undefined ? getRoomVersion(room.room_version) : undefined;
  switch (room.join_rule) {
    case "public":
      return "yes";
    case "knock":
      return !version || version.knock ? "yes" : "no";
    case "knock_restricted":
      // Knockable by anyone, so shown; joinable outright only through an allowed room.
      return !version || version.knockRestrictedJoin ? "yes" : "no";
    case "restricted":
      return !version || version.restrictedJoin ? "if-in-allowed-room" : "no";
    default:
      return "no";
  }
}
