/**
 * Applies numbered migrations to a Durable Object's SQLite database. Each migration runs once,
 * in order, inside the object's start-up (`blockConcurrencyWhile`), so an upgrade never serves a
 * request against an old schema and never loses data (migrations only add or transform). A
 * migration is SQL, or a function for a step that must look at the schema first (a repair).
 */
export type Migration = string | ((sql: SqlStorage) => void);

export function migrate(sql: SqlStorage, migrations: readonly Migration[]): void {
  sql.exec("CREATE TABLE IF NOT EXISTS _migrations (version INTEGER PRIMARY KEY, applied_ts INTEGER NOT NULL)");
  const row = sql.exec<{ v: number | null }>("SELECT MAX(version) AS v FROM _migrations").one();
  const current = row.v ?? 0;
  for (let i = current; i < migrations.length; i++) {
    const m = migrations[i];
    if (typeof m === "string") sql.exec(m);
    else m(sql);
    sql.exec("INSERT INTO _migrations (version, applied_ts) VALUES (?, ?)", i + 1, Date.now());
  }
}
