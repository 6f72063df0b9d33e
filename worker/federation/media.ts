/**
 * Spec: server-server-api "Content Repository" — GET /_matrix/federation/v1/media/download/{mediaId}
 * and /media/thumbnail/{mediaId}: this server's own media for other servers, as multipart/mixed
 * (a `{}` metadata part, then the bytes with the same safe headers as client downloads). Only
 * local media is served: a server never proxies a third server's media.
 */
import type { IRequest } from "itty-router";
import type { Ctx } from "../router.js";
import { param } from "../router.js";
import { notFound } from "../../platform/errors.js";
import { fedRoute } from "./fedRoute.js";
import { mediaRefOf } from "../media/mxc.js";
import { findMedia } from "../media/findMedia.js";
import { mediaHeaders } from "../media/servingHeaders.js";
import { thumbnailOf, thumbnailParams } from "../media/thumbnail.js";
import { multipartMediaBody, newBoundary } from "../media/multipart.js";

function multipartResponse(body: ReadableStream<Uint8Array> | Uint8Array, contentType: string, fileName: string | undefined, forceInline = false): Response {
  const part = mediaHeaders(contentType, fileName, { forceInline });
  const boundary = newBoundary();
  const partHeaders: Record<string, string> = {
    "Content-Type": contentType,
    "Content-Disposition": part.get("Content-Disposition") ?? "attachment",
  };
  return new Response(multipartMediaBody(boundary, partHeaders, body), {
    status: 200,
    headers: { "Content-Type": `multipart/mixed; boundary=${boundary}`, "Cache-Control": "private, max-age=86400" },
  });
}

async function localMedia(req: IRequest, ctx: Ctx) {
  const ref = mediaRefOf(ctx.config.serverName, param(req, "mediaId"));
  return findMedia(ctx, ref);
}

async function download(req: IRequest, ctx: Ctx): Promise<Response> {
  const media = await localMedia(req, ctx);
  const obj = await ctx.env.MEDIA.get(media.key);
  if (!obj) throw notFound("Media not found");
  return multipartResponse(obj.body, media.contentType, media.fileName);
}

async function thumbnail(req: IRequest, ctx: Ctx): Promise<Response> {
  const { width, height, method } = thumbnailParams(ctx.url);
  const media = await localMedia(req, ctx);
  const t = await thumbnailOf(ctx, media, width, height, method);
  const ext = t.contentType.split("/")[1] ?? "bin";
  return multipartResponse(t.body, t.contentType, `thumbnail.${ext}`, true);
}

export function registerFederationMediaRoutes(): void {
  fedRoute("GET", "/_matrix/federation/v1/media/download/:mediaId", download);
  fedRoute("GET", "/_matrix/federation/v1/media/thumbnail/:mediaId", thumbnail);
}
