/**
 * GET /_matrix/client/v1/media/thumbnail/{serverName}/{mediaId} and the deprecated
 * unauthenticated /_matrix/media/v3/thumbnail/{serverName}/{mediaId}.
 *
 * Thumbnails are generated once and cached in R2 under a key derived from the request's size
 * and method, so a thumbnail costs CPU only the first time it is asked for.
 */
import type { IRequest } from "itty-router";
import type { Ctx } from "../router.js";
import { param } from "../router.js";
import { authenticate } from "../auth.js";
import { queryInt } from "../http.js";
import { notFound, missingParam, invalidParam, tooLarge, badRequest } from "../../platform/errors.js";
import { mediaRefOf } from "./mxc.js";
import { checkLegacyAllowed, findMedia, type FoundMedia } from "./findMedia.js";
import { thumbnailKey } from "./mediaStore.js";
import { essence, mediaHeaders } from "./servingHeaders.js";
import { FORMAT_CONTENT_TYPE, readImageHeader, type ImageFormat } from "./imageHeader.js";
import { planThumbnail, type ThumbnailMethod } from "./thumbnailPlan.js";
import { MAX_THUMBNAIL_PIXELS, MAX_THUMBNAIL_SOURCE_BYTES, renderThumbnail } from "./thumbnailer.js";

const THUMBNAILABLE = new Set(["image/jpeg", "image/png", "image/gif", "image/webp", "image/apng"]);
/** Bigger requests are clamped: nothing displays a thumbnail larger than this. */
const MAX_REQUEST_SIDE = 4096;

const cannotThumbnail = () => badRequest("Cannot generate thumbnails for the requested content");

function dimension(url: URL, name: string): number {
  const v = queryInt(url, name);
  if (v === undefined) throw missingParam(`'${name}' is required`);
  if (v <= 0) throw invalidParam(`'${name}' must be a positive integer`);
  return Math.min(v, MAX_REQUEST_SIDE);
}

export function thumbnailHandler(opts: { legacy: boolean }) {
  return async (req: IRequest, ctx: Ctx): Promise<Response> => {
    if (!opts.legacy) await authenticate(req, ctx, { allowGuest: true });
    const ref = mediaRefOf(param(req, "serverName"), param(req, "mediaId"));
    const { width, height, method } = thumbnailParams(ctx.url);
    const media = await findMedia(ctx, ref);
    if (opts.legacy) checkLegacyAllowed(ctx, media);
    const t = await thumbnailOf(ctx, media, width, height, method);
    return imageResponse(t.body, t.size, t.contentType);
  };
}

/** The request's width and height (clamped), method and animated flag; shared with federation. */
export function thumbnailParams(url: URL): { width: number; height: number; method: ThumbnailMethod } {
  const width = dimension(url, "width");
  const height = dimension(url, "height");
  const m = url.searchParams.get("method") ?? "scale";
  if (m !== "scale" && m !== "crop") throw invalidParam("'method' must be 'scale' or 'crop'");
  const animated = url.searchParams.get("animated");
  if (animated !== null && animated !== "true" && animated !== "false") throw invalidParam("'animated' must be true or false");
  return { width, height, method: m };
}

export interface Thumbnail {
  body: ReadableStream | Uint8Array;
  size: number;
  contentType: string;
}

/** A thumbnail of `media` (cached in R2, generated the first time), or the original when no smaller one exists. */
export async function thumbnailOf(ctx: Ctx, media: FoundMedia, width: number, height: number, method: ThumbnailMethod): Promise<Thumbnail> {
  if (!THUMBNAILABLE.has(essence(media.contentType))) throw cannotThumbnail();
  if (media.size > MAX_THUMBNAIL_SOURCE_BYTES) throw tooLarge("Content is too large to thumbnail");

  const cacheKey = thumbnailKey(media.mediaId, width, height, method);
  const cached = await ctx.env.MEDIA.get(cacheKey);
  if (cached) return { body: cached.body, size: cached.size, contentType: cached.httpMetadata?.contentType ?? "image/png" };

  const obj = await ctx.env.MEDIA.get(media.key);
  if (!obj) throw notFound("Media not found");
  const source = new Uint8Array(await obj.arrayBuffer());
  const header = readImageHeader(source);
  if (!header || header.width === 0 || header.height === 0) throw cannotThumbnail();
  if (header.width * header.height > MAX_THUMBNAIL_PIXELS) {
    // A real image of its claimed type that is too big is 413; bytes of another format whose
    // "header" is noise (text labelled image/png that happens to start like a GIF) are not the
    // image they claim to be, which is 400 like any other non-image.
    if (!isClaimedFormat(media.contentType, header.format)) throw cannotThumbnail();
    throw tooLarge("Image is too large to thumbnail");
  }

  const plan = planThumbnail(header.width, header.height, width, height, method);
  // No smaller version exists: the spec says to return the original content.
  if (plan.kind === "original") return { body: source, size: source.byteLength, contentType: FORMAT_CONTENT_TYPE[header.format] };

  let thumb;
  try {
    thumb = renderThumbnail(source, header.format, plan);
  } catch {
    throw cannotThumbnail(); // corrupt or unsupported image data
  }
  await ctx.env.MEDIA.put(cacheKey, thumb.bytes, { httpMetadata: { contentType: thumb.contentType } });
  return { body: thumb.bytes, size: thumb.bytes.byteLength, contentType: thumb.contentType };
}

/** Whether the bytes' format is the one the upload's Content-Type claimed (APNG is PNG). */
function isClaimedFormat(contentType: string, format: ImageFormat): boolean {
  const claimed = essence(contentType);
  return FORMAT_CONTENT_TYPE[format] === (claimed === "image/apng" ? "image/png" : claimed);
}

function imageResponse(body: ReadableStream | Uint8Array, size: number, contentType: string): Response {
  const ext = contentType.split("/")[1] ?? "bin";
  // Thumbnails MUST be inline (spec v1.12); we only ever produce inline-safe image types.
  const headers = mediaHeaders(contentType, `thumbnail.${ext}`, { forceInline: true });
  headers.set("Content-Length", String(size));
  return new Response(body, { status: 200, headers });
}
