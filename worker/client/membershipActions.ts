import type { IRequest } from "itty-router";
import { refuseThirdPartyInvite } from "./thirdPartyIdentifiers.js";
import { clientRoute, param, type Ctx } from "../router.js";
import { json, readJsonObject, optString, reqString } from "../http.js";
import { forbidden, notFound, invalidParam, unableToAuthoriseJoin, badRequest, badJson, unlessStatus } from "../../platform/errors.js";
import { authenticate, guestAccessForbidden } from "../auth.js";
import type { Session } from "../../platform/rpc/user.js";
import { roomStub, userStub } from "../../platform/stubs.js";
import type { JsonObject } from "../../protocol/json.js";
import { isFromServer, isValidUserId, isValidRoomId, isValidRoomAlias, serverNameIfAny, serverNameOf } from "../../protocol/identifiers.js";
import { queryRemoteAlias } from "../federation/queryDirectory.js";
import { joinRemoteRoom } from "../federation/remoteJoin.js";
import { rejectRemoteInvite } from "../federation/remoteLeave.js";
import { knockRemoteRoom } from "../federation/remoteKnock.js";
import { localUserExists, resolveLocalAlias } from "../appservice/queries.js";

// Spec: client-server-api "Room membership" — joining.yaml, inviting.yaml, leaving.yaml,
// kicking.yaml, banning.yaml, knocking.yaml. The auth rules decide; these handlers build the
// m.room.member event and explain refusals.

/**
 * A room ID or alias → the room ID, plus servers that may be in the room (for joining over
 * federation): the alias's servers, the `via`/`server_name` parameters, the room ID's domain.
 */
async function resolveRoom(ctx: Ctx, roomIdOrAlias: string): Promise<{ roomId: string; servers: string[] }> {
  const servers = [...ctx.url.searchParams.getAll("via"), ...ctx.url.searchParams.getAll("server_name")];
  if (roomIdOrAlias.startsWith("#")) {
    if (!isValidRoomAlias(roomIdOrAlias)) throw invalidParam("Invalid room alias");
    const aliasServer = serverNameOf(roomIdOrAlias);
    if (aliasServer === ctx.config.serverName) {
      const roomId = await resolveLocalAlias(ctx, roomIdOrAlias);
      if (!roomId) throw notFound(`Room alias ${roomIdOrAlias} not found`);
      return { roomId, servers };
    }
    const found = await queryRemoteAlias(ctx.env, roomIdOrAlias);
    return { roomId: found.room_id, servers: [...servers, ...found.servers] };
  }
  if (!isValidRoomId(roomIdOrAlias)) throw invalidParam("Invalid room ID or alias");
  // A v1–v11 room ID names the server that created it, which may still be in the room (v12 IDs name none).
  const creator = serverNameIfAny(roomIdOrAlias);
  if (creator) servers.push(creator);
  return { roomId: roomIdOrAlias, servers };
}

async function requireRoom(ctx: Ctx, roomId: string) {
  const stub = roomStub(ctx.env, roomId);
  if (!(await stub.exists())) throw notFound("Room not found");
  return stub;
}

export async function memberContent(ctx: Ctx, userId: string, membership: string, extra: JsonObject = {}): Promise<JsonObject> {
  const content: JsonObject = { membership, ...extra };
  if (membership === "join" || membership === "knock") {
    const profile = (await userStub(ctx.env, userId).getProfile()) ?? {};
    // The profile fills what the client did not set itself (a membership set through the state endpoint may).
    if (profile.displayname && !("displayname" in extra)) content.displayname = profile.displayname;
    if (profile.avatar_url && !("avatar_url" in extra)) content.avatar_url = profile.avatar_url;
  }
  return content;
}

async function doJoin(req: IRequest, ctx: Ctx, roomIdOrAlias: string): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  const extra: JsonObject = {};
  const reason = optString(body, "reason");
  if (reason !== undefined) extra.reason = reason;
  const { roomId } = await joinAs(ctx, session, roomIdOrAlias, extra);
  return json({ room_id: roomId });
}

/** Joins `session`'s user to a room (ID or alias), locally or over federation; `extra` goes into the member event. */
async function joinAs(ctx: Ctx, session: Session, roomIdOrAlias: string, extra: JsonObject): Promise<{ roomId: string; eventId?: string }> {
  const { roomId, servers } = await resolveRoom(ctx, roomIdOrAlias);
  const local = roomStub(ctx.env, roomId);
  if (!(await local.isResidentHere())) {
    // Nobody here is in the room: join through a server that is (spec: "Joining rooms").
    const invitedBy = await userStub(ctx.env, session.userId).inviteServers(roomId);
    await joinRemoteRoom(ctx, session.userId, roomId, [...invitedBy, ...servers], await memberContent(ctx, session.userId, "join", extra));
    return { roomId };
  }
  const room = await requireRoom(ctx, roomId);
  if (session.isGuest) {
    if (!(await room.guestCanJoin())) throw forbidden("Guest access is not allowed in this room");
  }
  const plan = await room.restrictedJoinPlan(session.userId);
  if (plan) {
    // A restricted room admits members of its allowed rooms, vouched for by a resident who can invite.
    const memberships = await Promise.all(plan.allowRooms.map(async (r) => (isValidRoomId(r) ? roomStub(ctx.env, r).membership(session.userId).catch(() => "leave") : "leave")));
    if (memberships.includes("join")) {
      if (!plan.authoriser) throw unableToAuthoriseJoin("No member of this server can authorise the join");
      extra.join_authorised_via_users_server = plan.authoriser;
    }
  }
  const sent = await room.send({ sender: session.userId, type: "m.room.member", state_key: session.userId, content: await memberContent(ctx, session.userId, "join", extra) });
  return { roomId, eventId: sent.event_id };
}

async function joinByIdOrAlias(req: IRequest, ctx: Ctx): Promise<Response> {
  return doJoin(req, ctx, param(req, "roomIdOrAlias"));
}

async function joinRoom(req: IRequest, ctx: Ctx): Promise<Response> {
  return doJoin(req, ctx, param(req, "roomId"));
}

async function knock(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  const extra: JsonObject = {};
  const reason = optString(body, "reason");
  if (reason !== undefined) extra.reason = reason;
  const { roomId } = await knockAs(ctx, session.userId, param(req, "roomIdOrAlias"), extra);
  return json({ room_id: roomId });
}

async function knockAs(ctx: Ctx, userId: string, roomIdOrAlias: string, extra: JsonObject): Promise<{ roomId: string; eventId?: string }> {
  const { roomId, servers } = await resolveRoom(ctx, roomIdOrAlias);
  if (!(await roomStub(ctx.env, roomId).isResidentHere())) {
    // Nobody here is in the room: knock through a server that is (spec: "Knocking upon a room").
    await knockRemoteRoom(ctx, userId, roomId, servers, await memberContent(ctx, userId, "knock", extra));
    return { roomId };
  }
  const room = await requireRoom(ctx, roomId);
  const sent = await room.send({ sender: userId, type: "m.room.member", state_key: userId, content: await memberContent(ctx, userId, "knock", extra) });
  return { roomId, eventId: sent.event_id };
}

/** invite, kick, ban, unban: an m.room.member event about someone else. */
function targetedMembership(membership: "invite" | "leave" | "ban", unban = false) {
  return async (req: IRequest, ctx: Ctx): Promise<Response> => {
    const session = await authenticate(req, ctx);
    const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
    // Spec: "3PID invites" — an invite by e-mail address or phone number instead of user ID.
    if (membership === "invite" && "medium" in body && "address" in body) refuseThirdPartyInvite(body);
    const target = reqString(body, "user_id");
    if (!isValidUserId(target, { historical: true })) throw invalidParam("Invalid user_id");
    const extra: JsonObject = {};
    const reason = optString(body, "reason");
    if (reason !== undefined) extra.reason = reason;
    await targetedAs(ctx, session.userId, param(req, "roomId"), target, membership, unban, extra);
    return json({});
  };
}

/** An invite, kick, ban or unban of `target` by `sender`, with these endpoints' checks. */
async function targetedAs(ctx: Ctx, sender: string, roomId: string, target: string, membership: "invite" | "leave" | "ban", unban: boolean, extra: JsonObject): Promise<string | undefined> {
  const room = await requireRoom(ctx, roomId);
  const current = await room.membership(target);
  if (unban && current !== "ban") return undefined;
  if (membership === "leave" && !unban && current !== "join" && current !== "invite" && current !== "knock") {
    throw forbidden(`${target} is not in the room`);
  }
  if (membership === "invite" && current === "join") throw forbidden(`${target} is already in the room`);
  if (membership === "invite" && current === "ban") throw forbidden(`${target} is banned from the room`);
  if (membership === "invite" && !(await isKnownUser(ctx, target))) throw notFound(`User ${target} does not exist`);
  return (await room.send({ sender, type: "m.room.member", state_key: target, content: { ...extra, membership } })).event_id;
}

async function isKnownUser(ctx: Ctx, userId: string): Promise<boolean> {
  if (!isFromServer(userId, ctx.config.serverName)) return true; // remote: federation decides
  return localUserExists(ctx, userId);
}

async function leave(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  const extra: JsonObject = {};
  const reason = optString(body, "reason");
  if (reason !== undefined) extra.reason = reason;
  await leaveAs(ctx, session.userId, param(req, "roomId"), extra);
  return json({});
}

async function leaveAs(ctx: Ctx, userId: string, roomId: string, extra: JsonObject): Promise<string | undefined> {
  if (!(await roomStub(ctx.env, roomId).exists())) {
    // An invite to (or a knock on) a room hosted elsewhere that nobody here has joined: leave it over federation.
    const invitedBy = await userStub(ctx.env, userId).inviteServers(roomId);
    if (invitedBy.length === 0) throw notFound("Room not found");
    await rejectRemoteInvite(ctx, userId, roomId, invitedBy, extra);
    return undefined;
  }
  const room = await requireRoom(ctx, roomId);
  const current = await room.membership(userId);
  // Already out: leaving again is a no-op, as in Synapse.
  if (current === "leave" || current === "ban") return undefined;
  return (await room.send({ sender: userId, type: "m.room.member", state_key: userId, content: { ...extra, membership: "leave" } })).event_id;
}

/**
 * PUT /rooms/{roomId}/state/m.room.member/{userId}: Synapse runs the membership action the
 * content names, with that endpoint's rules, and keeps the rest of the content (displayname,
 * reason, …) in the event. Answers the event ID where one was sent here.
 */
export async function membershipByState(ctx: Ctx, session: Session, roomId: string, target: string, content: JsonObject): Promise<{ event_id?: string }> {
  const sent = await membershipChangeByState(ctx, session, roomId, target, content);
  if (sent !== undefined) return { event_id: sent };
  // Nothing to change (leaving twice, unbanning someone not banned): like Synapse, answer the
  // member event that already says so, as the state endpoint's response requires an event ID
  // (when the room is here and the user may read its state).
  const current = await unlessStatus([404, 403], roomStub(ctx.env, roomId).getStateEvent(session.userId, "m.room.member", target));
  return current ? { event_id: current.event_id } : {};
}

/** The membership action `content` names, with its endpoint's checks: the event ID, if one was sent here. */
async function membershipChangeByState(ctx: Ctx, session: Session, roomId: string, target: string, content: JsonObject): Promise<string | undefined> {
  const membership = content.membership;
  if (typeof membership !== "string") throw badJson("'membership' must be a string");
  if (!isValidUserId(target, { historical: true })) throw invalidParam("Invalid user ID in the state key");
  const extra: JsonObject = { ...content };
  delete extra.membership;
  // Only the server may name who vouches for a restricted join (joinAs does, after checking the
  // allowed rooms): our key signs the event, so a client-chosen authoriser would pass the auth
  // rules and let anyone in. Synapse drops it from every membership change.
  delete extra.join_authorised_via_users_server;
  const self = target === session.userId;
  if (session.isGuest && !(self && (membership === "join" || membership === "leave"))) throw guestAccessForbidden();
  switch (membership) {
    case "join":
      if (!self) throw forbidden("You can only join a room yourself");
      return (await joinAs(ctx, session, roomId, extra)).eventId;
    case "knock":
      if (!self) throw forbidden("You can only knock yourself");
      return (await knockAs(ctx, session.userId, roomId, extra)).eventId;
    case "leave":
      if (self) return leaveAs(ctx, session.userId, roomId, extra);
      // Someone else's leave is a kick, or an unban when they are banned.
      return targetedAs(ctx, session.userId, roomId, target, "leave", (await (await requireRoom(ctx, roomId)).membership(target)) === "ban", extra);
    case "invite":
    case "ban":
      return targetedAs(ctx, session.userId, roomId, target, membership, false, extra);
    default:
      throw invalidParam(`Unknown membership ${membership}`);
  }
}

async function forget(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  const roomId = param(req, "roomId");
  const room = await requireRoom(ctx, roomId);
  const current = await room.membership(session.userId);
  if (current === "join" || current === "invite" || current === "knock") throw badRequest("User is still in the room");
  await userStub(ctx.env, session.userId).forget(roomId);
  return json({});
}

/** Used on deactivation: leave every joined room. */
export async function leaveAllRooms(ctx: Ctx, userId: string, rooms: string[]): Promise<void> {
  for (const roomId of rooms) {
    await roomStub(ctx.env, roomId)
      .send({ sender: userId, type: "m.room.member", state_key: userId, content: { membership: "leave" } })
      .catch((e: unknown) => console.error("leave on deactivate failed", roomId, e));
  }
}

async function joinedRooms(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  return json({ joined_rooms: await userStub(ctx.env, session.userId).joinedRooms() });
}

export function registerMembershipRoutes(): void {
  clientRoute("POST", "/join/:roomIdOrAlias", joinByIdOrAlias);
  clientRoute("POST", "/rooms/:roomId/join", joinRoom);
  clientRoute("POST", "/knock/:roomIdOrAlias", knock);
  clientRoute("POST", "/rooms/:roomId/invite", targetedMembership("invite"));
  clientRoute("POST", "/rooms/:roomId/kick", targetedMembership("leave"));
  clientRoute("POST", "/rooms/:roomId/ban", targetedMembership("ban"));
  clientRoute("POST", "/rooms/:roomId/unban", targetedMembership("leave", true));
  clientRoute("POST", "/rooms/:roomId/leave", leave);
  clientRoute("POST", "/rooms/:roomId/forget", forget);
  clientRoute("GET", "/joined_rooms", joinedRooms);
}
