/**
 * The public room directory (table public_rooms): rooms published with visibility "public", each
 * with a summary the room itself keeps fresh.
 */
import type { PublicRoomSummary } from "../../platform/rpc/server.js";

export class RoomDirectoryStore {
  constructor(private sql: SqlStorage) {}

  /** Adds the room, or replaces its summary if it is listed already. */
  publish(roomId: string, summary: PublicRoomSummary): void {
    this.sql.exec(
      "INSERT INTO public_rooms (room_id, summary, joined_members) VALUES (?, ?, ?) ON CONFLICT (room_id) DO UPDATE SET summary = excluded.summary, joined_members = excluded.joined_members",
      roomId,
      JSON.stringify(summary),
      summary.num_joined_members,
    );
  }

  unpublish(roomId: string): void {
    this.sql.exec("DELETE FROM public_rooms WHERE room_id = ?", roomId);
  }

  isPublished(roomId: string): boolean {
    return this.sql.exec("SELECT 1 FROM public_rooms WHERE room_id = ?", roomId).toArray().length > 0;
  }

  /** Replaces a published room's summary; a no-op for unpublished rooms. */
  updateSummary(summary: PublicRoomSummary): void {
    this.sql.exec(
      "UPDATE public_rooms SET summary = ?, joined_members = ? WHERE room_id = ?",
      JSON.stringify(summary),
      summary.num_joined_members,
      summary.room_id,
    );
  }

  /** Every published room's summary, by joined members (largest first), then room ID. */
  summaries(): PublicRoomSummary[] {
    return this.sql
      .exec<{ summary: string }>("SELECT summary FROM public_rooms ORDER BY joined_members DESC, room_id")
      .toArray()
      .map((r) => JSON.parse(r.summary) as PublicRoomSummary);
  }
}
