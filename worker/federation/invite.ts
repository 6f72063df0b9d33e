import type { IRequest } from "itty-router";
import { param, type Ctx } from "../router.js";
import { json } from "../http.js";
import { MatrixError, badJson, forbidden } from "../errors.js";
import { roomStub, userStub } from "../stubs.js";
import { fedRoute } from "./routes.js";
import { ownSigningKey } from "./ownKey.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { getRoomVersion } from "../../protocol/roomVersions.js";
import { fromWireFormat, toWireFormat } from "../../protocol/wireFormat.js";
import { checkContentHash } from "../../protocol/eventHashing.js";
import { signEvent } from "../../protocol/eventSigning.js";
import { serverNameOf } from "../../protocol/identifiers.js";
import { verifyPduSignatures } from "../../durable-objects/room/verifyPdu.js";
import { toClientEvent, toStrippedState } from "../../durable-objects/room/clientEvent.js";

/**
 * Spec: PUT /_matrix/federation/v2/invite/{roomId}/{eventId} — another server invites one of our
 * users. We check the invite is really from the origin and for a local user, co-sign it, and put
 * it in the user's sync; joining later goes through make_join/send_join.
 */
async function invite(req: IRequest, ctx: Ctx, origin: string, body: JsonObject | undefined): Promise<Response> {
  if (!body || !isJsonObject(body.event)) throw badJson("Missing event");
  const version = getRoomVersion(typeof body.room_version === "string" ? body.room_version : "");
  if (!version) throw new MatrixError(400, "M_INCOMPATIBLE_ROOM_VERSION", "Unsupported room version", { room_version: String(body.room_version) });
  const roomId = param(req, "roomId");
  let pdu;
  try {
    pdu = await fromWireFormat(body.event, version);
  } catch (e) {
    throw badJson(`Malformed event: ${e instanceof Error ? e.message : String(e)}`);
  }
  const target = pdu.state_key ?? "";
  if (pdu.type !== "m.room.member" || pdu.content.membership !== "invite" || pdu.room_id !== roomId || pdu.event_id !== param(req, "eventId")) {
    throw badJson("Not an invite event for this room");
  }
  if (serverNameOf(pdu.sender) !== origin) throw forbidden("The invite's sender does not belong to the origin server");
  // Spec: server ACLs protect /invite — when we know the room, a denied server may not invite into it.
  if (!(await roomStub(ctx.env, roomId).serverAclAllows(origin))) throw forbidden(`${origin} is denied by the room's server ACL`);
  if (serverNameOf(target) !== ctx.config.serverName || !(await userStub(ctx.env, target).exists())) throw forbidden("No such local user");
  const { serverName, key } = await ownSigningKey(ctx.env);
  const sigError = await verifyPduSignatures(ctx.env, pdu, version, { serverName, keyId: key.keyId, publicKey: key.publicKey });
  if (sigError) throw forbidden(sigError);
  if (!(await checkContentHash(body.event, version))) throw forbidden("Content hash mismatch");

  const signed = await signEvent(toWireFormat(pdu, version), version, serverName, key);
  const stripped = (Array.isArray(body.invite_room_state) ? body.invite_room_state.filter(isJsonObject) : []).map((e) => ({
    type: e.type,
    state_key: e.state_key ?? "",
    content: e.content,
    sender: e.sender,
  })) as JsonObject[];
  stripped.push(toStrippedState(pdu));
  await userStub(ctx.env, target).deliverRoomEvents(roomId, [
    {
      ordering: 0,
      event: toClientEvent(pdu, roomId),
      isState: true,
      membership: "invite",
      strippedState: stripped,
      push: { memberCount: 2, senderPowerLevel: 0, notificationPowerLevels: { room: 50 } },
    },
  ]);
  return json({ event: signed });
}

export function registerFederationInviteRoutes(): void {
  fedRoute("PUT", "/_matrix/federation/v2/invite/:roomId/:eventId", invite);
}
