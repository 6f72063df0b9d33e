import { forbidden, notFound, badJson, unsupportedRoomVersion, incompatibleRoomVersion, unableToAuthoriseJoin, internalError, remoteFailed } from "../../platform/errors.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { stateKey, type PDU, type StateIdMap, type StateMap } from "../../protocol/pdu.js";
import type { RoomVersion } from "../../protocol/roomVersions.js";
import { authorizeEvent, selectAuthEvents } from "../../protocol/authRules/index.js";
import { isFromServer, serverNameOf } from "../../protocol/identifiers.js";
import { toStrippedState, STRIPPED_STATE_TYPES } from "../../protocol/clientEvent.js";
import { fromWireFormat } from "../../protocol/wireFormat.js";
import { signEvent } from "../../protocol/eventSigning.js";
import type { SigningKey } from "../../protocol/signing.js";
import { federationRequest } from "../../federation-client/request.js";
import { isUnknownEndpoint, unwrapV1Answer } from "../../federation-client/unknownEndpoint.js";
import type { RoomContext } from "./roomContext.js";
import type { RoomState } from "./roomState.js";
import { serversInState } from "./servers.js";
import { stateBeforePrevs } from "./stateBefore.js";
import { prevEventsForNew } from "./prevEvents.js";
import { storeEvent } from "./storeEvent.js";
import { referenceHashes } from "./referenceHashes.js";
import { wireOf, authChainOf } from "./wire.js";
import { receivePdu } from "./receive/receivePdu.js";
import { checkFormatAndSignatures } from "./receive/checkReceived.js";
import { authAgainstAuthEvents } from "./receive/authEvents.js";
import { storeOutliers } from "./receive/outliers.js";

/**
 * Memberships that cross servers (spec: server-server "Joining Rooms", "Leaving Rooms (Rejecting
 * Invites)", "Knocking Upon a Room", "Inviting to a room"): the templates and answers a remote
 * user's server gets from us, the invites we send out, and the room a local user brings home
 * from a join on another server.
 */

/** Spec: GET /make_join and /make_leave and /make_knock — an event template for a remote user. */
export async function makeMembership(room: RoomContext, roomState: RoomState, userId: string, membership: "join" | "leave" | "knock", supportedVersions: string[]): Promise<{ room_version: string; event: JsonObject }> {
  const { version } = room;
  if (membership !== "leave" && !supportedVersions.includes(version.id)) {
    throw incompatibleRoomVersion(`Room version ${version.id} is not supported by the joining server`, { room_version: version.id });
  }
  // A join is served only by a server with a member in the room: it must vouch for the state
  // the joiner is given, and it stops hearing the room once its last user left (Synapse: 404).
  if (membership === "join" && roomState.localJoined().length === 0) throw notFound("Not an active room on this server");
  const content: JsonObject = { membership };
  if (membership === "join") {
    const plan = roomState.restrictedJoinPlan(userId, version);
    if (plan) {
      if (!plan.authoriser) throw unableToAuthoriseJoin("No member of this server can authorise the join");
      content.join_authorised_via_users_server = plan.authoriser;
    }
  }
  const prev = prevEventsForNew(room.stores.events);
  const before = stateBeforePrevs(room.stores.events, version, prev.map((e) => e.event_id));
  if (!before) throw internalError("The room's latest events have no known state");
  const state = room.stores.events.resolveIds(before.ids);
  const template = { sender: userId, type: "m.room.member", state_key: userId, content };
  const auth = selectAuthEvents(template, state, version);
  const authEvents = auth.map((e) => e.event_id);
  const event: JsonObject = {
    room_id: room.roomId,
    sender: userId,
    type: "m.room.member",
    state_key: userId,
    content,
    prev_events: prev.map((e) => e.event_id),
    auth_events: authEvents,
    depth: prev.reduce((d, e) => Math.max(d, e.depth), 0) + 1,
    origin_server_ts: Date.now(),
  };
  if (!version.v11EventFormat) event.origin = serverNameOf(userId);
  if (membership === "join") {
    requireJoinAllowed(room, { room_id: room.roomId, sender: userId, type: "m.room.member", state_key: userId, content, prev_events: prev.map((e) => e.event_id), auth_events: authEvents, depth: event.depth as number, origin_server_ts: event.origin_server_ts as number }, state, version);
  }
  if (version.eventIdFormat === "v1") {
    // Room versions 1–2 reference events as [event_id, {sha256: reference hash}].
    const lookup = await referenceHashes([...prev, ...auth], version);
    const tuples = (ids: string[]) => ids.map((id) => [id, { sha256: lookup?.(id) ?? "" }]);
    event.prev_events = tuples(event.prev_events as string[]);
    event.auth_events = tuples(event.auth_events as string[]);
  }
  return { room_version: version.id, event };
}

/**
 * make_join refuses a join the send_join would refuse (banned, invite-only without an invite),
 * instead of handing out a template that cannot succeed: the template goes through the auth
 * rules against the current state. It is not signed yet; when we authorise a restricted join,
 * our signature will be on it, so the check counts it as there.
 */
function requireJoinAllowed(
  room: RoomContext,
  template: Pick<PDU, "room_id" | "sender" | "type" | "state_key" | "content" | "prev_events" | "auth_events" | "depth" | "origin_server_ts">,
  state: StateMap,
  version: RoomVersion,
): void {
  const signatures: Record<string, Record<string, string>> = {};
  // The auth rules look only for a signature entry of the authoriser's server (verifying it is
  // the caller's job); ours will be added when send_join signs the event.
  if (typeof template.content.join_authorised_via_users_server === "string") signatures[room.env.SERVER_NAME] = { "ed25519:pending": "" };
  const candidate: PDU = {
    ...template,
    event_id: "$make_join_template",
    hashes: { sha256: "" },
    signatures,
  };
  const verdict = authorizeEvent(candidate, state, version);
  if (!verdict.allowed) throw forbidden(`You are not allowed to join this room: ${verdict.reason}`);
}

/**
 * Spec: PUT /send_join, /send_leave, /send_knock (v2) — a remote user's membership event.
 * It must be the membership the origin's user asked for, pass every receipt check, and for a
 * restricted join we add our signature as the authorising server.
 */
export async function sendMembership(room: RoomContext, key: SigningKey, origin: string, membership: "join" | "leave" | "knock", raw: JsonObject): Promise<JsonObject> {
  // A restricted join vouched for by one of our users must carry our signature, which the
  // joiner cannot give: we co-sign it before checking, or the signature check refuses it.
  const rawContent = raw.content;
  const via = isJsonObject(rawContent) ? rawContent.join_authorised_via_users_server : undefined;
  let signedWire: JsonObject | undefined;
  if (membership === "join" && typeof via === "string" && isFromServer(via, room.env.SERVER_NAME)) {
    try {
      signedWire = await signEvent(raw, room.version, room.env.SERVER_NAME, key);
    } catch (e) {
      throw badJson(`malformed event: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const wireEvent = signedWire ?? raw;
  const checked = await checkFormatAndSignatures(room, wireEvent);
  if ("error" in checked) throw badJson(checked.error);
  const pdu = checked.pdu;
  if (pdu.type !== "m.room.member" || pdu.state_key !== pdu.sender || pdu.content.membership !== membership || serverNameOf(pdu.sender) !== origin) {
    throw badJson(`Not a ${membership} event of a user of ${origin}`);
  }
  const r = await receivePdu(room, origin, wireEvent, 0);
  if (r.error) throw forbidden(r.error);
  const row = room.stores.events.getRow(pdu.event_id);
  if (!row || row.soft_failed) throw forbidden("The event was not accepted");
  if (membership === "knock") {
    const state = room.stores.events.resolveIds(row.state_group === null ? new Map() : room.stores.events.stateAtGroup(row.state_group));
    return { knock_room_state: STRIPPED_STATE_TYPES.map((t) => state.get(stateKey(t, ""))).filter((e): e is PDU => e !== undefined).map(toStrippedState) as unknown as JsonObject[] };
  }
  if (membership === "leave") return {};
  const stateIds = row.state_group === null ? new Map<string, string>() : room.stores.events.stateAtGroup(row.state_group);
  const state = [...stateIds.values()].map((id) => room.stores.events.getEvent(id)).filter((e): e is PDU => e !== undefined);
  const authChain = authChainOf(room.stores.events, [...stateIds.values(), pdu.event_id]);
  const res: JsonObject = {
    origin: room.env.SERVER_NAME,
    state: state.map((e) => wireOf(room.version, e)),
    auth_chain: authChain.map((e) => wireOf(room.version, e)),
    members_omitted: false,
    servers_in_room: serversInState(room.stores.events, stateIds),
  };
  if (signedWire) res.event = signedWire;
  return res;
}

/**
 * A local user joined a room on another server (send_join answered): store the room's state
 * and auth chain as outliers after checking them, then the join with that state before it.
 */
export async function importRemoteJoin(room: RoomContext, joinEvent: JsonObject, state: JsonObject[], authChain: JsonObject[]): Promise<number> {
  const { version } = room;
  await storeOutliers(room, [...authChain, ...state]);
  const ids: StateIdMap = new Map();
  for (const raw of state) {
    const pdu = await fromWireFormat(raw, version).catch(() => undefined);
    const ev = pdu ? room.stores.events.getEvent(pdu.event_id) : undefined;
    if (!ev || ev.state_key === undefined || room.stores.events.isRejected(ev.event_id)) continue;
    ids.set(stateKey(ev.type, ev.state_key), ev.event_id);
  }
  if (!ids.has(stateKey("m.room.create", ""))) throw remoteFailed("The joined room's state has no valid create event");
  const checked = await checkFormatAndSignatures(room, joinEvent);
  if ("error" in checked) throw remoteFailed(`The join event came back invalid: ${checked.error}`);
  const pdu = checked.pdu;
  const authError = authAgainstAuthEvents(room, pdu);
  if (authError) throw forbidden(`Join refused: ${authError}`);
  const group = room.stores.events.newStateGroup(null, ids);
  const ordering = room.stores.atomically(() => storeEvent(room.stores, version, pdu, { before: { group, ids }, existingOutlier: room.stores.events.getRow(pdu.event_id) !== undefined }));
  return ordering;
}

/**
 * Inviting a user of another server (spec: server-server "Inviting to a room"): their server
 * must see and co-sign the invite before it enters the room (PUT /invite v2).
 */
export async function inviteRemoteUser(room: RoomContext, pdu: PDU, state: StateMap): Promise<PDU> {
  const { roomId, version } = room;
  const target = serverNameOf(pdu.state_key ?? "");
  const stripped = STRIPPED_STATE_TYPES.map((t) => state.get(stateKey(t, ""))).filter((e): e is PDU => e !== undefined).map(toStrippedState);
  const ids = `${encodeURIComponent(roomId)}/${encodeURIComponent(pdu.event_id)}`;
  let res: { event?: unknown };
  try {
    res = await federationRequest(room.env, target, "PUT", `/_matrix/federation/v2/invite/${ids}`, {
      room_version: version.id,
      event: wireOf(room.version, pdu),
      invite_room_state: stripped as unknown as JsonObject[],
    });
  } catch (e) {
    if (!isUnknownEndpoint(e)) throw forbidden(`${target} refused the invite: ${e instanceof Error ? e.message : String(e)}`);
    // A server without v2 invite knows only the v1 API, which carries no room version: it can
    // take part only in rooms of versions 1 and 2 (Synapse draws the same line).
    if (version.eventIdFormat !== "v1") throw unsupportedRoomVersion(`${target} does not support this room version`);
    try {
      const v1 = unwrapV1Answer(await federationRequest<unknown>(room.env, target, "PUT", `/_matrix/federation/v1/invite/${ids}`, { ...wireOf(room.version, pdu), unsigned: { invite_room_state: stripped as unknown as JsonObject[] } }));
      res = isJsonObject(v1) ? v1 : {};
    } catch (e1) {
      throw forbidden(`${target} refused the invite: ${e1 instanceof Error ? e1.message : String(e1)}`);
    }
  }
  const checked = await checkFormatAndSignatures(room, res.event);
  if ("error" in checked || checked.pdu.event_id !== pdu.event_id || !checked.pdu.signatures[target]) {
    throw forbidden(`${target} returned an invalid invite`);
  }
  return checked.pdu;
}
