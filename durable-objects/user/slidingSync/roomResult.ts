import type { JsonObject } from "../../../protocol/json.js";
import { anyLazyMembers, wantsStateAny, type RequiredState } from "../../../protocol/slidingSync/requiredState.js";
import type { RoomConfig } from "../../../protocol/slidingSync/request.js";
import type { RoomRow } from "../roomViewStore.js";
import type { SyncSources } from "../sync.js";
import type { SentRoom } from "./connectionStore.js";
import { eventForDevice } from "../streamData.js";
import { withBundledAggregations } from "../syncAggregations.js";
import { heroesOf } from "../../../protocol/roomSummary.js";

/**
 * One room's entry in a sliding sync response (MSC4186, "RoomResult"): everything on the first
 * time the connection sees the room ("initial"), afterwards only what changed since it was last
 * sent. Field names follow the MSC; where the clients in use still read the names of Synapse's
 * experimental version (`invite_state`, `unstable_expanded_timeline`), both are sent.
 */

/** The room configs of every list and subscription that matched the room, combined. */
export interface CombinedConfig {
  timelineLimit: number;
  requiredState: RequiredState[];
}

export function combineConfigs(configs: readonly RoomConfig[]): CombinedConfig {
  return { timelineLimit: Math.max(0, ...configs.map((c) => c.timelineLimit)), requiredState: configs.map((c) => c.requiredState) };
}

export interface RoomInput {
  room: RoomRow;
  config: CombinedConfig;
  /** JSON.stringify(config), made once for the rooms that share it. */
  configJson: string;
  /** The list names that matched the room (empty when only a subscription did). */
  lists: string[];
  sent: SentRoom | undefined;
  isDm: boolean;
  /** The stream position the request's pos stands for (undefined on a connection's first request). */
  prevStreamPos: number | undefined;
}

export interface RoomContext {
  src: SyncSources;
  userId: string;
  deviceId: string;
  ignoredUsers: ReadonlySet<string>;
  /** The stream position this response is built at. */
  maxPos: number;
}

/** The room's result and what to remember of it, or undefined when there is nothing new to send. */
export function roomResult(ctx: RoomContext, input: RoomInput): { result: JsonObject; sent: SentRoom } | undefined {
  const { room, config, configJson, sent } = input;
  const stripped = room.membership === "invite" || room.membership === "knock";
  // A room the user joins after an invite or knock had only stripped state on the connection.
  const initial = !sent || (sent.membership !== room.membership && (sent.membership === "invite" || sent.membership === "knock"));
  const upTo = room.membership === "join" ? ctx.maxPos : room.membership_pos;
  const remember: SentRoom = { roomId: room.room_id, sentPos: upTo, config: configJson, membership: room.membership };
  const base: JsonObject = { membership: room.membership, bump_stamp: bumpStamp(room) };
  if (input.lists.length > 0) base.lists = input.lists;
  if (input.isDm) base.is_dm = true;

  if (stripped) {
    if (!initial && room.membership_pos <= (sent?.sentPos ?? 0)) return undefined;
    const state = JSON.parse(room.invite_state ?? "[]") as JsonObject[];
    return { result: { ...base, initial: true, stripped_state: state, invite_state: state }, sent: remember };
  }

  // Sent with the same config (the usual case): nothing widened, and nothing to parse.
  const sameConfig = sent?.config === configJson;
  const oldConfig = sent && !initial ? (sameConfig ? config : (JSON.parse(sent.config) as CombinedConfig)) : undefined;
  const expandTimeline = oldConfig !== undefined && !sameConfig && config.timelineLimit > oldConfig.timelineLimit;
  const expandState = oldConfig !== undefined && !sameConfig && JSON.stringify(oldConfig.requiredState) !== JSON.stringify(config.requiredState);
  const since = initial ? 0 : (sent?.sentPos ?? 0);
  // New events in the room since it was last sent, not merely a newer stream position: the stream
  // also moves for every other room, device lists and account data, and a room is sent only
  // when it has news (MSC4186, "Room results").
  const hasNewEvents = Math.min(room.last_pos, upTo) > since;
  const changed = initial || hasNewEvents || room.read_moved_pos > since || expandTimeline || expandState;
  if (!changed) return undefined;

  const tl = timeline(ctx, room.room_id, expandTimeline ? 0 : since, upTo, config.timelineLimit, input.prevStreamPos);
  const result: JsonObject = { ...base };
  if (initial) result.initial = true;
  result.timeline = tl.events;
  if (tl.limited) result.limited = true;
  if (tl.prevBatch) result.prev_batch = tl.prevBatch;
  result.num_live = tl.numLive;
  if (expandTimeline && tl.olderThan(since)) {
    result.expanded_timeline = true;
    result.unstable_expanded_timeline = true;
  }

  const userId = ctx.userId;
  const rows = initial ? ctx.src.rooms.state(room.room_id) : ctx.src.rooms.state(room.room_id, since);
  const lazy = anyLazyMembers(config.requiredState);
  const required: JsonObject[] = [];
  const chosen = new Set<string>();
  const pick = (row: { event_id: string; json: string }) => {
    if (chosen.has(row.event_id)) return;
    chosen.add(row.event_id);
    required.push(JSON.parse(row.json) as JsonObject);
  };
  for (const r of rows) {
    if (wantsStateAny(config.requiredState, r.type, r.state_key, userId)) pick(r);
    // Lazy members: the timeline's senders and targets, and (without a gap) every membership change.
    else if (lazy && r.type === "m.room.member" && (tl.members.has(r.state_key) || (!initial && !tl.limited))) pick(r);
  }
  if (lazy && (initial || tl.limited)) {
    // First sight or a gap: senders whose member event is older than the window still need it to be rendered.
    for (const member of tl.members) {
      const ev = ctx.src.rooms.stateEvent(room.room_id, "m.room.member", member);
      if (ev) pick({ event_id: ev.event_id, json: JSON.stringify(ev) });
    }
  }
  if (oldConfig && expandState) {
    // The client widened required_state: send what the new config asks for and the old did not.
    for (const r of ctx.src.rooms.state(room.room_id)) {
      if (wantsStateAny(config.requiredState, r.type, r.state_key, userId) && !wantsStateAny(oldConfig.requiredState, r.type, r.state_key, userId)) pick(r);
    }
  }
  result.required_state = required;

  const changedTypes = new Set(rows.map((r) => r.type));
  Object.assign(result, nameAndAvatar(ctx, room.room_id, initial, changedTypes));
  if (initial || changedTypes.has("m.room.member")) {
    const counts = ctx.src.rooms.memberCounts(room.room_id);
    result.joined_count = counts.joined;
    result.invited_count = counts.invited;
    if (result.name === undefined && !ctx.src.rooms.stateEvent(room.room_id, "m.room.name", "")?.content.name) {
      // The same heroes as /sync's summary (protocol/roomSummary.ts), each with its member event's profile.
      result.heroes = heroesOf(ctx.src.rooms.memberships(room.room_id), userId).map((heroId) => {
        const content = ctx.src.rooms.stateEvent(room.room_id, "m.room.member", heroId)?.content;
        const hero: JsonObject = { user_id: heroId };
        if (typeof content?.displayname === "string") hero.displayname = content.displayname;
        if (typeof content?.avatar_url === "string") hero.avatar_url = content.avatar_url;
        return hero;
      });
    }
  }
  if (room.membership === "join") {
    const unread = ctx.src.stream.unreadCounts(room.room_id, room.read_pos);
    result.notification_count = unread.notification_count;
    result.highlight_count = unread.highlight_count;
  }
  return { result, sent: remember };
}

/** bump_stamp: the latest bump event for a joined room, the membership change otherwise. */
function bumpStamp(room: RoomRow): number {
  if (room.membership !== "join") return room.membership_pos;
  return room.bump_pos > 0 ? room.bump_pos : room.membership_pos;
}

function nameAndAvatar(ctx: RoomContext, roomId: string, initial: boolean, changedTypes: ReadonlySet<string>): JsonObject {
  const out: JsonObject = {};
  if (initial || changedTypes.has("m.room.name")) {
    const name = ctx.src.rooms.stateEvent(roomId, "m.room.name", "")?.content.name;
    if (typeof name === "string" && name !== "") out.name = name;
    else if (!initial) out.name = null;
  }
  if (initial || changedTypes.has("m.room.avatar")) {
    const url = ctx.src.rooms.stateEvent(roomId, "m.room.avatar", "")?.content.url;
    if (typeof url === "string" && url !== "") out.avatar = url;
    else if (!initial) out.avatar = null;
  }
  return out;
}

interface Timeline {
  events: JsonObject[];
  limited: boolean;
  prevBatch?: string;
  numLive: number;
  /** Senders and member-event targets of the timeline, for lazily loaded members. */
  members: Set<string>;
  /** Whether the timeline reaches back to events at or before stream position `pos`. */
  olderThan(pos: number): boolean;
}

function timeline(ctx: RoomContext, roomId: string, from: number, upTo: number, limit: number, prevStreamPos: number | undefined): Timeline {
  const rows = ctx.src.stream.latestRoomEvents(roomId, from, upTo, limit + 1);
  const kept = rows.slice(0, limit).reverse();
  // A timeline from the room's start on the connection (initial or expanded) that does not reach
  // the room's creation leaves history to page back to with prev_batch, so it is limited (MSC4186:
  // "or that the client should paginate to fetch more events"). The user's stream starts at their
  // invite or join, so its rows alone do not show that history; matrix-js-sdk keeps prev_batch
  // only from a limited timeline.
  const limited = rows.length > limit || (from === 0 && kept.length > 0 && kept[0].stored.event.type !== "m.room.create");
  const events: JsonObject[] = [];
  const members = new Set<string>();
  let numLive = 0;
  for (const r of kept) {
    const ev = r.stored.event;
    // Spec (ignoring users): their messages are not sent; state still is, so state stays right.
    if (ctx.ignoredUsers.has(ev.sender) && ev.state_key === undefined) continue;
    events.push(eventForDevice(r.stored, ctx.deviceId));
    members.add(ev.sender);
    if (ev.type === "m.room.member" && ev.state_key !== undefined) members.add(ev.state_key);
    if (prevStreamPos !== undefined && r.pos > prevStreamPos) numLive++;
  }
  const first = kept[0];
  return {
    events: withBundledAggregations(ctx.src.stream, roomId, events, { userId: ctx.userId, ignored: ctx.ignoredUsers }),
    limited,
    prevBatch: first?.roomOrdering != null ? `t${first.roomOrdering}` : undefined,
    numLive,
    members,
    olderThan: (pos) => first !== undefined && first.pos <= pos,
  };
}
