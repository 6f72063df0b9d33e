/**
 * `fedRoute` wraps a handler with request authentication, so no Server-Server endpoint can read
 * its input before the origin is verified. Re-exported by routes.ts.
 */
import type { IRequest } from "itty-router";
import { route, type Ctx } from "../router.js";
import type { JsonObject } from "../../protocol/json.js";
import { authenticateFederation } from "./auth.js";

export type FederationHandler = (req: IRequest, ctx: Ctx, origin: string, body: JsonObject | undefined) => Promise<Response>;

/** Registers an authenticated federation endpoint under its full path (`/_matrix/federation/…`). */
export function fedRoute(method: "GET" | "PUT" | "POST", path: string, handler: FederationHandler): void {
  route(method, path, async (req, ctx) => {
    const { origin, body } = await authenticateFederation(req, ctx);
    return handler(req, ctx, origin, body);
  });
}
