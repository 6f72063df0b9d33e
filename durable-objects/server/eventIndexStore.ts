/**
 * Which room each event belongs to (table event_rooms), for federation requests that name an
 * event but no room (GET /_matrix/federation/v1/event/{eventId}).
 */
export class EventIndexStore {
  constructor(private sql: SqlStorage) {}

  /** Records the events as `roomId`'s; an event already indexed keeps its room. */
  index(roomId: string, eventIds: string[]): void {
    for (const id of eventIds) this.sql.exec("INSERT OR IGNORE INTO event_rooms (event_id, room_id) VALUES (?, ?)", id, roomId);
  }

  roomOf(eventId: string): string | null {
    const row = this.sql.exec<{ room_id: string }>("SELECT room_id FROM event_rooms WHERE event_id = ?", eventId).toArray()[0];
    return row ? row.room_id : null;
  }
}
