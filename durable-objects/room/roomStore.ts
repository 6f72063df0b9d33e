/**
 * The `room` table: the one row that says which room this object holds, in which version, where
 * its current state is, and how far its events are in ServerDO's event → room index.
 */
export type RoomMeta = {
  room_id: string;
  room_version: string;
  /** The state group holding the current state (the state after the latest events). */
  state_group: number | null;
};

export class RoomStore {
  constructor(private sql: SqlStorage) {}

  /** Undefined until the room is created here (or joined from another server). */
  meta(): RoomMeta | undefined {
    return this.sql.exec<RoomMeta>("SELECT room_id, room_version, state_group FROM room").toArray()[0];
  }

  create(roomId: string, roomVersion: string, now: number): void {
    this.sql.exec("INSERT INTO room (id, room_id, room_version, created_ts, state_group) VALUES (1, ?, ?, ?, NULL)", roomId, roomVersion, now);
  }

  setStateGroup(group: number | null): void {
    this.sql.exec("UPDATE room SET state_group = ?", group);
  }

  /** Events up to this ordering are in the event → room index. */
  indexedUpto(): number {
    return this.sql.exec<{ indexed_upto: number }>("SELECT indexed_upto FROM room").one().indexed_upto;
  }

  setIndexedUpto(ordering: number): void {
    this.sql.exec("UPDATE room SET indexed_upto = ?", ordering);
  }
}
