import type { IRequest } from "itty-router";
import { clientRoute, param, route, type Ctx } from "../router.js";
import { json, readJsonObject, optString, reqString, queryInt } from "../http.js";
import { authenticate } from "../auth.js";
import { checkRateLimit } from "../rateLimit.js";
import { badJson, notFound, unlessStatus, unrecognized } from "../../platform/errors.js";
import { roomStub, serverStub, userStub } from "../../platform/stubs.js";
import { isFromServer, isValidRoomId, isValidUserId } from "../../protocol/identifiers.js";
import type { ClientEvent } from "../../protocol/clientEvent.js";

/**
 * Spec: client-server-api "Reporting content" (report_content.yaml). Reports are kept in the
 * ServerDO for the server's admins. Like Synapse (without MSC4277), an event or room that does
 * not exist, or an event the reporter cannot see, is answered 404; a user report always answers
 * 200 and keeps only reports about users registered here, so it cannot tell who exists.
 */

/** Synapse's cap on a user report's reason. */
const MAX_USER_REPORT_REASON = 1000;

/** The event as the reporter may see it now, or undefined (unknown, not visible, or redacted). */
async function visibleEvent(ctx: Ctx, userId: string, roomId: string, eventId: string): Promise<ClientEvent | undefined> {
  if (!isValidRoomId(roomId)) return undefined;
  const stub = roomStub(ctx.env, roomId);
  if (!(await stub.exists())) return undefined;
  // Spec v1.8: the reporter must be joined to the room now.
  if ((await stub.membership(userId)) !== "join") return undefined;
  // Not there, or hidden from the reporter by history visibility: answered alike.
  const event = await unlessStatus([404, 403], stub.getEvent(userId, eventId));
  // The spec lets a redacted event be answered as not found; Synapse does so.
  return event?.unsigned?.redacted_because ? undefined : event;
}

async function reportEvent(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const reason = optString(body, "reason");
  // `score` left the spec in v1.18; Synapse still refuses one that is not an integer, and clients
  // (matrix-js-sdk's reportEvent) still send it.
  if (body.score !== undefined && !Number.isInteger(body.score)) throw badJson("Param 'score' must be an integer");
  checkRateLimit(ctx.config, "report", session);
  const roomId = param(req, "roomId");
  const eventId = param(req, "eventId");
  if (!(await visibleEvent(ctx, session.userId, roomId, eventId))) {
    throw notFound("Unable to report event: it does not exist or you aren't able to see it.");
  }
  await serverStub(ctx.env).addContentReport({ kind: "event", reporter: session.userId, roomId, eventId, reason, content: body });
  return json({});
}

async function reportRoom(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const reason = reqString(body, "reason");
  checkRateLimit(ctx.config, "report", session);
  const roomId = param(req, "roomId");
  // Spec v1.13: no membership needed, as people meet rooms through directories and invites.
  if (!isValidRoomId(roomId) || !(await roomStub(ctx.env, roomId).exists())) throw notFound("Room does not exist");
  await serverStub(ctx.env).addContentReport({ kind: "room", reporter: session.userId, roomId, reason });
  return json({});
}

async function reportUser(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx);
  const body = await readJsonObject(req, ctx.config.maxRequestBytes, false);
  const reason = reqString(body, "reason");
  if ([...reason].length > MAX_USER_REPORT_REASON) throw badJson(`Reason must be less than ${MAX_USER_REPORT_REASON} characters`);
  checkRateLimit(ctx.config, "report", session);
  const userId = param(req, "userId");
  // Users of other servers, and names nobody registered, get the same 200 with nothing kept: the
  // admins here can act on neither, and a 404 would tell who has an account (spec v1.14 allows it).
  if (!isValidUserId(userId) || !isFromServer(userId, ctx.config.serverName)) return json({});
  if (!(await userStub(ctx.env, userId).exists())) return json({});
  await serverStub(ctx.env).addContentReport({ kind: "user", reporter: session.userId, userId, reason });
  return json({});
}

/** Test-only (REPORTS_TEST_HOOK = "true", never in production): the stored reports, so tests can see what was kept. */
async function listReportsForTests(_req: IRequest, ctx: Ctx): Promise<Response> {
  if (ctx.env.REPORTS_TEST_HOOK !== "true") throw unrecognized();
  const reports = await serverStub(ctx.env).contentReports(queryInt(ctx.url, "from") ?? 0, queryInt(ctx.url, "limit") ?? 100);
  return json({ reports });
}

export function registerReportingRoutes(): void {
  clientRoute("POST", "/rooms/:roomId/report/:eventId", reportEvent);
  clientRoute("POST", "/rooms/:roomId/report", reportRoom, ["v3"]);
  clientRoute("POST", "/users/:userId/report", reportUser, ["v3"]);
  route("GET", "/_lattice/test/content_reports", listReportsForTests);
}
