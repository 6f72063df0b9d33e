/**
 * Power levels (spec: client-server-api `m.room.power_levels`; rooms/v1 "stringy" and "floaty"
 * power levels; rooms/v10 integer-only power levels; rooms/v12 room creators).
 *
 * Two layers:
 * - `parsePowerLevels` reads an `m.room.power_levels` content leniently (a value it cannot read
 *   falls back to the spec default). Strict validation of a *new* power levels event is an auth
 *   rule and lives in `authRules/powerLevelsEvent.ts`.
 * - `userPowerLevel`, `eventPowerLevel`, `canSendEvent`, `canKick`, ... answer the questions the
 *   auth rules and the client API ask, given the room's create and power levels events.
 *
 * Pure functions, no Cloudflare imports.
 */
import type { JsonObject, JsonValue } from "./json.js";
import { isJsonObject } from "./json.js";
import type { PDU, StateMap } from "./pdu.js";
import { stateKey } from "./pdu.js";
import type { RoomVersion } from "./roomVersions.js";

/** The contents of an `m.room.power_levels` event with every default filled in. */
export interface PowerLevels {
  users: ReadonlyMap<string, number>;
  usersDefault: number;
  events: ReadonlyMap<string, number>;
  eventsDefault: number;
  stateDefault: number;
  ban: number;
  kick: number;
  redact: number;
  invite: number;
  notifications: ReadonlyMap<string, number>;
}

/**
 * Spec defaults for keys missing from `m.room.power_levels`. The same values apply when the
 * room has no power levels event at all (the schema says so for state_default 50,
 * events_default 0, kick/ban/redact 50, invite 0); only *user* levels differ then (see
 * `userPowerLevel`).
 */
export const POWER_LEVEL_DEFAULTS = {
  usersDefault: 0,
  eventsDefault: 0,
  stateDefault: 50,
  ban: 50,
  kick: 50,
  redact: 50,
  invite: 0,
  /** `notifications.room` (and, like Synapse, any other notification key) defaults to 50. */
  notification: 50,
} as const;

/** Power level of a room creator when the room has no power levels event (room versions 1–11). */
export const CREATOR_LEVEL_WITHOUT_POWER_LEVELS = 100;

/** The top-level integer keys of the power levels content, with their content names. */
export const POWER_LEVEL_TOP_LEVEL_KEYS = [
  "users_default",
  "events_default",
  "state_default",
  "ban",
  "redact",
  "kick",
  "invite",
] as const;

/** An integer written as a string in room versions 1–9: optional whitespace, sign, digits. */
const STRINGY_INTEGER = /^\s*[+-]?[0-9]+\s*$/;

/**
 * Reads one power level value as the room version allows, or returns undefined when the value
 * is not a power level in this version:
 * - integers always;
 * - strings holding an integer (`"100"`, `" +0100 "`) in room versions 1–9 (v10 forbids them);
 * - floats, truncated towards zero, in room versions 1–5 (v6+ canonical JSON forbids floats);
 * - never NaN, ±Infinity, booleans, null, objects.
 */
export function parsePowerLevelValue(value: JsonValue | undefined, version: RoomVersion): number | undefined {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return undefined;
    if (Number.isInteger(value)) return value === 0 ? 0 : value; // no -0
    return version.strictCanonicalJson ? undefined : Math.trunc(value) || 0;
  }
  if (typeof value === "string") {
    if (version.integerPowerLevels || !STRINGY_INTEGER.test(value)) return undefined;
    const n = Number.parseInt(value.trim(), 10);
    return Number.isFinite(n) ? n || 0 : undefined;
  }
  return undefined;
}

function levelOr(content: JsonObject, key: string, fallback: number, version: RoomVersion): number {
  return parsePowerLevelValue(content[key], version) ?? fallback;
}

function levelMap(value: JsonValue | undefined, version: RoomVersion): Map<string, number> {
  const map = new Map<string, number>();
  if (!isJsonObject(value)) return map;
  for (const [key, raw] of Object.entries(value)) {
    const level = parsePowerLevelValue(raw, version);
    if (level !== undefined) map.set(key, level);
  }
  return map;
}

/**
 * The effective power levels of an `m.room.power_levels` content, defaults filled in.
 * `undefined` content (no power levels event) gives the pure defaults.
 * Values this room version cannot read are ignored (they take the default), so a legacy event
 * never throws here.
 */
export function parsePowerLevels(content: JsonObject | undefined, version: RoomVersion): PowerLevels {
  const c = content ?? {};
  const d = POWER_LEVEL_DEFAULTS;
  return {
    users: levelMap(c.users, version),
    usersDefault: levelOr(c, "users_default", d.usersDefault, version),
    events: levelMap(c.events, version),
    eventsDefault: levelOr(c, "events_default", d.eventsDefault, version),
    stateDefault: levelOr(c, "state_default", d.stateDefault, version),
    ban: levelOr(c, "ban", d.ban, version),
    kick: levelOr(c, "kick", d.kick, version),
    redact: levelOr(c, "redact", d.redact, version),
    invite: levelOr(c, "invite", d.invite, version),
    notifications: levelMap(c.notifications, version),
  };
}

/** The two state events a user's power depends on. */
export interface PowerState {
  create?: PDU;
  powerLevels?: PDU;
}

export function powerStateOf(state: StateMap): PowerState {
  return {
    create: state.get(stateKey("m.room.create", "")),
    powerLevels: state.get(stateKey("m.room.power_levels", "")),
  };
}

/**
 * The room's creators:
 * - room versions 1–10: `content.creator` of the create event;
 * - room version 11: the create event's `sender` (`creator` is gone);
 * - room version 12+: the `sender` plus every string in `content.additional_creators`.
 */
export function roomCreators(create: PDU | undefined, version: RoomVersion): string[] {
  if (!create) return [];
  if (!version.v11EventFormat) {
    const creator = create.content.creator;
    return typeof creator === "string" ? [creator] : [];
  }
  const creators = [create.sender];
  if (version.privilegedCreators) {
    const extra = create.content.additional_creators;
    if (Array.isArray(extra)) {
      for (const u of extra) if (typeof u === "string" && !creators.includes(u)) creators.push(u);
    }
  }
  return creators;
}

/** Everything needed to answer power questions about a room, parsed once. */
export interface RoomPower {
  levels: PowerLevels;
  /** Whether the room has an `m.room.power_levels` event. */
  hasPowerLevelsEvent: boolean;
  creators: ReadonlySet<string>;
  version: RoomVersion;
}

export function roomPower(state: PowerState, version: RoomVersion): RoomPower {
  return {
    levels: parsePowerLevels(state.powerLevels?.content, version),
    hasPowerLevelsEvent: state.powerLevels !== undefined,
    creators: new Set(roomCreators(state.create, version)),
    version,
  };
}

/**
 * A user's power level:
 * - v12+: room creators have infinite power (`Infinity`), whatever the power levels say;
 * - with a power levels event: `users[userId]`, else `users_default`;
 * - without one: the creator has 100 (v1–11), everyone else 0.
 */
export function powerOf(userId: string, power: RoomPower): number {
  if (power.version.privilegedCreators && power.creators.has(userId)) return Infinity;
  if (power.hasPowerLevelsEvent) return power.levels.users.get(userId) ?? power.levels.usersDefault;
  return power.creators.has(userId) ? CREATOR_LEVEL_WITHOUT_POWER_LEVELS : POWER_LEVEL_DEFAULTS.usersDefault;
}

export function userPowerLevel(userId: string, state: PowerState, version: RoomVersion): number {
  return powerOf(userId, roomPower(state, version));
}

/** The *required power level* of an event type: `events[type]`, else `state_default` / `events_default`. */
export function eventPowerLevel(type: string, isState: boolean, pl: PowerLevels): number {
  return pl.events.get(type) ?? (isState ? pl.stateDefault : pl.eventsDefault);
}

/** The level needed to trigger a notification of this key (`room` for @room); 50 when unspecified. */
export function notificationPowerLevel(key: string, pl: PowerLevels): number {
  return pl.notifications.get(key) ?? POWER_LEVEL_DEFAULTS.notification;
}

/*
 * Permission helpers for the client API. They check power only; membership (the sender must be
 * joined, the target must not be banned, ...) is the auth rules' job, which always run on the
 * event that is finally built.
 */

export function canSendEvent(
  userId: string,
  type: string,
  isState: boolean,
  state: PowerState,
  version: RoomVersion,
): boolean {
  const power = roomPower(state, version);
  return powerOf(userId, power) >= eventPowerLevel(type, isState, power.levels);
}

export function canInvite(userId: string, state: PowerState, version: RoomVersion): boolean {
  const power = roomPower(state, version);
  return powerOf(userId, power) >= power.levels.invite;
}

/** Kick: at least the kick level and strictly more power than the target. */
export function canKick(userId: string, targetId: string, state: PowerState, version: RoomVersion): boolean {
  const power = roomPower(state, version);
  const mine = powerOf(userId, power);
  return mine >= power.levels.kick && powerOf(targetId, power) < mine;
}

/** Ban: at least the ban level and strictly more power than the target. */
export function canBan(userId: string, targetId: string, state: PowerState, version: RoomVersion): boolean {
  const power = roomPower(state, version);
  const mine = powerOf(userId, power);
  return mine >= power.levels.ban && powerOf(targetId, power) < mine;
}

/**
 * Unban (a `leave` over a `ban`): the auth rules ask for the ban level *and* the kick level,
 * and strictly more power than the target.
 */
export function canUnban(userId: string, targetId: string, state: PowerState, version: RoomVersion): boolean {
  const power = roomPower(state, version);
  const mine = powerOf(userId, power);
  return mine >= power.levels.ban && mine >= power.levels.kick && powerOf(targetId, power) < mine;
}

/**
 * Redact: everyone needs the level for sending `m.room.redaction`; redacting *someone else's*
 * event additionally needs the `redact` level.
 */
export function canRedact(
  userId: string,
  originalSender: string,
  state: PowerState,
  version: RoomVersion,
): boolean {
  const power = roomPower(state, version);
  const mine = powerOf(userId, power);
  if (mine < eventPowerLevel("m.room.redaction", false, power.levels)) return false;
  return originalSender === userId || mine >= power.levels.redact;
}

/** Whether the user may trigger a notification of this key (e.g. `room` for @room mentions). */
export function canNotify(userId: string, key: string, state: PowerState, version: RoomVersion): boolean {
  const power = roomPower(state, version);
  return powerOf(userId, power) >= notificationPowerLevel(key, power.levels);
}
