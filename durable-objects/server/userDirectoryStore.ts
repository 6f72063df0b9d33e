import { matchRank, searchWords } from "../../protocol/userDirectorySearch.js";

/**
 * The user directory (tables users, user_rooms): the profiles of local users and of remote users
 * seen in our rooms, the rooms each is joined to, and whether each such room is public in the
 * user directory's sense (join rule public or history world-readable, as in Synapse).
 */

/** At most this many users are matched in full per search: enough for any page a client asks. */
const CANDIDATES = 1000;
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

  /** The users recorded as joined to the room. */
  membersOf(roomId: string): string[] {
    return this.sql.exec<{ user_id: string }>("SELECT user_id FROM user_rooms WHERE room_id = ?", roomId).toArray().map((r) => r.user_id);
  }

  /**
   * Whether a user of `serverName` is recorded as joined to the room. The server name is what
   * follows the user ID's first colon (identifiers.ts serverNameIfAny); asked in SQL so that a
   * membership change in a large room does not read its whole member list.
   */
  hasMemberFrom(roomId: string, serverName: string): boolean {
    return (
      this.sql
        .exec("SELECT 1 FROM user_rooms WHERE room_id = ? AND substr(user_id, instr(user_id, ':') + 1) = ? LIMIT 1", roomId, serverName)
        .toArray().length > 0
    );
  }

  /** Forgets the room's members: the server is no longer in it and hears no more of it. */
  forgetRoom(roomId: string): void {
    this.sql.exec("DELETE FROM user_rooms WHERE room_id = ?", roomId);
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
   * Up to `limit` users whom `searcher` may find (themselves, users in a public room, users
   * sharing a room) and who match `term` (protocol/userDirectorySearch.ts): best match first, then
   * those with a display name, then with an avatar (as Synapse orders), then by user ID.
   */
  search(searcher: string, term: string, limit: number): DirectoryUser[] {
    const words = searchWords(term);
    if (words.length === 0) return [];
    // SQL narrows the candidates to users containing each ASCII word (words hold no LIKE
    // wildcards; LIKE folds only ASCII case); the word-prefix rule is applied to them below.
    const ascii = words.filter((w) => /^[\x00-\x7f]*$/.test(w));
    const like = ascii.map(() => "(lower(u.user_id) LIKE ? OR lower(coalesce(u.displayname, '')) LIKE ?)");
    const likeArgs = ascii.flatMap((w) => [`%${w}%`, `%${w}%`]);
    const rows = this.sql
      .exec<{ user_id: string; displayname: string | null; avatar_url: string | null }>(
        `SELECT u.user_id, u.displayname, u.avatar_url FROM users u
         WHERE ${[...like, "1"].join(" AND ")}
           AND (u.user_id = ?
             OR EXISTS (SELECT 1 FROM user_rooms ur WHERE ur.user_id = u.user_id AND ur.is_public = 1)
             OR EXISTS (SELECT 1 FROM user_rooms a JOIN user_rooms b ON a.room_id = b.room_id
                        WHERE a.user_id = u.user_id AND b.user_id = ?))
         ORDER BY u.user_id LIMIT ?`,
        ...likeArgs,
        searcher,
        searcher,
        CANDIDATES,
      )
      .toArray();
    const ranked: { row: (typeof rows)[number]; rank: number }[] = [];
    for (const row of rows) {
      const rank = matchRank(words, row.user_id, row.displayname);
      if (rank !== undefined) ranked.push({ row, rank });
    }
    ranked.sort(
      (a, b) =>
        b.rank - a.rank ||
        Number(a.row.displayname === null) - Number(b.row.displayname === null) ||
        Number(a.row.avatar_url === null) - Number(b.row.avatar_url === null) ||
        (a.row.user_id < b.row.user_id ? -1 : 1),
    );
    return ranked.slice(0, limit).map(({ row }) => ({ userId: row.user_id, displayname: row.displayname, avatarUrl: row.avatar_url }));
  }
}
