/**
 * GET /_matrix/client/v1/media/download/{serverName}/{mediaId}[/{fileName}] and the deprecated
 * unauthenticated /_matrix/media/v3/download variants. The R2 body is streamed straight into the
 * response, so large files never sit in the Worker's memory.
 */
import type { IRequest } from "itty-router";
import type { Ctx } from "../router.js";
import { param } from "../router.js";
import { authenticate } from "../auth.js";
import { json, CORS_HEADERS } from "../http.js";
import { notFound } from "../../platform/errors.js";
import { mediaRefOf } from "./mxc.js";
import { checkLegacyAllowed, findMedia } from "./findMedia.js";
import { mediaHeaders } from "./servingHeaders.js";
import { parseRange } from "./range.js";

export function downloadHandler(opts: { legacy: boolean }) {
  return async (req: IRequest, ctx: Ctx): Promise<Response> => {
    if (!opts.legacy) await authenticate(req, ctx, { allowGuest: true });
    const ref = mediaRefOf(param(req, "serverName"), param(req, "mediaId"));
    const media = await findMedia(ctx, ref);
    if (opts.legacy) checkLegacyAllowed(ctx, media);
    const fileName = req.params.fileName !== undefined ? param(req, "fileName") : media.fileName;
    const headers = mediaHeaders(media.contentType, fileName);

    const rangeHeader = req.headers.get("Range");
    const range = rangeHeader ? parseRange(rangeHeader, media.size) : undefined;
    if (range === "unsatisfiable") {
      return json({ errcode: "M_UNKNOWN", error: "Requested range not satisfiable" }, 416, {
        "Content-Range": `bytes */${media.size}`,
        ...CORS_HEADERS,
      });
    }
    const obj = await ctx.env.MEDIA.get(media.key, range ? { range } : {});
    if (!obj) throw notFound("Media not found");
    if (range) {
      headers.set("Content-Range", `bytes ${range.offset}-${range.offset + range.length - 1}/${obj.size}`);
      headers.set("Content-Length", String(range.length));
      return new Response(obj.body, { status: 206, headers });
    }
    headers.set("Content-Length", String(obj.size));
    headers.set("ETag", obj.httpEtag);
    return new Response(obj.body, { status: 200, headers });
  };
}
