import { badRequest } from "../../platform/errors.js";
import { serverNameIfAny } from "../../protocol/identifiers.js";
import type { RoomViewStore } from "./roomViewStore.js";

/** The user's memberships as its copy of each room holds them (user/roomViewStore.ts): invites and knocks, and forgetting. */

/**
 * For a room this user is invited to or knocking on: the servers that sent the room's stripped
 * state (the inviter's first), where a remote join, a rejection or a withdrawn knock can go.
 */
export function inviteServers(rooms: RoomViewStore, roomId: string): string[] {
  const state = rooms.inviteState(roomId);
  if (!state) return [];
  const events = state as Array<{ type?: string; sender?: string }>;
  const senders = [...events.filter((e) => e.type === "m.room.member"), ...events].map((e) => e.sender).filter((x): x is string => typeof x === "string");
  return [...new Set(senders.map(serverNameIfAny).filter((s): s is string => s !== undefined))];
}

/** Spec: POST /rooms/{roomId}/forget; refused while the user is still in the room. */
export function forget(rooms: RoomViewStore, roomId: string): void {
  const membership = rooms.membership(roomId);
  if (membership === "join" || membership === "invite" || membership === "knock") {
    throw badRequest("User is still in the room");
  }
  rooms.forget(roomId);
}
