/**
 * Auth events selection (spec: server-server-api "Auth events selection"): the (type,
 * state_key) pairs of room state an event's `auth_events` are chosen from. Used both to build
 * new events and to refuse received events that cite anything else.
 */
import { isJsonObject } from "../json.js";
import { stateKey, type PDU, type StateMap } from "../pdu.js";
import type { RoomVersion } from "../roomVersions.js";

export function authEventTypes(
  event: Pick<PDU, "type" | "state_key" | "sender" | "content">,
  version: RoomVersion,
): Array<[string, string]> {
  // The create event is the root: it has no auth events.
  if (event.type === "m.room.create") return [];
  const pairs: Array<[string, string]> = [];
  const add = (type: string, key: string): void => {
    if (!pairs.some(([t, k]) => t === type && k === key)) pairs.push([type, key]);
  };
  // v1–11 cite the create event; in v12 the room ID stands for it and it must not be cited.
  if (!version.roomIdIsCreateEventHash) add("m.room.create", "");
  add("m.room.power_levels", "");
  add("m.room.member", event.sender);
  if (event.type === "m.room.member" && typeof event.state_key === "string") {
    const content = event.content;
    const membership = content.membership;
    add("m.room.member", event.state_key);
    if (membership === "join" || membership === "invite" || membership === "knock") {
      add("m.room.join_rules", "");
    }
    if (membership === "invite") {
      const tpi = content.third_party_invite;
      if (isJsonObject(tpi) && isJsonObject(tpi.signed) && typeof tpi.signed.token === "string") {
        add("m.room.third_party_invite", tpi.signed.token);
      }
    }
    if (
      membership === "join" &&
      version.restrictedJoin &&
      typeof content.join_authorised_via_users_server === "string"
    ) {
      add("m.room.member", content.join_authorised_via_users_server);
    }
  }
  return pairs;
}

/** The auth events of a new `event`, chosen from `state` by the pairs above: each event once. */
export function selectAuthEvents(
  event: Pick<PDU, "type" | "state_key" | "sender" | "content">,
  state: StateMap,
  version: RoomVersion,
): PDU[] {
  const out: PDU[] = [];
  for (const [type, key] of authEventTypes(event, version)) {
    const ev = state.get(stateKey(type, key));
    if (ev && !out.some((e) => e.event_id === ev.event_id)) out.push(ev);
  }
  return out;
}
