import type { IRequest } from "itty-router";
import { param, route, type Ctx } from "../router.js";
import { json, queryInt } from "../http.js";
import { invalidParam, notFound } from "../../platform/errors.js";
import { roomStub, serverStub } from "../../platform/stubs.js";
import type { StoredContentReport } from "../../platform/rpc/server.js";
import type { ClientEvent } from "../../protocol/clientEvent.js";
import type { JsonObject } from "../../protocol/json.js";
import { requireAdmin } from "./requireAdmin.js";

/**
 * Event reports for the server's admins (Synapse's admin API, docs/admin_api/event_reports.md):
 * the reports users filed with POST /rooms/{roomId}/report/{eventId} (worker/client/reporting.ts),
 * listed, shown and deleted once resolved. The room's name and alias and the event's sender are
 * read when asked, so they are current; the event is read as its reporter may see it.
 */

/** The room's name and canonical alias now; nulls when the room is gone. */
async function roomNames(ctx: Ctx, roomId: string): Promise<{ name: string | null; canonical_alias: string | null }> {
  try {
    const s = await roomStub(ctx.env, roomId).summary();
    return { name: s.name ?? null, canonical_alias: s.canonical_alias ?? null };
  } catch {
    return { name: null, canonical_alias: null };
  }
}

/** The reported event as its reporter may see it, or undefined when it cannot be read. */
async function reportedEvent(ctx: Ctx, r: StoredContentReport): Promise<ClientEvent | undefined> {
  if (r.roomId === null || r.eventId === null) return undefined;
  try {
    return await roomStub(ctx.env, r.roomId).getEvent(r.reporter, r.eventId);
  } catch {
    return undefined;
  }
}

async function reportJson(ctx: Ctx, r: StoredContentReport, withEvent: boolean, names?: { name: string | null; canonical_alias: string | null }): Promise<JsonObject> {
  const event = await reportedEvent(ctx, r);
  const score = r.content?.score;
  const out: JsonObject = {
    id: r.id,
    received_ts: r.receivedTs,
    room_id: r.roomId,
    event_id: r.eventId,
    user_id: r.reporter,
    reason: r.reason,
    score: typeof score === "number" ? score : null,
    sender: event?.sender ?? null,
    ...(names ?? (await roomNames(ctx, r.roomId ?? ""))),
  };
  if (withEvent) out.event_json = event ? (event as unknown as JsonObject) : null;
  return out;
}

async function listReports(req: IRequest, ctx: Ctx): Promise<Response> {
  await requireAdmin(req, ctx);
  const from = queryInt(ctx.url, "from") ?? 0;
  const limit = queryInt(ctx.url, "limit") ?? 100;
  const dir = ctx.url.searchParams.get("dir") ?? "b";
  if (from < 0) throw invalidParam("The start parameter must be a positive integer.");
  if (limit < 0) throw invalidParam("The limit parameter must be a positive integer.");
  if (dir !== "f" && dir !== "b") throw invalidParam("Query parameter 'dir' must be one of ['b', 'f']");
  const reporter = ctx.url.searchParams.get("user_id") ?? undefined;
  const roomId = ctx.url.searchParams.get("room_id") ?? undefined;
  const { reports, total } = await serverStub(ctx.env).eventReports({ from, limit, dir, reporter, roomId });
  // Each room is read once, however many of its events were reported.
  const rooms = new Map<string, Promise<{ name: string | null; canonical_alias: string | null }>>();
  for (const r of reports) if (r.roomId !== null && !rooms.has(r.roomId)) rooms.set(r.roomId, roomNames(ctx, r.roomId));
  const event_reports = await Promise.all(reports.map(async (r) => reportJson(ctx, r, false, await rooms.get(r.roomId ?? ""))));
  const body: JsonObject = { event_reports, total };
  if (from + limit < total) body.next_token = from + reports.length;
  return json(body);
}

/** The {reportId} of the path, a non-negative integer (Synapse's text otherwise). */
function reportIdParam(req: IRequest): number {
  const raw = param(req, "reportId");
  if (!/^\d{1,15}$/.test(raw)) throw invalidParam("The report_id parameter must be a string representing a positive integer.");
  return Number(raw);
}

async function getReport(req: IRequest, ctx: Ctx): Promise<Response> {
  await requireAdmin(req, ctx);
  const report = await serverStub(ctx.env).eventReport(reportIdParam(req));
  if (!report) throw notFound("Event report not found");
  return json(await reportJson(ctx, report, true));
}

async function deleteReport(req: IRequest, ctx: Ctx): Promise<Response> {
  await requireAdmin(req, ctx);
  if (!(await serverStub(ctx.env).deleteEventReport(reportIdParam(req)))) throw notFound("Event report not found");
  return json({});
}

export function registerAdminEventReportRoutes(): void {
  route("GET", "/_synapse/admin/v1/event_reports", listReports);
  route("GET", "/_synapse/admin/v1/event_reports/:reportId", getReport);
  route("DELETE", "/_synapse/admin/v1/event_reports/:reportId", deleteReport);
}
