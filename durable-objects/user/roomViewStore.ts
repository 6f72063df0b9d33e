import type { JsonObject } from "../../protocol/json.js";
import type { ClientEvent } from "../../protocol/clientEvent.js";

/**
 * The user's view of its rooms (tables `rooms`, `room_state`, `room_ephemeral`): membership,
 * the copy of each room's current state as delivered, and per-room ephemeral data (typing).
 * This store is their only writer.
 */

export type RoomRow = {
  room_id: string;
  membership: string;
  membership_event_id: string | null;
  /** Stream position of the user's latest membership change in the room. */
  membership_pos: number;
  /** Stripped state (JSON array) of an invite or knock. */
  invite_state: string | null;
  forgotten: number;
  /** Stream position of the event the user's latest read receipt points at. */
  read_pos: number;
  /** Stream position of the room's latest event (sliding sync orders its room list by it). */
  last_pos: number;
  /** Stream position of the room's latest "bump" event (sliding sync's bump_stamp). */
  bump_pos: number;
  /** Stream position of the user's latest read-marker move in the room (unread counts changed). */
  read_moved_pos: number;
};

/** One state event of a room; `json` is the event, parsed only by callers that keep it. */
export type StateRow = { event_id: string; json: string; type: string; state_key: string };
/** A state event with the stream position it was set at. */
export type PositionedStateRow = StateRow & { pos: number };

export class RoomViewStore {
  constructor(private readonly sql: SqlStorage) {}

  joinedRoomIds(): string[] {
    return this.sql
      .exec<{ room_id: string }>("SELECT room_id FROM rooms WHERE membership = 'join'")
      .toArray()
      .map((r) => r.room_id);
  }

  /** The rooms the user is or was joined to and has not forgotten (what POST /search covers). */
  joinedOrLeftRoomIds(): string[] {
    return this.sql
      .exec<{ room_id: string }>("SELECT room_id FROM rooms WHERE membership IN ('join', 'leave', 'ban') AND forgotten = 0")
      .toArray()
      .map((r) => r.room_id);
  }

  /** The rooms /sync reports (all but the forgotten ones). */
  unforgottenRooms(): RoomRow[] {
    return this.sql.exec<RoomRow>("SELECT * FROM rooms WHERE forgotten = 0").toArray();
  }

  membership(roomId: string): string | undefined {
    return this.sql.exec<{ membership: string }>("SELECT membership FROM rooms WHERE room_id = ?", roomId).toArray()[0]?.membership;
  }

  /** The stripped state of a room the user is invited to or knocking on (undefined when none). */
  inviteState(roomId: string): JsonObject[] | undefined {
    const row = this.sql
      .exec<{ invite_state: string | null }>("SELECT invite_state FROM rooms WHERE room_id = ? AND membership IN ('invite', 'knock')", roomId)
      .toArray()[0];
    if (!row?.invite_state) return undefined;
    return JSON.parse(row.invite_state) as JsonObject[];
  }

  forget(roomId: string): void {
    this.sql.exec("UPDATE rooms SET forgotten = 1 WHERE room_id = ?", roomId);
  }

  /** Room events reached the stream, the latest at `pos` (and the latest bump event at `bumpPos`). */
  touch(roomId: string, pos: number, bumpPos: number | undefined): void {
    this.sql.exec("UPDATE rooms SET last_pos = MAX(last_pos, ?1), bump_pos = MAX(bump_pos, ?2) WHERE room_id = ?3", pos, bumpPos ?? 0, roomId);
  }

  /** Every room's state events of `type`, with their content (one query for the whole room list, on index room_state_type). */
  stateOfType(type: string): Array<{ roomId: string; stateKey: string; content: JsonObject }> {
    return this.sql
      .exec<{ room_id: string; state_key: string; content: string | null }>("SELECT room_id, state_key, json_extract(json, '$.content') AS content FROM room_state WHERE type = ?", type)
      .toArray()
      .map((r) => ({ roomId: r.room_id, stateKey: r.state_key, content: (r.content ? JSON.parse(r.content) : {}) as JsonObject }));
  }

  /** One state event of a room, parsed (undefined when the room has none). */
  stateEvent(roomId: string, type: string, stateKey: string): ClientEvent | undefined {
    const row = this.sql.exec<{ json: string }>("SELECT json FROM room_state WHERE room_id = ? AND type = ? AND state_key = ?", roomId, type, stateKey).toArray()[0];
    return row ? (JSON.parse(row.json) as ClientEvent) : undefined;
  }

  /**
   * The user's own receipt, recorded at stream position `movedAt`: the read position moves
   * forward only (an older receipt never moves it back).
   */
  advanceReadPos(roomId: string, pos: number, movedAt: number): void {
    this.sql.exec("UPDATE rooms SET read_pos = MAX(read_pos, ?), read_moved_pos = ? WHERE room_id = ?", pos, movedAt, roomId);
  }

  /** A membership change at stream position `pos`; a room the user comes back to is no longer forgotten. */
  setMembership(roomId: string, membership: string, eventId: string, pos: number, strippedState: JsonObject[] | undefined): void {
    this.sql.exec(
      `INSERT INTO rooms (room_id, membership, membership_event_id, membership_pos, invite_state, forgotten)
         VALUES (?, ?, ?, ?, ?, 0)
         ON CONFLICT (room_id) DO UPDATE SET membership = excluded.membership, membership_event_id = excluded.membership_event_id,
           membership_pos = excluded.membership_pos, invite_state = excluded.invite_state, forgotten = 0`,
      roomId,
      membership,
      eventId,
      pos,
      strippedState ? JSON.stringify(strippedState) : null,
    );
  }

  /**
   * Takes the room's full state as the user joins (a rejoin or a profile change too) as of `pos`.
   * What it replaces stays readable at earlier positions (stateAt), so a timeline reaching back
   * before the copy still starts from the state it had then. On a (re)join every entry is set at
   * `pos` (the user may have missed changes while away, and a left room's section sends what is
   * newer than `since`); while the user stays joined (`stayedJoined`), the copy only repeats what
   * the user has, so unchanged entries keep their positions.
   */
  replaceState(roomId: string, events: readonly JsonObject[], pos: number, stayedJoined: boolean): void {
    const keys = new Set(events.map((e) => stateKeyOf(String(e.type), String(e.state_key ?? ""))));
    for (const r of this.sql.exec<{ type: string; state_key: string; event_id: string }>("SELECT type, state_key, event_id FROM room_state WHERE room_id = ?", roomId).toArray()) {
      if (stayedJoined && keys.has(stateKeyOf(r.type, r.state_key))) continue;
      this.sql.exec(
        `INSERT INTO room_state_prior (room_id, type, state_key, event_id, json, pos, replaced_pos)
           SELECT room_id, type, state_key, event_id, json, pos, ? FROM room_state WHERE room_id = ? AND type = ? AND state_key = ?`,
        pos,
        roomId,
        r.type,
        r.state_key,
      );
      this.sql.exec("DELETE FROM room_state WHERE room_id = ? AND type = ? AND state_key = ?", roomId, r.type, r.state_key);
    }
    for (const ev of events) this.upsertState(roomId, ev, pos);
  }

  /** Sets the current state event for its (type, state_key), as of stream position `pos`. Returns whether it replaced an older version. */
  upsertState(roomId: string, ev: JsonObject, pos: number): boolean {
    const type = String(ev.type);
    const stateKey = String(ev.state_key ?? "");
    const old = this.sql
      .exec<{ event_id: string; json: string; pos: number }>("SELECT event_id, json, pos FROM room_state WHERE room_id = ? AND type = ? AND state_key = ?", roomId, type, stateKey)
      .toArray()[0];
    // A redelivered event changes nothing (it keeps the position it was first set at).
    if (old?.event_id === String(ev.event_id)) return false;
    // The version it replaces stays readable for /sync's state at an earlier position (stateAt).
    if (old) {
      this.sql.exec(
        "INSERT INTO room_state_prior (room_id, type, state_key, event_id, json, pos, replaced_pos) VALUES (?, ?, ?, ?, ?, ?, ?)",
        roomId,
        type,
        stateKey,
        old.event_id,
        old.json,
        old.pos,
        pos,
      );
    }
    this.sql.exec(
      `INSERT INTO room_state (room_id, type, state_key, event_id, json, pos) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (room_id, type, state_key) DO UPDATE SET event_id = excluded.event_id, json = excluded.json, pos = excluded.pos`,
      roomId,
      String(ev.type),
      String(ev.state_key ?? ""),
      String(ev.event_id),
      JSON.stringify(ev),
      pos,
    );
    return old !== undefined;
  }

  /**
   * Forgets the replaced versions no /sync can read any more: stateAt is only asked for the state
   * at or after the position before the oldest event a timeline can start with, `horizon` (the
   * room's MAX_TIMELINE_LIMIT-th latest event), so versions replaced before it are never valid there.
   */
  pruneStatePrior(roomId: string, horizon: number): void {
    this.sql.exec("DELETE FROM room_state_prior WHERE room_id = ? AND replaced_pos < ?", roomId, horizon);
  }

  /** Replaces a state event's copy by its redacted form. */
  redactState(roomId: string, redacted: ClientEvent): void {
    this.sql.exec("UPDATE room_state SET json = ? WHERE room_id = ? AND event_id = ?", JSON.stringify(redacted), roomId, redacted.event_id);
    this.sql.exec("UPDATE room_state_prior SET json = ? WHERE room_id = ? AND event_id = ?", JSON.stringify(redacted), roomId, redacted.event_id);
  }

  /**
   * The room's state as it was at stream position `at` (each entry with the position it was set
   * at): the current entries set by then, and the replaced versions that were valid then. With
   * `changedAfter`, only the entries set after that position; with `members`, only those users'
   * m.room.member events.
   */
  stateAt(roomId: string, at: number, changedAfter = -1, members?: string[]): PositionedStateRow[] {
    const only = members ? "AND type = 'm.room.member' AND state_key IN (SELECT value FROM json_each(?4))" : "AND ?4 IS NULL";
    return this.sql
      .exec<PositionedStateRow>(
        `SELECT event_id, json, type, state_key, pos FROM room_state WHERE room_id = ?1 AND pos <= ?2 AND pos > ?3 ${only}
         UNION ALL
         SELECT event_id, json, type, state_key, pos FROM room_state_prior WHERE room_id = ?1 AND pos <= ?2 AND replaced_pos > ?2 AND pos > ?3 ${only}`,
        roomId,
        at,
        changedAfter,
        members ? JSON.stringify(members) : null,
      )
      .toArray();
  }

  /**
   * The replaced versions that were the state at `at` but no longer at `until` (`at` < `until`):
   * with the state at `until` set by `at`, they make the state at `at` (see syncRoomState.ts).
   */
  replacedBetween(roomId: string, at: number, until: number, changedAfter = -1): PositionedStateRow[] {
    return this.sql
      .exec<PositionedStateRow>(
        `SELECT event_id, json, type, state_key, pos FROM room_state_prior
           WHERE room_id = ? AND pos <= ? AND replaced_pos > ? AND replaced_pos <= ? AND pos > ?`,
        roomId,
        at,
        at,
        until,
        changedAfter,
      )
      .toArray();
  }

  /** The room's current members: membership, and when it was set (stream position, then origin_server_ts), without parsing the events. */
  memberships(roomId: string): Array<{ userId: string; membership: string; pos: number; ts: number }> {
    return this.sql
      .exec<{ state_key: string; membership: string | null; pos: number; ts: number | null }>(
        `SELECT state_key, json_extract(json, '$.content.membership') AS membership, pos, json_extract(json, '$.origin_server_ts') AS ts
           FROM room_state WHERE room_id = ? AND type = 'm.room.member'`,
        roomId,
      )
      .toArray()
      .map((r) => ({ userId: r.state_key, membership: String(r.membership ?? ""), pos: r.pos, ts: Number(r.ts ?? 0) }));
  }

  /** The room's state; with `changedAfter`, only the entries set after that stream position. */
  state(roomId: string, changedAfter?: number): StateRow[] {
    return changedAfter === undefined
      ? this.sql.exec<StateRow>("SELECT event_id, json, type, state_key FROM room_state WHERE room_id = ?", roomId).toArray()
      : this.sql.exec<StateRow>("SELECT event_id, json, type, state_key FROM room_state WHERE room_id = ? AND pos > ?", roomId, changedAfter).toArray();
  }

  /** The room's m.room.member events, keyed by the member's user ID. */
  memberEvents(roomId: string): Array<{ stateKey: string; event: ClientEvent }> {
    return this.sql
      .exec<{ state_key: string; json: string }>("SELECT state_key, json FROM room_state WHERE room_id = ? AND type = 'm.room.member'", roomId)
      .toArray()
      .map((r) => ({ stateKey: r.state_key, event: JSON.parse(r.json) as ClientEvent }));
  }

  /** How many members a room has joined and invited (from its state copy). */
  memberCounts(roomId: string): { joined: number; invited: number } {
    const r = this.sql
      .exec<{ j: number; i: number }>(
        `SELECT COALESCE(SUM(m = 'join'), 0) AS j, COALESCE(SUM(m = 'invite'), 0) AS i FROM
           (SELECT json_extract(json, '$.content.membership') AS m FROM room_state WHERE room_id = ? AND type = 'm.room.member')`,
        roomId,
      )
      .one();
    return { joined: r.j, invited: r.i };
  }

  /** Everyone joined to a room this user is joined to (from the state copies). */
  usersInJoinedRooms(): Set<string> {
    const out = new Set<string>();
    for (const r of this.sql.exec<{ state_key: string }>(
      `SELECT DISTINCT rs.state_key FROM room_state rs JOIN rooms r ON r.room_id = rs.room_id
     WHERE r.membership = 'join' AND rs.type = 'm.room.member' AND json_extract(rs.json, '$.content.membership') = 'join'`,
    )) {
      out.add(r.state_key);
    }
    return out;
  }

  /** Replaces the room's ephemeral value of `type` (e.g. typing); `pos` is its stream entry. */
  setEphemeral(roomId: string, type: string, content: JsonObject, pos: number): void {
    this.sql.exec(
      "INSERT INTO room_ephemeral (room_id, type, json, pos) VALUES (?, ?, ?, ?) ON CONFLICT (room_id, type) DO UPDATE SET json = excluded.json, pos = excluded.pos",
      roomId,
      type,
      JSON.stringify(content),
      pos,
    );
  }

  /** Every room's ephemeral value of `type` (e.g. typing), by room (one query for the whole room list). */
  ephemeralOfType(type: string): Map<string, { content: JsonObject; pos: number }> {
    const out = new Map<string, { content: JsonObject; pos: number }>();
    for (const r of this.sql.exec<{ room_id: string; json: string; pos: number }>("SELECT room_id, json, pos FROM room_ephemeral WHERE type = ?", type)) {
      out.set(r.room_id, { content: JSON.parse(r.json) as JsonObject, pos: r.pos });
    }
    return out;
  }

  ephemeral(roomId: string): Array<{ type: string; content: JsonObject; pos: number }> {
    return this.sql
      .exec<{ type: string; json: string; pos: number }>("SELECT type, json, pos FROM room_ephemeral WHERE room_id = ?", roomId)
      .toArray()
      .map((r) => ({ type: r.type, content: JSON.parse(r.json) as JsonObject, pos: r.pos }));
  }
}

function stateKeyOf(type: string, stateKey: string): string {
  return `${type}\u0000${stateKey}`;
}
