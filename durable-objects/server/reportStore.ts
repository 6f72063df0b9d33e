import type { ContentReport, StoredContentReport } from "../../platform/rpc/server.js";

/** Reports users filed about events, rooms and users (table content_reports), oldest first. */
export class ReportStore {
  constructor(private sql: SqlStorage) {}

  add(report: ContentReport, receivedTs: number): void {
    const room = report.kind === "user" ? null : report.roomId;
    const event = report.kind === "event" ? report.eventId : null;
    const user = report.kind === "user" ? report.userId : null;
    const content = report.kind === "event" ? JSON.stringify(report.content) : null;
    this.sql.exec(
      "INSERT INTO content_reports (kind, reporter, room_id, event_id, target_user_id, reason, content, received_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      report.kind,
      report.reporter,
      room,
      event,
      user,
      report.reason ?? null,
      content,
      receivedTs,
    );
  }

  /** Up to `limit` reports with an id above `from`, oldest first (for an admin's paging). */
  list(from: number, limit: number): StoredContentReport[] {
    const rows = this.sql
      .exec<{ id: number; kind: string; reporter: string; room_id: string | null; event_id: string | null; target_user_id: string | null; reason: string | null; content: string | null; received_ts: number }>(
        "SELECT id, kind, reporter, room_id, event_id, target_user_id, reason, content, received_ts FROM content_reports WHERE id > ? ORDER BY id LIMIT ?",
        from,
        limit,
      )
      .toArray();
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind as StoredContentReport["kind"],
      reporter: r.reporter,
      roomId: r.room_id,
      eventId: r.event_id,
      userId: r.target_user_id,
      reason: r.reason,
      content: r.content === null ? null : (JSON.parse(r.content) as StoredContentReport["content"]),
      receivedTs: r.received_ts,
    }));
  }
}
