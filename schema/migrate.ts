/**
 * Applies numbered migrations to a Durable Object's SQLite database. Each migration runs once,
 * in order, inside the object's start-up (`blockConcurrencyWhile`), so an upgrade never serves a
 * request against an old schema and never loses data (migrations only add or transform).
 */
export type Migration = string;

export function migrate(sql: SqlStorage, migrations: readonly Migration[]): void {
  sql.exec("CREATE TABLE IF NOT EXISTS _migrations (version INTEGER PRIMARY KEY, applied_ts INTEGER NOT NULL)");
  const row = sql.exec<{ v: number | null }>("SELECT MAX(version) AS v FROM _migrations").one();
  const current = row.v ?? 0;
  for (let i = current; i < migrations.length; i++) {
    sql.exec(migrations[i]);
    sql.exec("INSERT INTO _migrations (version, applied_ts) VALUES (?, ?)", i + 1, Date.now());
  }
}
