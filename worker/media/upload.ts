/**
 * POST /_matrix/media/v3/upload and PUT /_matrix/media/v3/upload/{serverName}/{mediaId}.
 */
import type { IRequest } from "itty-router";
import type { Ctx } from "../router.js";
import { param } from "../router.js";
import { authenticate } from "../auth.js";
import { json } from "../http.js";
import { MatrixError, forbidden, notFound } from "../../platform/errors.js";
import { mediaRefOf, mxcUri, newMediaId } from "./mxc.js";
import { headMedia, pendingKey, putContent } from "./mediaStore.js";
import { readUploadBody, uploadContentType, uploadFileName } from "./uploadBody.js";

export async function uploadContent(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx);
  const fileName = uploadFileName(ctx.url);
  const { body } = await readUploadBody(req, ctx.config.maxUploadBytes);
  const mediaId = newMediaId();
  await putContent(ctx.env.MEDIA, mediaId, body, {
    contentType: uploadContentType(req),
    fileName,
    uploader: session.userId,
    created: Date.now(),
  });
  return json({ content_uri: mxcUri({ serverName: ctx.config.serverName, mediaId }) });
}

export async function uploadContentToMxc(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx);
  const ref = mediaRefOf(param(req, "serverName"), param(req, "mediaId"));
  if (ref.serverName !== ctx.config.serverName) throw notFound("Media not found");
  const info = await headMedia(ctx.env.MEDIA, ref.mediaId);
  if (!info) throw notFound("Media not found");
  if (info.state === "ready") throw cannotOverwrite();
  if (info.uploader !== session.userId) throw forbidden("This media ID was created by another user");
  const fileName = uploadFileName(ctx.url);
  const { body } = await readUploadBody(req, ctx.config.maxUploadBytes);
  const stored = await putContent(
    ctx.env.MEDIA,
    ref.mediaId,
    body,
    { contentType: uploadContentType(req), fileName, uploader: session.userId, created: info.created },
    info.etag,
  );
  if (!stored) throw cannotOverwrite();
  if (info.expires !== undefined) await ctx.env.MEDIA.delete(pendingKey(session.userId, ref.mediaId, info.expires));
  return json({});
}

const cannotOverwrite = () => new MatrixError(409, "M_CANNOT_OVERWRITE_MEDIA", "Media already uploaded");
