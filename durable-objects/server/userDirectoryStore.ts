/**
 * The user directory (tables users, user_rooms): local users' profiles, the rooms each is joined
 * to, and whether each such room is public (a copy of the room directory's list, for the search).
 */
export interface DirectoryUser {
  userId: string;
  displayname: string | null;
  avatarUrl: string | null;
}

export class UserDirectoryStore {
  constructor(private sql: SqlStorage) {}

  upsertUser(userId: string, displayname: string | null, avatarUrl: string | null): void {
    this.sql.exec(
      "INSERT INTO users (user_id, displayname, avatar_url) VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET displayname = excluded.displayname, avatar_url = excluded.avatar_url",
      userId,
      displayname,
      avatarUrl,
    );
  }

  /** Removes the user with their room memberships. */
  removeUser(userId: string): void {
    this.sql.exec("DELETE FROM users WHERE user_id = ?", userId);
    this.sql.exec("DELETE FROM user_rooms WHERE user_id = ?", userId);
  }

  /** Marks the room public or not for every member recorded in it. */
  setRoomPublic(roomId: string, isPublic: boolean): void {
    this.sql.exec("UPDATE user_rooms SET is_public = ? WHERE room_id = ?", isPublic ? 1 : 0, roomId);
  }

  /** Users joined to at least one room. */
  usersInRooms(): string[] {
    return this.sql.exec<{ user_id: string }>("SELECT DISTINCT user_id FROM user_rooms").toArray().map((r) => r.user_id);
  }

  joinRoom(userId: string, roomId: string, roomIsPublic: boolean): void {
    this.sql.exec(
      "INSERT INTO user_rooms (user_id, room_id, is_public) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET is_public = excluded.is_public",
      userId,
      roomId,
      roomIsPublic ? 1 : 0,
    );
  }

  leaveRoom(userId: string, roomId: string): void {
    this.sql.exec("DELETE FROM user_rooms WHERE user_id = ? AND room_id = ?", userId, roomId);
  }

  /**
   * Up to `limit` users, by user ID, whose ID or display name contains `term` (case-insensitive)
   * and whom `searcher` may find: themselves, users in a public room, users sharing a room.
   */
  search(searcher: string, term: string, limit: number): DirectoryUser[] {
    const like = `%${term.toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
    return this.sql
      .exec<{ user_id: string; displayname: string | null; avatar_url: string | null }>(
        `SELECT u.user_id, u.displayname, u.avatar_url FROM users u
         WHERE (lower(u.user_id) LIKE ? ESCAPE '\\' OR lower(coalesce(u.displayname, '')) LIKE ? ESCAPE '\\')
           AND (u.user_id = ?
             OR EXISTS (SELECT 1 FROM user_rooms ur WHERE ur.user_id = u.user_id AND ur.is_public = 1)
             OR EXISTS (SELECT 1 FROM user_rooms a JOIN user_rooms b ON a.room_id = b.room_id
                        WHERE a.user_id = u.user_id AND b.user_id = ?))
         ORDER BY u.user_id LIMIT ?`,
        like,
        like,
        searcher,
        searcher,
        limit,
      )
      .toArray()
      .map((r) => ({ userId: r.user_id, displayname: r.displayname, avatarUrl: r.avatar_url }));
  }
}
