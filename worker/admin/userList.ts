import type { IRequest } from "itty-router";
import { route, type Ctx } from "../router.js";
import { json, queryBool, queryInt } from "../http.js";
import { invalidParam } from "../../platform/errors.js";
import { serverStub } from "../../platform/stubs.js";
import type { LocalUserRow } from "../../platform/rpc/server.js";
import type { JsonObject } from "../../protocol/json.js";
import { requireAdmin } from "./requireAdmin.js";

/**
 * GET /_synapse/admin/v2/users and v3 (Synapse's "List Accounts"): every local account, guests and,
 * when asked, deactivated users, from ServerDO's list of local users. Paging is by offset, as
 * Synapse's `from`/`next_token` are.
 */

/** Synapse's order_by values. Those Lattice keeps no state for (user_type, shadow_banned, last_seen_ts, locked) order by name. */
const ORDER_BY = ["name", "displayname", "is_guest", "admin", "deactivated", "user_type", "avatar_url", "shadow_banned", "creation_ts", "last_seen_ts", "locked"];

function listEntry(u: LocalUserRow): JsonObject {
  return {
    name: u.userId,
    is_guest: u.isGuest,
    admin: u.admin,
    user_type: null,
    deactivated: u.deactivated,
    erased: false,
    shadow_banned: false,
    displayname: u.displayname,
    avatar_url: u.avatarUrl,
    // Milliseconds here, unlike the single-user query's seconds (as Synapse answers).
    creation_ts: u.creationTs,
    last_seen_ts: null,
    locked: false,
  };
}

async function listUsers(req: IRequest, ctx: Ctx): Promise<Response> {
  return list(req, ctx, "v2");
}

async function listUsersV3(req: IRequest, ctx: Ctx): Promise<Response> {
  return list(req, ctx, "v3");
}

async function list(req: IRequest, ctx: Ctx, version: "v2" | "v3"): Promise<Response> {
  await requireAdmin(req, ctx);
  const url = ctx.url;
  const from = queryInt(url, "from") ?? 0;
  const limit = queryInt(url, "limit") ?? 100;
  if (from < 0) throw invalidParam("Query parameter 'from' must be a non-negative integer.");
  if (limit < 0) throw invalidParam("Query parameter 'limit' must be a non-negative integer.");
  const orderBy = url.searchParams.get("order_by") ?? "name";
  if (!ORDER_BY.includes(orderBy)) throw invalidParam(`Query parameter "order_by" must be one of [${ORDER_BY.map((o) => `"${o}"`).join(", ")}]`);
  const dir = url.searchParams.get("dir") ?? "f";
  if (dir !== "f" && dir !== "b") throw invalidParam("Query parameter 'dir' must be one of ['b', 'f']");
  const guests = queryBool(url, "guests") ?? true;
  // v2: deactivated users are left out unless deactivated=true, which shows them with the others;
  // v3: true lists only deactivated users, false only active ones, absent both.
  const deactivatedParam = queryBool(url, "deactivated");
  const deactivated = version === "v3" ? deactivatedParam : deactivatedParam ? undefined : false;
  const admins = queryBool(url, "admins");
  // Locked accounts do not exist here: `locked` is checked and changes nothing.
  queryBool(url, "locked");
  const name = url.searchParams.get("name") || undefined;
  const userId = url.searchParams.get("user_id") || undefined;
  const { users, total } = await serverStub(ctx.env).listLocalUsers({ from, limit, name, userId, guests, deactivated, admins, orderBy, dir });
  const body: JsonObject = { users: users.map(listEntry), total };
  if (from + limit < total) body.next_token = String(from + users.length);
  return json(body);
}

export function registerAdminUserListRoutes(): void {
  route("GET", "/_synapse/admin/v2/users", listUsers);
  route("GET", "/_synapse/admin/v3/users", listUsersV3);
}
