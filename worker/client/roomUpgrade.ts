import type { IRequest } from "itty-router";
import { clientRoute, param, type Ctx } from "../router.js";
import { json, readJsonObject, reqString, optStringArray } from "../http.js";
import { badRequest, forbidden, notFound, invalidParam, unsupportedRoomVersion, unlessStatus } from "../../platform/errors.js";
import { authenticate } from "../auth.js";
import { roomStub, serverStub, userStub } from "../../platform/stubs.js";
import type { EventTemplate } from "../../platform/rpc/room.js";
import type { ClientEvent } from "../../protocol/clientEvent.js";
import type { JsonObject } from "../../protocol/json.js";
import { getRoomVersion, type RoomVersion } from "../../protocol/roomVersions.js";
import { isFromServer, isValidRoomId, isValidUserId } from "../../protocol/identifiers.js";
import {
  directWithReplacement,
  restrictedOldRoomPowerLevels,
  splitCanonicalAlias,
  stateToTransfer,
  upgradedCreateContent,
  upgradedPowerLevels,
} from "../../protocol/roomUpgrade.js";
import { canonicalJson } from "../../protocol/canonicalJson.js";
import { createRoomWithEvents, PRESETS } from "./createRoom.js";

// Spec: POST /_matrix/client/v3/rooms/{roomId}/upgrade (room_upgrades.yaml) and the server
// behaviour in the Room Upgrades module; the rules live in protocol/roomUpgrade.ts, this file
// runs the steps in Synapse's order: replacement room, tombstone, aliases, directory, old room's
// power levels.

const TOMBSTONE_BODY = "This room has been replaced";

async function upgradeRoom(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const newVersionId = reqString(body, "new_version");
  const additionalCreators = optStringArray(body, "additional_creators") ?? [];
  for (const u of additionalCreators) if (!isValidUserId(u, { historical: true })) throw invalidParam(`Invalid user ID ${u} in additional_creators`);
  const newVersion = getRoomVersion(newVersionId);
  if (!newVersion) throw unsupportedRoomVersion(`Room version ${newVersionId} is not supported`);

  const oldRoomId = param(req, "roomId");
  if (!isValidRoomId(oldRoomId)) throw invalidParam("Invalid room ID");
  const old = roomStub(ctx.env, oldRoomId);
  if (!(await old.exists())) throw notFound(`Unknown room ${oldRoomId}`);
  const upgrader = session.userId;
  // Step 1: the upgrader must be able to send the tombstone (which also means being joined).
  // Checked before the claim, so that nobody without that power can hold up an upgrade.
  if (!(await old.userCanSend(upgrader, "m.room.tombstone", true))) throw forbidden("You cannot upgrade this room");

  const claim = await old.claimUpgrade(upgrader);
  if (claim.kind === "done") return json({ replacement_room: claim.replacementRoom });
  if (claim.kind === "busy") throw badRequest("An upgrade for this room is currently in progress");
  let newRoomId: string | undefined;
  try {
    newRoomId = await replaceRoom(ctx, oldRoomId, upgrader, newVersion, additionalCreators);
  } finally {
    await old.finishUpgrade(upgrader, newRoomId);
  }
  return json({ replacement_room: newRoomId });
}

/** Steps 2–6 of an upgrade the upgrader may make: the replacement room, then the old room closed. Returns the new room's ID. */
async function replaceRoom(ctx: Ctx, oldRoomId: string, upgrader: string, newVersion: RoomVersion, additionalCreators: readonly string[]): Promise<string> {
  const old = roomStub(ctx.env, oldRoomId);
  const oldState = await old.getState(upgrader);
  const oldCreate = stateContent(oldState, "m.room.create") ?? {};
  const oldVersion = getRoomVersion(typeof oldCreate.room_version === "string" ? oldCreate.room_version : "1");
  if (!oldVersion) throw unsupportedRoomVersion("The room's own version is not supported");
  const last = await old.messages(upgrader, { dir: "b", limit: 1 });

  const oldRoom: OldRoom = { id: oldRoomId, state: oldState, version: oldVersion, lastEventId: last.chunk[0]?.event_id };
  const newRoomId = await createReplacement(ctx, oldRoom, upgrader, newVersion, additionalCreators);
  await closeOldRoom(ctx, oldRoom, newRoomId, upgrader);
  return newRoomId;
}

/** The old room as it was when the upgrade began, as the upgrader sees it. */
interface OldRoom {
  id: string;
  state: ClientEvent[];
  version: RoomVersion;
  lastEventId?: string;
}

function stateContent(state: readonly ClientEvent[], type: string): JsonObject | undefined {
  return state.find((e) => e.type === type && e.state_key === "")?.content;
}

/** Steps 2–3: the replacement room, with the transferable state and the old room's bans, its members invited where they can't join. */
async function createReplacement(ctx: Ctx, old: OldRoom, upgrader: string, newVersion: RoomVersion, additionalCreators: readonly string[]): Promise<string> {
  const oldCreate = stateContent(old.state, "m.room.create") ?? {};
  const oldState = old.state;
  const createContent = upgradedCreateContent(oldCreate, old.id, old.lastEventId, newVersion, upgrader, additionalCreators);
  const creators = [upgrader, ...(Array.isArray(createContent.additional_creators) ? createContent.additional_creators.filter((u): u is string => typeof u === "string") : [])];
  const pl = upgradedPowerLevels(stateContent(oldState, "m.room.power_levels"), old.version, newVersion, upgrader, creators);
  const roomType = typeof oldCreate.type === "string" ? oldCreate.type : undefined;
  const transferred = stateToTransfer(
    oldState.map((e) => ({ type: e.type, state_key: e.state_key ?? "", content: e.content })),
    roomType,
  );
  const templates: EventTemplate[] = [{ sender: upgrader, type: "m.room.power_levels", state_key: "", content: pl.initial }];
  // What the old room lacks comes from the private_chat preset, as in Synapse.
  const preset = PRESETS.private_chat;
  const defaults: Array<[string, JsonObject]> = [
    ["m.room.join_rules", { join_rule: preset.joinRule }],
    ["m.room.history_visibility", { history_visibility: preset.historyVisibility }],
    ["m.room.guest_access", { guest_access: preset.guestAccess }],
  ];
  for (const [type, content] of defaults) if (!transferred.some((s) => s.type === type)) templates.push({ sender: upgrader, type, state_key: "", content });
  for (const s of transferred) templates.push({ sender: upgrader, ...s });
  const members = oldState.filter((e) => e.type === "m.room.member" && typeof e.state_key === "string");
  for (const ban of members.filter((e) => e.content.membership === "ban")) {
    templates.push({ sender: upgrader, type: "m.room.member", state_key: ban.state_key, content: ban.content });
  }
  const newRoomId = await createRoomWithEvents(ctx, upgrader, newVersion, createContent, templates);
  const fresh = roomStub(ctx.env, newRoomId);

  // An invite-only room would shut its members out of its replacement: invite them (and whoever
  // was invited) there. Best effort: one remote server that can't be reached fails only its invite.
  const joinRule = transferred.find((s) => s.type === "m.room.join_rules")?.content.join_rule ?? preset.joinRule;
  if (joinRule === "invite" || joinRule === "knock") {
    for (const m of members) {
      const target = m.state_key ?? "";
      if (target === upgrader || (m.content.membership !== "join" && m.content.membership !== "invite")) continue;
      await fresh
        .send({ sender: upgrader, type: "m.room.member", state_key: target, content: { membership: "invite" } })
        .catch((e: unknown) => console.error("upgrade: invite failed", newRoomId, target, e));
    }
  }
  if (canonicalJson(pl.initial) !== canonicalJson(pl.final)) {
    await fresh.send({ sender: upgrader, type: "m.room.power_levels", state_key: "", content: pl.final });
  }

  return newRoomId;
}

/** Steps 4–6: the tombstone, aliases and directory entry moved, members' tags and direct chats carried over, the old room closed to ordinary members. */
async function closeOldRoom(ctx: Ctx, oldRoom: OldRoom, newRoomId: string, upgrader: string): Promise<void> {
  const oldRoomId = oldRoom.id;
  const old = roomStub(ctx.env, oldRoomId);
  const fresh = roomStub(ctx.env, newRoomId);
  const members = oldRoom.state.filter((e) => e.type === "m.room.member" && typeof e.state_key === "string");
  // Step 5: the tombstone.
  await old.send({ sender: upgrader, type: "m.room.tombstone", state_key: "", content: { body: TOMBSTONE_BODY, replacement_room: newRoomId } });

  // Step 4: local aliases follow the room, and so does the canonical alias where it is local.
  await moveAliases(ctx, oldRoomId, newRoomId);
  const canonical = stateContent(oldRoom.state, "m.room.canonical_alias");
  if (canonical) {
    const split = splitCanonicalAlias(canonical, (a) => isFromServer(a, ctx.config.serverName));
    for (const [stub, content, id] of [[old, split.old, oldRoomId], [fresh, split.new, newRoomId]] as const) {
      await stub
        .send({ sender: upgrader, type: "m.room.canonical_alias", state_key: "", content })
        .catch((e: unknown) => console.error("upgrade: canonical alias update failed", id, e));
    }
  }

  // A room listed in the directory is replaced there by its successor.
  const server = serverStub(ctx.env);
  if (await server.isPublished(oldRoomId)) {
    await server.setPublished(newRoomId, true, await fresh.summary());
    await server.setPublished(oldRoomId, false);
  }

  // Each local member keeps their tags on the room and their direct chats (as Synapse does).
  for (const m of members) {
    const userId = m.state_key ?? "";
    if (m.content.membership !== "join" || !isFromServer(userId, ctx.config.serverName)) continue;
    await carryOverUserState(ctx, userId, oldRoomId, newRoomId).catch((e: unknown) => console.error("upgrade: carrying over user state failed", userId, e));
  }

  // Step 6: ordinary members can no longer talk or invite in the old room.
  const restricted = restrictedOldRoomPowerLevels(stateContent(oldRoom.state, "m.room.power_levels"), oldRoom.version);
  if (restricted) {
    await old
      .send({ sender: upgrader, type: "m.room.power_levels", state_key: "", content: restricted })
      .catch((e: unknown) => console.error("upgrade: restricting the old room failed", oldRoomId, e));
  }
}

async function carryOverUserState(ctx: Ctx, userId: string, oldRoomId: string, newRoomId: string): Promise<void> {
  const user = userStub(ctx.env, userId);
  const tags = await unlessStatus([404], user.getAccountData(oldRoomId, "m.tag"));
  if (tags) await user.setAccountData(newRoomId, "m.tag", tags);
  const direct = await unlessStatus([404], user.getAccountData("", "m.direct"));
  const updated = direct && directWithReplacement(direct, oldRoomId, newRoomId);
  if (updated) await user.setAccountData("", "m.direct", updated);
}

async function moveAliases(ctx: Ctx, oldRoomId: string, newRoomId: string): Promise<void> {
  const server = serverStub(ctx.env);
  for (const alias of await server.aliasesOf(oldRoomId)) {
    const info = await server.aliasInfo(alias);
    if (!info || info.room_id !== oldRoomId) continue;
    await server.deleteAlias(alias);
    await server.createAlias(alias, newRoomId, info.creator);
  }
}

export function registerRoomUpgradeRoutes(): void {
  clientRoute("POST", "/rooms/:roomId/upgrade", upgradeRoom);
}
