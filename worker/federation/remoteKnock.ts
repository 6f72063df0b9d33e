import type { Ctx } from "../router.js";
import { userStub } from "../../platform/stubs.js";
import { membershipHandshake } from "./membershipHandshake.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { toClientEvent, toStrippedState } from "../../protocol/clientEvent.js";

/**
 * Knocking on a room hosted on other servers (spec: server-server "Knocking upon a room"): the
 * same handshake as a join, with make_knock / send_knock. We hold none of the room's state, so
 * the knock lives only in the user's sync (the knock section, with the stripped state the
 * resident server returned); the answer comes later as an invite through PUT /invite.
 */

/** Stripped state from a remote: only the fields StrippedStateEvent has, and only well-formed entries. */
function strippedFrom(list: unknown): JsonObject[] {
  if (!Array.isArray(list)) return [];
  return list
    .filter(isJsonObject)
    .filter((e) => typeof e.type === "string" && typeof e.sender === "string" && isJsonObject(e.content))
    .map((e) => ({ type: e.type, state_key: typeof e.state_key === "string" ? e.state_key : "", content: e.content, sender: e.sender }) as JsonObject);
}

export async function knockRemoteRoom(ctx: Ctx, userId: string, roomId: string, servers: string[], content: JsonObject): Promise<void> {
  const h = await membershipHandshake(ctx, userId, roomId, servers, "knock", content);
  // The user's own knock goes with the room's state, so clients can show what they asked.
  const stripped = [...strippedFrom(h.response.knock_room_state), toStrippedState(h.pdu)];
  await userStub(ctx.env, userId).deliverRoomEvents(roomId, [
    {
      ordering: 0,
      event: toClientEvent(h.pdu, roomId),
      isState: true,
      membership: "knock",
      strippedState: stripped,
      push: { memberCount: 0, senderPowerLevel: 0, notificationPowerLevels: {} },
    },
  ]);
}
