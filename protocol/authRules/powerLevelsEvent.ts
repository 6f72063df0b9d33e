/**
 * The `m.room.power_levels` rule (v1–5 rule 10; v6–11 rule 9; v12 rule 10): the new levels must
 * be well-formed, and nobody may touch a level above their own, raise anything above their own
 * level, or change the level of someone at or above them (their own entry excepted, so anyone
 * may demote themselves). In v12 the room creators may not appear in `users` at all.
 */
import type { JsonObject, JsonValue } from "../json.js";
import { isJsonObject } from "../json.js";
import type { RoomVersion } from "../roomVersions.js";
import { POWER_LEVEL_TOP_LEVEL_KEYS, parsePowerLevelValue } from "../powerLevels.js";
import type { AuthResult } from "./result.js";
import { ALLOW, reject } from "./result.js";
import type { AuthContext } from "./context.js";
import { isValidUserId } from "./ids.js";

const MAP_KEYS = ["events", "notifications"] as const;

function isInteger(value: JsonValue | undefined): boolean {
  return typeof value === "number" && Number.isInteger(value);
}

type Read<T> = { ok: true; value: T } | { ok: false };

/**
 * One top-level level: undefined when absent. A value this version cannot read is an error in
 * the new content; in the previous content it is ignored (treated as absent) so that one bad
 * legacy event cannot freeze a room's power levels forever.
 */
function readLevel(content: JsonObject, key: string, version: RoomVersion, strict: boolean): Read<number | undefined> {
  if (!(key in content)) return { ok: true, value: undefined };
  const level = parsePowerLevelValue(content[key], version);
  if (level === undefined && strict) return { ok: false };
  return { ok: true, value: level };
}

/** A map of levels (`events`, `notifications`, `users`); same strictness as `readLevel`. */
function readMap(content: JsonObject, key: string, version: RoomVersion, strict: boolean): Read<Map<string, number>> {
  const map = new Map<string, number>();
  if (!(key in content)) return { ok: true, value: map };
  const raw = content[key];
  if (!isJsonObject(raw)) return strict ? { ok: false } : { ok: true, value: map };
  for (const [k, v] of Object.entries(raw)) {
    const level = parsePowerLevelValue(v, version);
    if (level === undefined) {
      if (strict) return { ok: false };
      continue;
    }
    map.set(k, level);
  }
  return { ok: true, value: map };
}

export function authorizePowerLevels(ctx: AuthContext): AuthResult {
  const { event, version } = ctx;
  const content = event.content;

  if (version.integerPowerLevels) {
    // .1 (v10+) Top-level levels are integers, not strings.
    for (const key of POWER_LEVEL_TOP_LEVEL_KEYS) {
      if (key in content && !isInteger(content[key])) {
        return reject("power_levels.non_integer", version, `${key} must be an integer`);
      }
    }
    // .2 (v10+) events and notifications map to integers.
    for (const key of MAP_KEYS) {
      if (!(key in content)) continue;
      const map = content[key];
      if (!isJsonObject(map) || !Object.values(map).every(isInteger)) {
        return reject("power_levels.events_invalid", version, `${key} must be an object of integers`);
      }
    }
  }

  // users (.1 before v10, .3 from v10): valid user IDs to integers (or, before v10, integer
  // strings; before v6, also floats). A missing `users` is fine: nobody is listed.
  if ("users" in content) {
    const users = content.users;
    if (!isJsonObject(users)) {
      return reject("power_levels.users_invalid", version, "users must be an object");
    }
    for (const [userId, level] of Object.entries(users)) {
      if (!isValidUserId(userId)) {
        return reject("power_levels.users_invalid", version, `users key ${JSON.stringify(userId)} is not a user ID`);
      }
      if (parsePowerLevelValue(level, version) === undefined) {
        return reject(
          "power_levels.users_invalid",
          version,
          `users[${userId}] = ${JSON.stringify(level)} is not a power level in room version ${version.id}`,
        );
      }
    }
  }

  // .4 (v12) Creators' power is infinite and fixed; listing them would pretend otherwise.
  if (version.privilegedCreators && isJsonObject(content.users)) {
    for (const creator of ctx.power.creators) {
      if (Object.hasOwn(content.users, creator)) {
        return reject("power_levels.creator_in_users", version, `room creator ${creator} cannot be listed in users`);
      }
    }
  }

  // No previous power levels: the first one (sent by the creator at room creation) is allowed.
  const previous = ctx.powerLevelsEvent;
  if (!previous) return ALLOW;

  const old = previous.content;
  const sender = event.sender;
  const senderPower = ctx.powerOf(sender);
  const malformed = (what: string): AuthResult =>
    reject("power_levels.malformed", version, `${what} is not a power level in room version ${version.id}`);

  // Top-level levels: any alteration needs both the old and the new value within the sender's level.
  for (const key of POWER_LEVEL_TOP_LEVEL_KEYS) {
    const before = readLevel(old, key, version, false);
    const after = readLevel(content, key, version, true);
    if (!after.ok) return malformed(key);
    if (!before.ok) continue; // cannot happen with strict = false
    if (before.value === after.value) continue;
    if (before.value !== undefined && before.value > senderPower) {
      return reject(
        "power_levels.level_current_too_high",
        version,
        `${key} is ${before.value}, above ${sender}'s power ${senderPower}`,
      );
    }
    if (after.value !== undefined && after.value > senderPower) {
      return reject(
        "power_levels.level_new_too_high",
        version,
        `${key} cannot be set to ${after.value}, above ${sender}'s power ${senderPower}`,
      );
    }
  }

  // events (and, from v6, notifications): first every entry changed or removed, then every
  // entry added or changed, in the spec's order.
  const mapKeys = version.limitNotificationsPowerLevels ? MAP_KEYS : (["events"] as const);
  const pairs: Array<{ key: string; before: Map<string, number>; after: Map<string, number> }> = [];
  for (const key of mapKeys) {
    const before = readMap(old, key, version, false);
    const after = readMap(content, key, version, true);
    if (!after.ok) return malformed(key);
    if (!before.ok) continue;
    pairs.push({ key, before: before.value, after: after.value });
  }
  for (const { key, before, after } of pairs) {
    for (const [name, level] of before) {
      if (after.get(name) !== level && level > senderPower) {
        return reject(
          "power_levels.events_current_too_high",
          version,
          `${key}[${name}] is ${level}, above ${sender}'s power ${senderPower}`,
        );
      }
    }
  }
  for (const { key, before, after } of pairs) {
    for (const [name, level] of after) {
      if (before.get(name) !== level && level > senderPower) {
        return reject(
          "power_levels.events_new_too_high",
          version,
          `${key}[${name}] cannot be set to ${level}, above ${sender}'s power ${senderPower}`,
        );
      }
    }
  }

  // users: others' entries may only be changed or removed when below the sender's level...
  const usersBefore = readMap(old, "users", version, false);
  const usersAfter = readMap(content, "users", version, true);
  if (!usersAfter.ok) return malformed("users");
  const before = usersBefore.ok ? usersBefore.value : new Map<string, number>();
  for (const [userId, level] of before) {
    if (userId === sender) continue;
    if (usersAfter.value.get(userId) !== level && level >= senderPower) {
      return reject(
        "power_levels.users_current_too_high",
        version,
        `${userId} has power ${level}, not below ${sender}'s power ${senderPower}`,
      );
    }
  }
  // ...and nobody may be given more than the sender's level.
  for (const [userId, level] of usersAfter.value) {
    if (before.get(userId) !== level && level > senderPower) {
      return reject(
        "power_levels.users_new_too_high",
        version,
        `${userId} cannot be given power ${level}, above ${sender}'s power ${senderPower}`,
      );
    }
  }
  return ALLOW;
}
