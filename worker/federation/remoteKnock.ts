import type { Ctx } from "../router.js";
import { MatrixError } from "../errors.js";
import { userStub } from "../stubs.js";
import { federationRequest, FederationError } from "./request.js";
import { ownSigningKey } from "./ownKey.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { ROOM_VERSIONS, getRoomVersion } from "../../protocol/roomVersions.js";
import { buildEvent } from "../../protocol/buildEvent.js";
import { toWireFormat } from "../../protocol/wireFormat.js";
import { toClientEvent, toStrippedState } from "../../durable-objects/room/clientEvent.js";

/**
 * Knocking on a room hosted on other servers (spec: server-server "Knocking upon a room"): the
 * same handshake as a join, with make_knock / send_knock. We hold none of the room's state, so
 * the knock lives only in the user's sync (the knock section, with the stripped state the
 * resident server returned); the answer comes later as an invite through PUT /invite.
 */

function idsOf(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((x) => (Array.isArray(x) ? x[0] : x)).filter((x): x is string => typeof x === "string");
}

/** Stripped state from a remote: only the fields StrippedStateEvent has, and only well-formed entries. */
function strippedFrom(list: unknown): JsonObject[] {
  if (!Array.isArray(list)) return [];
  return list
    .filter(isJsonObject)
    .filter((e) => typeof e.type === "string" && typeof e.sender === "string" && isJsonObject(e.content))
    .map((e) => ({ type: e.type, state_key: typeof e.state_key === "string" ? e.state_key : "", content: e.content, sender: e.sender }) as JsonObject);
}

export async function knockRemoteRoom(ctx: Ctx, userId: string, roomId: string, servers: string[], content: JsonObject): Promise<void> {
  const { serverName, key } = await ownSigningKey(ctx.env);
  const candidates = [...new Set(servers)].filter((s) => s && s !== serverName);
  if (candidates.length === 0) throw new MatrixError(404, "M_NOT_FOUND", "No known servers to knock through");
  // Knocking exists from room version 7: offering older versions would only fail later.
  const versions = [...ROOM_VERSIONS.values()]
    .filter((v) => v.knock)
    .map((v) => `ver=${encodeURIComponent(v.id)}`)
    .join("&");
  let lastError: unknown;
  for (const server of candidates) {
    try {
      const tmpl = await federationRequest<{ room_version?: unknown; event?: unknown }>(
        ctx.env,
        server,
        "GET",
        `/_matrix/federation/v1/make_knock/${encodeURIComponent(roomId)}/${encodeURIComponent(userId)}?${versions}`,
      );
      const version = getRoomVersion(typeof tmpl.room_version === "string" ? tmpl.room_version : "");
      if (!version || !version.knock || !isJsonObject(tmpl.event)) throw new MatrixError(400, "M_UNSUPPORTED_ROOM_VERSION", "The room's version does not support knocking");
      const t = tmpl.event;
      const templateContent = isJsonObject(t.content) ? t.content : {};
      const pdu = await buildEvent(
        {
          room_id: roomId,
          sender: userId,
          type: "m.room.member",
          state_key: userId,
          content: { ...templateContent, ...content, membership: "knock" },
          prev_events: idsOf(t.prev_events),
          auth_events: idsOf(t.auth_events),
          depth: typeof t.depth === "number" ? t.depth : 1,
          origin_server_ts: Date.now(),
        },
        version,
        serverName,
        key,
      );
      const res = await federationRequest<{ knock_room_state?: unknown }>(
        ctx.env,
        server,
        "PUT",
        `/_matrix/federation/v1/send_knock/${encodeURIComponent(roomId)}/${encodeURIComponent(pdu.event_id)}`,
        toWireFormat(pdu, version),
      );
      // The user's own knock goes with the room's state, so clients can show what they asked.
      const stripped = [...strippedFrom(res.knock_room_state), toStrippedState(pdu)];
      await userStub(ctx.env, userId).deliverRoomEvents(roomId, [
        {
          ordering: 0,
          event: toClientEvent(pdu, roomId),
          isState: true,
          membership: "knock",
          strippedState: stripped,
          push: { memberCount: 0, senderPowerLevel: 0, notificationPowerLevels: {} },
        },
      ]);
      return;
    } catch (e) {
      lastError = e;
      if (e instanceof MatrixError && e.errcode === "M_UNSUPPORTED_ROOM_VERSION") throw e;
    }
  }
  if (lastError instanceof FederationError && lastError.status === 403) throw new MatrixError(403, "M_FORBIDDEN", lastError.message);
  if (lastError instanceof FederationError && lastError.errcode === "M_INCOMPATIBLE_ROOM_VERSION") {
    throw new MatrixError(400, "M_UNSUPPORTED_ROOM_VERSION", "The room's version does not support knocking");
  }
  if (lastError instanceof MatrixError) throw lastError;
  throw new MatrixError(404, "M_NOT_FOUND", `Could not knock through ${candidates.join(", ")}: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}
