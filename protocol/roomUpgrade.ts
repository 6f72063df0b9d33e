/**
 * The pure rules of a room upgrade (spec: client-server-api "Room Upgrades", server behaviour):
 * which state the replacement room inherits, its create event, its power levels, and how the old
 * room's power levels and canonical alias change. Where the spec leaves room, Synapse's choices.
 */
import { isJsonObject, type JsonObject, type JsonValue } from "./json.js";
import { parsePowerLevelValue } from "./powerLevels.js";
import type { RoomVersion } from "./roomVersions.js";

/** The state the spec recommends transferring (all with an empty state key). */
export const TRANSFERRED_STATE_TYPES: readonly string[] = [
  "m.room.join_rules",
  "m.room.name",
  "m.room.topic",
  "m.room.history_visibility",
  "m.room.guest_access",
  "m.room.avatar",
  "m.room.encryption",
  "m.room.server_acl",
];

export interface StateContent {
  type: string;
  state_key: string;
  content: JsonObject;
}

/**
 * The old room's state that the new room starts with, power levels aside (they are computed by
 * upgradedPowerLevels). A space also keeps its children, as Synapse does; a removed child (empty
 * content) is not carried over. Membership is never transferred: a server can't speak for
 * other servers' users.
 */
export function stateToTransfer(oldState: readonly StateContent[], roomType: string | undefined): StateContent[] {
  const out: StateContent[] = [];
  for (const s of oldState) {
    if (s.state_key === "" && TRANSFERRED_STATE_TYPES.includes(s.type)) out.push(s);
    else if (roomType === "m.space" && s.type === "m.space.child" && Object.keys(s.content).length > 0) out.push(s);
  }
  return out;
}

/**
 * The replacement room's `m.room.create` content: the new version, `predecessor` naming the old
 * room (and its last event where known: optional from v12, where the new room's ID must exist
 * before the tombstone can name it), the old room's `type` and `m.federate: false`, and in
 * versions with privileged creators the requested additional creators.
 */
export function upgradedCreateContent(
  oldCreate: JsonObject,
  oldRoomId: string,
  lastEventId: string | undefined,
  newVersion: RoomVersion,
  upgrader: string,
  additionalCreators: readonly string[],
): JsonObject {
  const predecessor: JsonObject = { room_id: oldRoomId };
  if (lastEventId !== undefined) predecessor.event_id = lastEventId;
  const content: JsonObject = { room_version: newVersion.id, predecessor };
  if (!newVersion.v11EventFormat) content.creator = upgrader;
  if (typeof oldCreate.type === "string") content.type = oldCreate.type;
  if (oldCreate["m.federate"] === false) content["m.federate"] = false;
  if (newVersion.privilegedCreators) {
    const extra = [...new Set(additionalCreators.filter((u) => u !== upgrader))];
    if (extra.length > 0) content.additional_creators = extra;
  }
  return content;
}

/**
 * Power level content with every level an integer (strings and floats of old room versions
 * converted, unreadable ones dropped), so it is valid in any room version (Synapse's
 * copy_and_fixup_power_levels_contents).
 */
export function fixupPowerLevels(content: JsonObject, version: RoomVersion): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(content)) {
    if (key === "users" || key === "events" || key === "notifications") {
      if (!isJsonObject(value)) continue;
      const map: JsonObject = {};
      for (const [k, v] of Object.entries(value)) {
        const level = parsePowerLevelValue(v, version);
        if (level !== undefined) map[k] = level;
      }
      out[key] = map;
    } else if (isLevelKey(key)) {
      const level = parsePowerLevelValue(value, version);
      if (level !== undefined) out[key] = level;
    } else {
      out[key] = value;
    }
  }
  return out;
}

const LEVEL_KEYS = ["users_default", "events_default", "state_default", "ban", "kick", "redact", "invite", "historical"];
function isLevelKey(key: string): boolean {
  return LEVEL_KEYS.includes(key);
}

function intOr(value: JsonValue | undefined, fallback: number): number {
  return typeof value === "number" && Number.isInteger(value) ? value : fallback;
}

export interface UpgradedPowerLevels {
  /** What the new room is created with: the upgrader can set every copied state event. */
  initial: JsonObject;
  /** What the new room ends with: the old room's levels (sent after the copied state if it differs). */
  final: JsonObject;
}

/**
 * The new room's power levels. They are the old room's, but the upgrader must be able to send
 * every transferred state event while the room is set up, so they start at least at the highest
 * of state_default, ban and every event level, as Synapse does; the old levels are restored
 * afterwards. Creators of a version with privileged creators must not be listed in `users`; an
 * upgrade out of such a version lists the upgrader at 100 (or more), since their creator power
 * would otherwise be lost.
 */
export function upgradedPowerLevels(
  oldContent: JsonObject | undefined,
  oldVersion: RoomVersion,
  newVersion: RoomVersion,
  upgrader: string,
  newCreators: readonly string[],
): UpgradedPowerLevels {
  const final = fixupPowerLevels(oldContent ?? {}, oldVersion);
  const users: JsonObject = isJsonObject(final.users) ? { ...final.users } : {};
  if (newVersion.privilegedCreators) {
    for (const c of newCreators) delete users[c];
    final.users = users;
    return { initial: final, final };
  }
  const events = isJsonObject(final.events) ? final.events : {};
  const needed = Math.max(intOr(final.state_default, 50), intOr(final.ban, 50), ...Object.values(events).map((v) => intOr(v, 0)), 0);
  if (oldVersion.privilegedCreators) users[upgrader] = Math.max(intOr(users[upgrader], 0), 100, needed);
  final.users = users;
  const current = intOr(users[upgrader], intOr(final.users_default, 0));
  if (current >= needed) return { initial: final, final };
  return { initial: { ...final, users: { ...users, [upgrader]: needed } }, final };
}

/**
 * The old room's power levels after the upgrade: `events_default` and `invite` raised to
 * max(50, users_default + 1), so ordinary members can no longer talk or invite there. Undefined
 * when both already are that high (nothing to send).
 */
export function restrictedOldRoomPowerLevels(oldContent: JsonObject | undefined, oldVersion: RoomVersion): JsonObject | undefined {
  const pl = fixupPowerLevels(oldContent ?? {}, oldVersion);
  const restricted = Math.max(50, intOr(pl.users_default, 0) + 1);
  let changed = false;
  for (const key of ["events_default", "invite"]) {
    if (intOr(pl[key], 0) < restricted) {
      pl[key] = restricted;
      changed = true;
    }
  }
  return changed ? pl : undefined;
}

/**
 * Splits the old room's `m.room.canonical_alias` content after its local aliases moved: the new
 * room takes the local canonical alias and local alt_aliases, the old room keeps the rest.
 */
export function splitCanonicalAlias(content: JsonObject, isLocal: (alias: string) => boolean): { old: JsonObject; new: JsonObject } {
  const oldContent: JsonObject = { ...content };
  const newContent: JsonObject = {};
  if (typeof content.alias === "string" && isLocal(content.alias)) {
    newContent.alias = content.alias;
    delete oldContent.alias;
  }
  if (Array.isArray(content.alt_aliases)) {
    const alts = content.alt_aliases.filter((a): a is string => typeof a === "string");
    const moved = alts.filter(isLocal);
    const kept = alts.filter((a) => !isLocal(a));
    if (moved.length > 0) newContent.alt_aliases = moved;
    if (kept.length > 0) oldContent.alt_aliases = kept;
    else delete oldContent.alt_aliases;
  }
  return { old: oldContent, new: newContent };
}

/**
 * A user's `m.direct` account data with the replacement room listed wherever the old room is, so
 * a direct chat stays one after its upgrade (Synapse does this for the old room's local users).
 * Undefined when nothing changes.
 */
export function directWithReplacement(direct: JsonObject, oldRoomId: string, newRoomId: string): JsonObject | undefined {
  let changed = false;
  const out: JsonObject = {};
  for (const [userId, rooms] of Object.entries(direct)) {
    if (Array.isArray(rooms) && rooms.includes(oldRoomId) && !rooms.includes(newRoomId)) {
      out[userId] = [...rooms, newRoomId];
      changed = true;
    } else {
      out[userId] = rooms;
    }
  }
  return changed ? out : undefined;
}
