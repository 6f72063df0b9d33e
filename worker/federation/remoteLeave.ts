import type { Ctx } from "../router.js";
import { userStub } from "../stubs.js";
import { federationRequest } from "./request.js";
import { ownSigningKey } from "./ownKey.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { getRoomVersion } from "../../protocol/roomVersions.js";
import { buildEvent } from "../../protocol/buildEvent.js";
import { toWireFormat } from "../../protocol/wireFormat.js";
import { toClientEvent } from "../../durable-objects/room/clientEvent.js";

/**
 * Rejecting an invite to a room no one here is in (spec: server-server "Leaving Rooms (Rejecting
 * Invites)"): make_leave / send_leave v2 through the inviting server. Whatever the remote says,
 * the invite leaves the user's sync, so a dead server cannot pin an invite there forever.
 */
export async function rejectRemoteInvite(ctx: Ctx, userId: string, roomId: string, servers: string[], extra: JsonObject): Promise<void> {
  const { serverName, key } = await ownSigningKey(ctx.env);
  let leaveEvent: JsonObject | undefined;
  for (const server of [...new Set(servers)].filter((s) => s !== serverName)) {
    try {
      const tmpl = await federationRequest<{ room_version?: unknown; event?: unknown }>(
        ctx.env,
        server,
        "GET",
        `/_matrix/federation/v1/make_leave/${encodeURIComponent(roomId)}/${encodeURIComponent(userId)}`,
      );
      const version = getRoomVersion(typeof tmpl.room_version === "string" ? tmpl.room_version : "1");
      if (!version || !isJsonObject(tmpl.event)) continue;
      const t = tmpl.event;
      const ids = (l: unknown) => (Array.isArray(l) ? l.map((x) => (Array.isArray(x) ? x[0] : x)).filter((x): x is string => typeof x === "string") : []);
      const pdu = await buildEvent(
        {
          room_id: roomId,
          sender: userId,
          type: "m.room.member",
          state_key: userId,
          content: { ...extra, membership: "leave" },
          prev_events: ids(t.prev_events),
          auth_events: ids(t.auth_events),
          depth: typeof t.depth === "number" ? t.depth : 1,
          origin_server_ts: Date.now(),
        },
        version,
        serverName,
        key,
      );
      await federationRequest(ctx.env, server, "PUT", `/_matrix/federation/v2/send_leave/${encodeURIComponent(roomId)}/${encodeURIComponent(pdu.event_id)}`, toWireFormat(pdu, version));
      leaveEvent = toClientEvent(pdu, roomId) as unknown as JsonObject;
      break;
    } catch (e) {
      console.error("remote invite rejection failed via", server, e);
    }
  }
  const event = leaveEvent ?? {
    event_id: `$local-reject-${crypto.randomUUID()}`,
    room_id: roomId,
    sender: userId,
    type: "m.room.member",
    state_key: userId,
    content: { ...extra, membership: "leave" },
    origin_server_ts: Date.now(),
  };
  await userStub(ctx.env, userId).deliverRoomEvents(roomId, [
    {
      ordering: 0,
      event: event as unknown as ReturnType<typeof toClientEvent>,
      isState: true,
      membership: "leave",
      push: { memberCount: 0, senderPowerLevel: 0, notificationPowerLevels: {} },
    },
  ]);
}
