/**
 * POST /_matrix/media/v1/create: hands out an mxc URI now, content later (asynchronous upload).
 *
 * Unused IDs expire after UNUSED_EXPIRY_MS, and a user may hold at most MAX_PENDING unfinished
 * ones (spec: 429 M_LIMIT_EXCEEDED), so nobody can fill the bucket with placeholders.
 */
import type { IRequest } from "itty-router";
import type { Ctx } from "../router.js";
import { authenticate } from "../auth.js";
import { json } from "../http.js";
import { limitExceeded } from "../../platform/errors.js";
import { mxcUri, newMediaId } from "./mxc.js";
import { countPending, putPlaceholder } from "./mediaStore.js";

export const UNUSED_EXPIRY_MS = 24 * 60 * 60 * 1000;
export const MAX_PENDING = 10;

export async function createContent(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx);
  const now = Date.now();
  if ((await countPending(ctx.env.MEDIA, session.userId, now)) >= MAX_PENDING) {
    throw limitExceeded(60_000);
  }
  const mediaId = newMediaId();
  const expires = now + UNUSED_EXPIRY_MS;
  await putPlaceholder(ctx.env.MEDIA, mediaId, session.userId, now, expires);
  return json({ content_uri: mxcUri({ serverName: ctx.config.serverName, mediaId }), unused_expires_at: expires });
}
