import type { Ctx } from "../router.js";
import { userStub } from "../../platform/stubs.js";
import { membershipHandshake } from "./membershipHandshake.js";
import type { JsonObject } from "../../protocol/json.js";
import { toClientEvent, type ClientEvent } from "../../protocol/clientEvent.js";

/**
 * Rejecting an invite to a room no one here is in (spec: server-server "Leaving Rooms (Rejecting
 * Invites)"): make_leave / send_leave v2 through the inviting server. Whatever the remote says,
 * the invite leaves the user's sync, so a dead server cannot pin an invite there forever.
 */
export async function rejectRemoteInvite(ctx: Ctx, userId: string, roomId: string, servers: string[], extra: JsonObject): Promise<void> {
  let event: ClientEvent;
  try {
    const h = await membershipHandshake(ctx, userId, roomId, servers, "leave", extra);
    event = toClientEvent(h.pdu, roomId);
  } catch (e) {
    console.error("remote invite rejection failed; rejecting locally", roomId, e);
    event = {
      event_id: `$local-reject-${crypto.randomUUID()}`,
      room_id: roomId,
      sender: userId,
      type: "m.room.member",
      state_key: userId,
      content: { ...extra, membership: "leave" },
      origin_server_ts: Date.now(),
    };
  }
  await userStub(ctx.env, userId).deliverRoomEvents(roomId, [
    { ordering: 0, event, isState: true, membership: "leave", push: { memberCount: 0, senderPowerLevel: 0, notificationPowerLevels: {} } },
  ]);
}
