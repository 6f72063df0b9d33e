import type { Ctx } from "../router.js";
import { MatrixError } from "../errors.js";
import { roomStub } from "../stubs.js";
import { federationRequest, FederationError } from "./request.js";
import { ownSigningKey } from "./ownKey.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { ROOM_VERSIONS, getRoomVersion } from "../../protocol/roomVersions.js";
import { buildEvent } from "../../protocol/buildEvent.js";
import { toWireFormat } from "../../protocol/wireFormat.js";

/**
 * Joining a room hosted on other servers (spec: server-server "Joining Rooms"): ask a resident
 * server for a join template (make_join), fill in and sign our join, and send it (send_join v2);
 * the answer is the room's state and auth chain, which the RoomDO checks and stores.
 */

function idsOf(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((x) => (Array.isArray(x) ? x[0] : x)).filter((x): x is string => typeof x === "string");
}

export async function joinRemoteRoom(ctx: Ctx, userId: string, roomId: string, servers: string[], content: JsonObject): Promise<void> {
  const { serverName, key } = await ownSigningKey(ctx.env);
  const candidates = [...new Set(servers)].filter((s) => s && s !== serverName);
  if (candidates.length === 0) throw new MatrixError(404, "M_NOT_FOUND", "No known servers to join this room through");
  const versions = [...ROOM_VERSIONS.keys()].map((v) => `ver=${encodeURIComponent(v)}`).join("&");
  let lastError: unknown;
  for (const server of candidates) {
    try {
      const tmpl = await federationRequest<{ room_version?: unknown; event?: unknown }>(
        ctx.env,
        server,
        "GET",
        `/_matrix/federation/v1/make_join/${encodeURIComponent(roomId)}/${encodeURIComponent(userId)}?${versions}`,
      );
      const version = getRoomVersion(typeof tmpl.room_version === "string" ? tmpl.room_version : "1");
      if (!version || !isJsonObject(tmpl.event)) throw new MatrixError(400, "M_UNSUPPORTED_ROOM_VERSION", "The room's version is not supported");
      const t = tmpl.event;
      const templateContent = isJsonObject(t.content) ? t.content : {};
      const pdu = await buildEvent(
        {
          room_id: roomId,
          sender: userId,
          type: "m.room.member",
          state_key: userId,
          content: { ...templateContent, ...content, membership: "join" },
          prev_events: idsOf(t.prev_events),
          auth_events: idsOf(t.auth_events),
          depth: typeof t.depth === "number" ? t.depth : 1,
          origin_server_ts: Date.now(),
        },
        version,
        serverName,
        key,
      );
      const wire = toWireFormat(pdu, version);
      const res = await federationRequest<{ event?: unknown; state?: unknown; auth_chain?: unknown }>(
        ctx.env,
        server,
        "PUT",
        `/_matrix/federation/v2/send_join/${encodeURIComponent(roomId)}/${encodeURIComponent(pdu.event_id)}`,
        wire,
      );
      const state = Array.isArray(res.state) ? res.state.filter(isJsonObject) : [];
      const authChain = Array.isArray(res.auth_chain) ? res.auth_chain.filter(isJsonObject) : [];
      await roomStub(ctx.env, roomId).importRemoteJoin(roomId, version.id, server, isJsonObject(res.event) ? res.event : wire, state, authChain);
      return;
    } catch (e) {
      lastError = e;
      if (e instanceof MatrixError && e.errcode === "M_UNSUPPORTED_ROOM_VERSION") throw e;
    }
  }
  if (lastError instanceof FederationError && lastError.status === 403) throw new MatrixError(403, "M_FORBIDDEN", lastError.message);
  if (lastError instanceof MatrixError) throw lastError;
  throw new MatrixError(404, "M_NOT_FOUND", `Could not join through ${candidates.join(", ")}: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}
