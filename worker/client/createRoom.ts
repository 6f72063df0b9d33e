import type { IRequest } from "itty-router";
import { clientRoute, type Ctx } from "../router.js";
import { json, readJsonObject, optString, optBool, optObject, optStringArray } from "../http.js";
import { badJson, invalidParam, unsupportedRoomVersion, roomInUse } from "../../platform/errors.js";
import { authenticate } from "../auth.js";
import { checkAliasNotExclusive } from "../appservice/exclusive.js";
import { roomStub, serverStub, userStub } from "../../platform/stubs.js";
import { isJsonObject, type JsonObject } from "../../protocol/json.js";
import { DEFAULT_ROOM_VERSION, getRoomVersion, type RoomVersion } from "../../protocol/roomVersions.js";
import { buildEvent, roomIdFromCreateEvent } from "../../protocol/buildEvent.js";
import { isValidUserId, isValidRoomAlias } from "../../protocol/identifiers.js";
import { signingKeyOf } from "../../platform/signingKey.js";
import type { EventTemplate } from "../../platform/rpc/room.js";
import { randomString } from "../../platform/tokens.js";

// Spec: POST /_matrix/client/v3/createRoom (create_room.yaml) and "Creation" in the rooms module.

type Preset = "private_chat" | "trusted_private_chat" | "public_chat";

interface PresetState {
  joinRule: string;
  historyVisibility: string;
  guestAccess: string;
}

export const PRESETS: Record<Preset, PresetState> = {
  private_chat: { joinRule: "invite", historyVisibility: "shared", guestAccess: "can_join" },
  trusted_private_chat: { joinRule: "invite", historyVisibility: "shared", guestAccess: "can_join" },
  public_chat: { joinRule: "public", historyVisibility: "shared", guestAccess: "forbidden" },
};

/** Synapse's default power levels for a new room, which Element's room settings expect. */
function defaultPowerLevels(creator: string, version: RoomVersion, preset: Preset, invitees: string[]): JsonObject {
  const users: JsonObject = {};
  // v12: creators have infinite power and must not be listed.
  if (!version.privilegedCreators) users[creator] = 100;
  // trusted_private_chat gives invitees the creator's power: 100 before v12; from v12 they become
  // additional creators instead (see createRoom), who must not be listed here either.
  if (preset === "trusted_private_chat" && !version.privilegedCreators) for (const u of invitees) users[u] = 100;
  return {
    users,
    users_default: 0,
    events: {
      "m.room.name": 50,
      "m.room.power_levels": 100,
      "m.room.history_visibility": 100,
      "m.room.canonical_alias": 50,
      "m.room.avatar": 50,
      "m.room.tombstone": 100,
      "m.room.server_acl": 100,
      "m.room.encryption": 100,
    },
    events_default: 0,
    state_default: 50,
    ban: 50,
    kick: 50,
    redact: 50,
    invite: preset === "public_chat" ? 50 : 0,
    historical: 100,
    notifications: { room: 50 },
  };
}

/**
 * Builds and signs the create event (in v12 the room ID is derived from it, so it is built here,
 * not in the RoomDO), then has the room store it, the creator's join and `afterJoin` in order.
 * Also the building block of room upgrades. Returns the new room's ID.
 */
export async function createRoomWithEvents(ctx: Ctx, creator: string, version: RoomVersion, createContent: JsonObject, afterJoin: EventTemplate[]): Promise<string> {
  const server = ctx.config.serverName;
  const key = signingKeyOf(await serverStub(ctx.env).signingKey());
  let roomId = version.roomIdIsCreateEventHash ? undefined : `!${randomString(18).replace(/[^A-Za-z0-9]/g, "x")}:${server}`;
  const create = await buildEvent(
    { room_id: roomId, sender: creator, type: "m.room.create", state_key: "", content: createContent, prev_events: [], auth_events: [], depth: 1, origin_server_ts: Date.now() },
    version,
    server,
    key,
  );
  if (roomId === undefined) roomId = roomIdFromCreateEvent(create);
  const profile = (await userStub(ctx.env, creator).getProfile()) ?? {};
  const memberContent: JsonObject = { membership: "join" };
  if (profile.displayname) memberContent.displayname = profile.displayname;
  if (profile.avatar_url) memberContent.avatar_url = profile.avatar_url;
  const join: EventTemplate = { sender: creator, type: "m.room.member", state_key: creator, content: memberContent };
  await roomStub(ctx.env, roomId).createRoom(roomId, create, version.id, [join, ...afterJoin]);
  return roomId;
}

async function createRoom(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes);
  const server = ctx.config.serverName;
  const creator = session.userId;

  const versionId = optString(body, "room_version") ?? DEFAULT_ROOM_VERSION;
  const version = getRoomVersion(versionId);
  if (!version) throw unsupportedRoomVersion(`Room version ${versionId} is not supported`);

  const visibility = optString(body, "visibility") ?? "private";
  if (visibility !== "public" && visibility !== "private") throw invalidParam("visibility must be 'public' or 'private'");
  const presetName = optString(body, "preset") ?? (visibility === "public" ? "public_chat" : "private_chat");
  if (!(presetName in PRESETS)) throw invalidParam(`Unknown preset ${presetName}`);
  const preset = presetName as Preset;
  const invitees = optStringArray(body, "invite") ?? [];
  for (const u of invitees) if (!isValidUserId(u, { historical: true })) throw invalidParam(`Invalid user ID ${u}`);
  const isDirect = optBool(body, "is_direct") ?? false;
  const name = optString(body, "name");
  const topic = optString(body, "topic");
  const creationContent = optObject(body, "creation_content") ?? {};
  const plOverride = optObject(body, "power_level_content_override");
  const initialState = body.initial_state;
  if (initialState !== undefined && !Array.isArray(initialState)) throw badJson("'initial_state' must be an array");
  const initial: Array<{ type: string; state_key: string; content: JsonObject }> = [];
  for (const s of initialState ?? []) {
    if (!isJsonObject(s) || typeof s.type !== "string" || !isJsonObject(s.content) || (s.state_key !== undefined && typeof s.state_key !== "string")) {
      throw badJson("Each initial_state entry needs a string 'type', an object 'content' and an optional string 'state_key'");
    }
    initial.push({ type: s.type, state_key: typeof s.state_key === "string" ? s.state_key : "", content: s.content });
  }

  const aliasName = optString(body, "room_alias_name");
  const alias = aliasName !== undefined ? `#${aliasName}:${server}` : undefined;
  if (alias !== undefined && (!isValidRoomAlias(alias) || aliasName?.includes(":"))) throw invalidParam("Invalid room_alias_name");
  if (alias !== undefined) checkAliasNotExclusive(ctx, alias, session.appservice);
  if (alias !== undefined && (await serverStub(ctx.env).aliasExists(alias))) throw roomInUse("Room alias already taken");

  // The create event: in v12 the room ID is derived from it, so it is built here.
  const createContent: JsonObject = { ...creationContent, room_version: version.id };
  if (!version.v11EventFormat) createContent.creator = creator;
  if (preset === "trusted_private_chat" && version.privilegedCreators && invitees.length > 0) {
    // Spec (createRoom, creation_content): combine additional_creators and the invitees, deduplicated.
    const given = Array.isArray(createContent.additional_creators) ? createContent.additional_creators : [];
    createContent.additional_creators = [...new Set([...given.filter((u): u is string => typeof u === "string"), ...invitees])];
  }
  const p = PRESETS[preset];
  const templates: EventTemplate[] = [];
  const pl = defaultPowerLevels(creator, version, preset, invitees);
  templates.push({ sender: creator, type: "m.room.power_levels", state_key: "", content: { ...pl, ...(plOverride ?? {}) } });
  if (alias) templates.push({ sender: creator, type: "m.room.canonical_alias", state_key: "", content: { alias } });
  const overridden = new Set(initial.map((s) => `${s.type}\u0000${s.state_key}`));
  const presetEvents: Array<[string, JsonObject]> = [
    ["m.room.join_rules", { join_rule: p.joinRule }],
    ["m.room.history_visibility", { history_visibility: p.historyVisibility }],
    ["m.room.guest_access", { guest_access: p.guestAccess }],
  ];
  for (const [type, content] of presetEvents) {
    if (!overridden.has(`${type}\u0000`)) templates.push({ sender: creator, type, state_key: "", content });
  }
  for (const s of initial) templates.push({ sender: creator, type: s.type, state_key: s.state_key, content: s.content });
  if (name !== undefined) templates.push({ sender: creator, type: "m.room.name", state_key: "", content: { name } });
  if (topic !== undefined) {
    templates.push({ sender: creator, type: "m.room.topic", state_key: "", content: { topic, "m.topic": [{ mimetype: "text/plain", body: topic }] } });
  }
  for (const u of invitees) {
    const c: JsonObject = { membership: "invite" };
    if (isDirect) c.is_direct = true;
    templates.push({ sender: creator, type: "m.room.member", state_key: u, content: c });
  }

  // The room first: if its initial events are refused, no alias is left pointing at nothing.
  const roomId = await createRoomWithEvents(ctx, creator, version, createContent, templates);
  if (alias) await serverStub(ctx.env).createAlias(alias, roomId, creator);
  if (visibility === "public") await serverStub(ctx.env).setPublished(roomId, true, await roomStub(ctx.env, roomId).summary());
  return json({ room_id: roomId });
}

export function registerCreateRoomRoutes(): void {
  clientRoute("POST", "/createRoom", createRoom);
}
