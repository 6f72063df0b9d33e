import type { IRequest } from "itty-router";
import { param, type Ctx } from "../router.js";
import { json } from "../http.js";
import { forbidden, badJson, incompatibleRoomVersion } from "../../platform/errors.js";
import { roomStub, userStub } from "../../platform/stubs.js";
import { fedRoute } from "./routes.js";
import { ownSigningKey } from "../../federation-client/ownKey.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { getRoomVersion } from "../../protocol/roomVersions.js";
import { fromWireFormat, toWireFormat } from "../../protocol/wireFormat.js";
import { checkContentHash } from "../../protocol/eventHashing.js";
import { signEvent } from "../../protocol/eventSigning.js";
import { serverNameOf } from "../../protocol/identifiers.js";
import { verifyPduSignatures } from "../../federation-client/verifyPdu.js";
import { toClientEvent, toStrippedState } from "../../protocol/clientEvent.js";

/**
 * Spec: PUT /_matrix/federation/v2/invite/{roomId}/{eventId} — another server invites one of our
 * users. We check the invite is really from the origin and for a local user, co-sign it, and put
 * it in the user's sync; joining later goes through make_join/send_join.
 */
async function acceptInvite(req: IRequest, ctx: Ctx, origin: string, event: JsonObject, roomVersion: string, inviteRoomState: unknown): Promise<JsonObject> {
  const version = getRoomVersion(roomVersion);
  if (!version) throw incompatibleRoomVersion("Unsupported room version", { room_version: roomVersion });
  const roomId = param(req, "roomId");
  // Spec: server ACLs protect /invite — when we know the room, a denied server may not invite into
  // it, whatever it sends (checked first, from the path, as for every protected endpoint).
  if (!(await roomStub(ctx.env, roomId).serverAclAllows(origin))) throw forbidden(`${origin} is denied by the room's server ACL`);
  let pdu;
  try {
    pdu = await fromWireFormat(event, version);
  } catch (e) {
    throw badJson(`Malformed event: ${e instanceof Error ? e.message : String(e)}`);
  }
  const target = pdu.state_key ?? "";
  if (pdu.type !== "m.room.member" || pdu.content.membership !== "invite" || pdu.room_id !== roomId || pdu.event_id !== param(req, "eventId")) {
    throw badJson("Not an invite event for this room");
  }
  if (serverNameOf(pdu.sender) !== origin) throw forbidden("The invite's sender does not belong to the origin server");
  if (serverNameOf(target) !== ctx.config.serverName || !(await userStub(ctx.env, target).exists())) throw forbidden("No such local user");
  const { serverName, key } = await ownSigningKey(ctx.env);
  const sigError = await verifyPduSignatures(ctx.env, pdu, version, { serverName, keyId: key.keyId, publicKey: key.publicKey });
  if (sigError) throw forbidden(sigError);
  if (!(await checkContentHash(event, version))) throw forbidden("Content hash mismatch");

  const signed = await signEvent(toWireFormat(pdu, version), version, serverName, key);
  const stripped = (Array.isArray(inviteRoomState) ? inviteRoomState.filter(isJsonObject) : []).map((e) => ({
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
  return signed;
}

async function invite(req: IRequest, ctx: Ctx, origin: string, body: JsonObject | undefined): Promise<Response> {
  if (!body || !isJsonObject(body.event)) throw badJson("Missing event");
  const signed = await acceptInvite(req, ctx, origin, body.event, typeof body.room_version === "string" ? body.room_version : "", body.invite_room_state);
  return json({ event: signed });
}

/**
 * Spec: PUT /_matrix/federation/v1/invite/{roomId}/{eventId} (deprecated, still served and used
 * by Synapse): the body is the invite event itself, its stripped room state in
 * unsigned.invite_room_state, and no room version — the v1 API predates them, so the room is
 * taken as version 1 (as Synapse does; versions 1 and 2 differ only in state resolution, which an
 * invite does not use). The answer is `[200, {event}]`.
 */
async function inviteV1(req: IRequest, ctx: Ctx, origin: string, body: JsonObject | undefined): Promise<Response> {
  if (!body) throw badJson("Missing event");
  const inviteRoomState = isJsonObject(body.unsigned) ? body.unsigned.invite_room_state : undefined;
  const signed = await acceptInvite(req, ctx, origin, body, "1", inviteRoomState);
  return json([200, { event: signed }]);
}

export function registerFederationInviteRoutes(): void {
  fedRoute("PUT", "/_matrix/federation/v2/invite/:roomId/:eventId", invite);
  fedRoute("PUT", "/_matrix/federation/v1/invite/:roomId/:eventId", inviteV1);
}
