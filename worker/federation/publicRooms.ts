/** Spec: public_rooms.yaml — GET and POST /_matrix/federation/v1/publicRooms (our directory). */
import type { IRequest } from "itty-router";
import type { Ctx } from "../router.js";
import { json, optInt, optObject, optString, queryInt } from "../http.js";
import { serverStub } from "../../platform/stubs.js";
import type { JsonObject } from "../../protocol/json.js";
import { fedRoute } from "./fedRoute.js";

const clampLimit = (n: number | undefined) => (n !== undefined && n > 0 ? Math.min(n, 500) : 100);

async function publicRoomsGet(_req: IRequest, ctx: Ctx): Promise<Response> {
  const limit = clampLimit(queryInt(ctx.url, "limit"));
  return json(await serverStub(ctx.env).publicRooms(limit, ctx.url.searchParams.get("since") ?? undefined, undefined));
}

async function publicRoomsPost(_req: IRequest, ctx: Ctx, _origin: string, body: JsonObject | undefined): Promise<Response> {
  const b = body ?? {};
  const filter = optObject(b, "filter");
  const term = filter ? optString(filter, "generic_search_term") : undefined;
  return json(await serverStub(ctx.env).publicRooms(clampLimit(optInt(b, "limit")), optString(b, "since"), term));
}

export function registerPublicRoomsRoutes(): void {
  fedRoute("GET", "/_matrix/federation/v1/publicRooms", publicRoomsGet);
  fedRoute("POST", "/_matrix/federation/v1/publicRooms", publicRoomsPost);
}
