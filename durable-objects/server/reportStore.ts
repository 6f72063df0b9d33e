import type { ContentReport, EventReportQuery, StoredContentReport } from "../../platform/rpc/server.js";

type ReportRow = { id: number; kind: string; reporter: string; room_id: string | null; event_id: string | null; target_user_id: string | null; reason: string | null; content: string | null; received_ts: number };
const COLUMNS = "id, kind, reporter, room_id, event_id, target_user_id, reason, content, received_ts";

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
    const rows = this.sql.exec<ReportRow>(`SELECT ${COLUMNS} FROM content_reports WHERE id > ? ORDER BY id LIMIT ?`, from, limit).toArray();
    return rows.map(toStored);
  }

  /**
   * Event reports for the admin API: a page (`from` is an offset) in report order, newest first
   * when `dir` is "b", filtered by reporter and room; with how many match in all.
   */
  eventReports(q: EventReportQuery): { reports: StoredContentReport[]; total: number } {
    const where = ["kind = 'event'"];
    const args: (string | number)[] = [];
    if (q.reporter !== undefined) {
      where.push("reporter = ?");
      args.push(q.reporter);
    }
    if (q.roomId !== undefined) {
      where.push("room_id = ?");
      args.push(q.roomId);
    }
    const cond = where.join(" AND ");
    const total = this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM content_reports WHERE ${cond}`, ...args).one().n;
    const order = q.dir === "b" ? "DESC" : "ASC";
    const rows = this.sql.exec<ReportRow>(`SELECT ${COLUMNS} FROM content_reports WHERE ${cond} ORDER BY id ${order} LIMIT ? OFFSET ?`, ...args, q.limit, q.from).toArray();
    return { reports: rows.map(toStored), total };
  }

  /** One event report, or undefined. */
  eventReport(id: number): StoredContentReport | undefined {
    const row = this.sql.exec<ReportRow>(`SELECT ${COLUMNS} FROM content_reports WHERE id = ? AND kind = 'event'`, id).toArray()[0];
    return row ? toStored(row) : undefined;
  }

  /** Deletes an event report (an admin resolved it); false when there was none. */
  deleteEventReport(id: number): boolean {
    return this.sql.exec("DELETE FROM content_reports WHERE id = ? AND kind = 'event'", id).rowsWritten > 0;
  }
}

function toStored(r: ReportRow): StoredContentReport {
  return {
    id: r.id,
    kind: r.kind as StoredContentReport["kind"],
    reporter: r.reporter,
    roomId: r.room_id,
    eventId: r.event_id,
    userId: r.target_user_id,
    reason: r.reason,
    content: r.content === null ? null : (JSON.parse(r.content) as StoredContentReport["content"]),
    receivedTs: r.received_ts,
  };
}
