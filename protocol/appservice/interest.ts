import { inNamespace, isServiceUser } from "./namespaces.js";
import type { AppService } from "./registration.js";

/**
 * Which application services an event is pushed to (spec: application-service-api
 * "Pushing events": "the homeserver MUST send all events in rooms the application service is
 * interested in"), decided as Synapse's ApplicationService.is_interested_in_event decides it:
 * the room ID is in its rooms namespace, the sender or the target of a membership event is one
 * of its users, one of the room's aliases is in its aliases namespace, or one of the room's
 * local joined members is one of its users.
 */

/** What the room says about itself after the event. */
export interface RoomFacts {
  roomId: string;
  /** The users joined to the room after the event. */
  joined: readonly string[];
  /**
   * The room's canonical alias and alt_aliases (m.room.canonical_alias). Synapse reads the
   * aliases of its directory instead; here the room's own state is used, so deciding costs no
   * call to the (single) ServerDO on every message of every room.
   */
  aliases: readonly string[];
}

export interface EventFacts {
  type: string;
  sender: string;
  state_key?: string;
}

/** Whether `userId` is the service's or in its users namespace, on any server (as Synapse's _matches_user). */
function matchesUser(service: AppService, userId: string): boolean {
  return userId === service.sender || inNamespace(service, "users", userId);
}

/** The half of interest the event alone decides: the room ID, the sender, a membership event's target. */
export function isInterestedInEvent(service: AppService, event: EventFacts, roomId: string): boolean {
  if (inNamespace(service, "rooms", roomId)) return true;
  if (matchesUser(service, event.sender)) return true;
  // An invite, kick or ban of one of its users: they are not joined (yet, any more).
  return event.type === "m.room.member" && event.state_key !== undefined && matchesUser(service, event.state_key);
}

/**
 * The half the room's state decides: its aliases and its local joined members. It is the same
 * for every event sharing a state, and walking the members is the costly part: callers ask it
 * once per state, and only for events the first half did not settle.
 */
export function isInterestedInRoomState(service: AppService, room: Omit<RoomFacts, "roomId">, serverName: string): boolean {
  if (room.aliases.some((a) => inNamespace(service, "aliases", a))) return true;
  // Only this server's members count: a remote user in the namespace is not the service's to bridge.
  return room.joined.some((u) => isServiceUser(service, u, serverName));
}

export function isInterested(service: AppService, event: EventFacts, room: RoomFacts, serverName: string): boolean {
  return isInterestedInEvent(service, event, room.roomId) || isInterestedInRoomState(service, room, serverName);
}

/**
 * The services among `services` interested in the event; `viaRoomState` answers the room-state
 * half (isInterestedInRoomState) for a service, asked only when the event half says no.
 */
export function interestedServices(services: readonly AppService[], event: EventFacts, roomId: string, viaRoomState: (service: AppService) => boolean): AppService[] {
  return services.filter((s) => isInterestedInEvent(s, event, roomId) || viaRoomState(s));
}

/** The aliases an m.room.canonical_alias content names (alias and alt_aliases), ignoring junk. */
export function aliasesOf(content: Record<string, unknown> | undefined): string[] {
  if (!content) return [];
  const out: string[] = [];
  if (typeof content.alias === "string") out.push(content.alias);
  if (Array.isArray(content.alt_aliases)) for (const a of content.alt_aliases) if (typeof a === "string") out.push(a);
  return out;
}
