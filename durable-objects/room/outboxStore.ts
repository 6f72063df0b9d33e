/**
 * The `outbox` table: events accepted but not yet handed to every local member's UserDO (and
 * queued for other servers). It survives restarts, so the fan-out resumes where it stopped.
 */
export class OutboxStore {
  constructor(private sql: SqlStorage) {}

  add(ordering: number): void {
    this.sql.exec("INSERT INTO outbox (ordering) VALUES (?)", ordering);
  }

  /** The oldest waiting events, in the room's order. */
  next(limit: number): number[] {
    return this.sql
      .exec<{ ordering: number }>("SELECT ordering FROM outbox ORDER BY ordering LIMIT ?", limit)
      .toArray()
      .map((r) => r.ordering);
  }

  /** Whether anything waits (at or below `upto`, when given). */
  hasPending(upto?: number): boolean {
    if (upto === undefined) return this.sql.exec("SELECT 1 FROM outbox LIMIT 1").toArray().length > 0;
    return this.sql.exec("SELECT 1 FROM outbox WHERE ordering <= ? LIMIT 1", upto).toArray().length > 0;
  }

  /** Marks every event up to `ordering` delivered. */
  deliveredUpto(ordering: number): void {
    this.sql.exec(`DELETE FROM outbox WHERE ordering <= ?`, ordering);
  }
}
