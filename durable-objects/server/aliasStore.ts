/** Room aliases of this server (table room_aliases): alias → room, and who created it. */
export interface AliasInfo {
  room_id: string;
  creator: string;
}

export class AliasStore {
  constructor(private sql: SqlStorage) {}

  /** Adds the alias unless it exists already; false (and nothing changed) if it does. */
  create(alias: string, roomId: string, creator: string, now: number): boolean {
    if (this.exists(alias)) return false;
    this.sql.exec("INSERT INTO room_aliases (alias, room_id, creator, created_ts) VALUES (?, ?, ?, ?)", alias, roomId, creator, now);
    return true;
  }

  exists(alias: string): boolean {
    return this.sql.exec("SELECT 1 FROM room_aliases WHERE alias = ?", alias).toArray().length > 0;
  }

  roomOf(alias: string): string | null {
    const row = this.sql.exec<{ room_id: string }>("SELECT room_id FROM room_aliases WHERE alias = ?", alias).toArray()[0];
    return row ? row.room_id : null;
  }

  info(alias: string): AliasInfo | null {
    const row = this.sql.exec<{ room_id: string; creator: string }>("SELECT room_id, creator FROM room_aliases WHERE alias = ?", alias).toArray()[0];
    return row ?? null;
  }

  /** Deletes the alias; the room it pointed to, or undefined if there was no such alias. */
  delete(alias: string): string | undefined {
    const row = this.sql.exec<{ room_id: string }>("DELETE FROM room_aliases WHERE alias = ? RETURNING room_id", alias).toArray()[0];
    return row?.room_id;
  }

  /** The room's aliases, sorted. */
  aliasesOf(roomId: string): string[] {
    return this.sql
      .exec<{ alias: string }>("SELECT alias FROM room_aliases WHERE room_id = ? ORDER BY alias", roomId)
      .toArray()
      .map((r) => r.alias);
  }
}
