import type { LocalUserQuery, LocalUserRow } from "../../platform/rpc/server.js";

/**
 * Every local account, for the admin API's user list (table local_users): guests and deactivated
 * users too, which the user directory leaves out, with the admin flag and when each was made.
 * ServerDO keeps it in step with the directory's calls (registration, profile, deactivation).
 */

/** The columns order_by may name; the others Synapse offers sort as `name` here (Lattice keeps no such state). */
const ORDER_COLUMNS: Record<string, string> = {
  name: "user_id",
  displayname: "displayname",
  avatar_url: "avatar_url",
  creation_ts: "creation_ts",
  is_guest: "is_guest",
  admin: "admin",
  deactivated: "deactivated",
};

type Row = { user_id: string; displayname: string | null; avatar_url: string | null; is_guest: number; admin: number; deactivated: number; creation_ts: number };

function likeTerm(term: string): string {
  return `%${term.toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
}

export class LocalUserStore {
  constructor(private sql: SqlStorage) {}

  /**
   * A user registered, changed their profile or was let back in: active, with this profile. The
   * caller says whether the account is a guest's (a guest may set a display name), so an upgraded
   * guest is a guest no more and a guest's profile change leaves them one.
   */
  upsert(userId: string, displayname: string | null, avatarUrl: string | null, isGuest: boolean, now: number): void {
    this.sql.exec(
      `INSERT INTO local_users (user_id, displayname, avatar_url, is_guest, creation_ts) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET displayname = excluded.displayname, avatar_url = excluded.avatar_url, deactivated = 0, is_guest = excluded.is_guest`,
      userId,
      displayname,
      avatarUrl,
      isGuest ? 1 : 0,
      now,
    );
  }

  addGuest(userId: string, displayname: string, now: number): void {
    this.sql.exec("INSERT OR IGNORE INTO local_users (user_id, displayname, is_guest, creation_ts) VALUES (?, ?, 1, ?)", userId, displayname, now);
  }

  /** Only the profile: a deactivated user's, changed by an admin, stays deactivated (and out of the directory). */
  setProfile(userId: string, displayname: string | null, avatarUrl: string | null): void {
    this.sql.exec("UPDATE local_users SET displayname = ?, avatar_url = ? WHERE user_id = ?", displayname, avatarUrl, userId);
  }

  markDeactivated(userId: string): void {
    this.sql.exec("UPDATE local_users SET deactivated = 1 WHERE user_id = ?", userId);
  }

  setAdmin(userId: string, admin: boolean): void {
    this.sql.exec("UPDATE local_users SET admin = ? WHERE user_id = ?", admin ? 1 : 0, userId);
  }

  /** A page of users (`from` is an offset), ordered by `orderBy` then user ID, with how many match in all. */
  list(q: LocalUserQuery, serverName: string): { users: LocalUserRow[]; total: number } {
    // The migration filled the list from the user directory, which also holds remote users.
    const where: string[] = ["substr(user_id, -length(?)) = ?"];
    const args: (string | number)[] = [`:${serverName}`, `:${serverName}`];
    if (q.name !== undefined) {
      // The localpart (between '@' and the first ':') or the display name.
      where.push("(lower(substr(user_id, 2, instr(user_id, ':') - 2)) LIKE ? ESCAPE '\\' OR lower(coalesce(displayname, '')) LIKE ? ESCAPE '\\')");
      args.push(likeTerm(q.name), likeTerm(q.name));
    } else if (q.userId !== undefined) {
      where.push("lower(user_id) LIKE ? ESCAPE '\\'");
      args.push(likeTerm(q.userId));
    }
    if (!q.guests) where.push("is_guest = 0");
    if (q.deactivated !== undefined) where.push(`deactivated = ${q.deactivated ? 1 : 0}`);
    if (q.admins !== undefined) where.push(`admin = ${q.admins ? 1 : 0}`);
    const cond = `WHERE ${where.join(" AND ")}`;
    const total = this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM local_users ${cond}`, ...args).one().n;
    const column = ORDER_COLUMNS[q.orderBy] ?? "user_id";
    const dir = q.dir === "b" ? "DESC" : "ASC";
    const rows = this.sql
      .exec<Row>(`SELECT * FROM local_users ${cond} ORDER BY ${column} ${dir}, user_id ASC LIMIT ? OFFSET ?`, ...args, q.limit, q.from)
      .toArray();
    const users = rows.map((r) => ({
      userId: r.user_id,
      displayname: r.displayname,
      avatarUrl: r.avatar_url,
      isGuest: r.is_guest === 1,
      admin: r.admin === 1,
      deactivated: r.deactivated === 1,
      creationTs: r.creation_ts,
    }));
    return { users, total };
  }
}
