/**
 * GET /_matrix/client/v1/media/config (and the deprecated /_matrix/media/v3/config): the limits
 * a client should respect before uploading.
 */
import type { IRequest } from "itty-router";
import type { Ctx } from "../router.js";
import { authenticate } from "../auth.js";
import { json } from "../http.js";

export async function getConfig(req: IRequest, ctx: Ctx): Promise<Response> {
  await authenticate(req, ctx, { allowGuest: true });
  return json({ "m.upload.size": ctx.config.maxUploadBytes });
}
