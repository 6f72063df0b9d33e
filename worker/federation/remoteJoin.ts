import type { Ctx } from "../router.js";
import { roomStub } from "../../platform/stubs.js";
import { membershipHandshake } from "./membershipHandshake.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { toWireFormat } from "../../protocol/wireFormat.js";

/**
 * Joining a room hosted on other servers (spec: server-server "Joining Rooms"): make_join /
 * send_join v2; the answer is the room's state and auth chain, which the RoomDO checks and
 * stores before our join.
 */
export async function joinRemoteRoom(ctx: Ctx, userId: string, roomId: string, servers: string[], content: JsonObject): Promise<void> {
  const h = await membershipHandshake(ctx, userId, roomId, servers, "join", content);
  const state = Array.isArray(h.response.state) ? h.response.state.filter(isJsonObject) : [];
  const authChain = Array.isArray(h.response.auth_chain) ? h.response.auth_chain.filter(isJsonObject) : [];
  // A restricted join comes back co-signed by the authorising server: store that copy.
  const event = isJsonObject(h.response.event) ? h.response.event : toWireFormat(h.pdu, h.version);
  await roomStub(ctx.env, roomId).importRemoteJoin(roomId, h.version.id, h.server, event, state, authChain);
}
