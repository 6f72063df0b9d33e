/** RemoteDO's small facts about its server (table meta): its name, and the state of the send backoff. */
export type MetaKey =
  /** The remote server's name, kept for alarms (which run without the name the object was addressed by). */
  | "server_name"
  /** Consecutive failed sends. */
  | "failures"
  /** When the next send is due after a failure (ms since the epoch). */
  | "retry_at";

export class MetaStore {
  constructor(private sql: SqlStorage) {}

  get(k: MetaKey): string | undefined {
    return this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = ?", k).toArray()[0]?.v;
  }

  /** Sets the value; undefined deletes it. */
  set(k: MetaKey, v: string | undefined): void {
    if (v === undefined) this.sql.exec("DELETE FROM meta WHERE k = ?", k);
    else this.sql.exec("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", k, v);
  }
}
