/**
 * GET /_matrix/client/v1/media/preview_url (and the deprecated /_matrix/media/v3/preview_url):
 * OpenGraph data for a URL, its image stored as media of this server so clients load it through
 * the (authenticated) media endpoints rather than from a third party.
 *
 * Results are cached in R2 for PREVIEW_CACHE_MS per URL; `ts` is accepted but a recent preview
 * is always what we return (the spec lets the server return a newer one).
 */
import type { IRequest } from "itty-router";
import type { Ctx } from "../router.js";
import { authenticate } from "../auth.js";
import { json } from "../http.js";
import { missingParam, invalidParam, remoteFailed } from "../../platform/errors.js";
import { fetchForPreview, FETCH_TIMEOUT_MS } from "./previewFetch.js";
import { checkPreviewTarget } from "../../platform/ssrfGuard.js";
import { charsetOf, parseOpenGraph } from "./openGraph.js";
import { essence } from "./servingHeaders.js";
import { readImageHeader } from "./imageHeader.js";
import { mxcUri, newMediaId } from "./mxc.js";
import { putContent } from "./mediaStore.js";

export const PREVIEW_CACHE_MS = 60 * 60 * 1000;
/** Only the start of a page is read: OpenGraph tags live in <head>. */
const MAX_HTML_BYTES = 1024 * 1024;
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

type Preview = Record<string, string | number>;

async function sha256Hex(s: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function previewUrl(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx);
  const raw = ctx.url.searchParams.get("url");
  if (!raw) throw missingParam("'url' is required");
  let target: URL;
  try {
    target = new URL(raw);
  } catch {
    throw invalidParam("'url' is not a valid URL");
  }
  target.hash = "";
  // Refuse before touching the cache, so a refused URL never costs an R2 read.
  checkPreviewTarget(target, ctx.config.previewAllowHosts);

  const cacheKey = `preview/${await sha256Hex(target.toString())}`;
  const cached = await ctx.env.MEDIA.get(cacheKey);
  if (cached && Date.now() - Number(cached.customMetadata?.fetched ?? 0) < PREVIEW_CACHE_MS) {
    return json(JSON.parse(await cached.text()) as Preview);
  }

  const deadline = Date.now() + FETCH_TIMEOUT_MS;
  const page = await fetchForPreview(target, ctx.config.previewAllowHosts, MAX_HTML_BYTES, deadline);
  let preview: Preview;
  const type = essence(page.contentType);
  if (type.startsWith("image/")) {
    preview = (await storeImage(ctx, session.userId, page.bytes, page.truncated, type, page.url)) ?? {};
  } else if (type === "text/html" || type === "application/xhtml+xml") {
    let html: string;
    try {
      html = new TextDecoder(charsetOf(page.contentType, page.bytes)).decode(page.bytes);
    } catch {
      html = new TextDecoder().decode(page.bytes);
    }
    const og = parseOpenGraph(html);
    preview = { ...og };
    delete preview["og:image"];
    if (og["og:image"]) {
      const image = await previewImage(ctx, session.userId, og["og:image"], page.url, deadline);
      if (image) Object.assign(preview, image);
    }
  } else {
    throw remoteFailed("The URL is not a web page or an image");
  }
  await ctx.env.MEDIA.put(cacheKey, JSON.stringify(preview), { customMetadata: { fetched: String(Date.now()) } });
  return json(preview);
}

/** Fetches the page's og:image through the same guard; a failed image just leaves it out. */
async function previewImage(ctx: Ctx, userId: string, src: string, base: URL, deadline: number): Promise<Preview | undefined> {
  let url: URL;
  try {
    url = new URL(src, base);
  } catch {
    return undefined;
  }
  try {
    const img = await fetchForPreview(url, ctx.config.previewAllowHosts, MAX_IMAGE_BYTES, deadline);
    const type = essence(img.contentType);
    if (!type.startsWith("image/")) return undefined;
    return await storeImage(ctx, userId, img.bytes, img.truncated, type, img.url);
  } catch {
    return undefined;
  }
}

async function storeImage(ctx: Ctx, userId: string, bytes: Uint8Array, truncated: boolean, type: string, url: URL): Promise<Preview | undefined> {
  if (truncated || bytes.byteLength > ctx.config.maxUploadBytes) return undefined;
  const mediaId = newMediaId();
  const fileName = decodeURIComponent(url.pathname.split("/").pop() ?? "") || undefined;
  await putContent(ctx.env.MEDIA, mediaId, bytes.slice().buffer, { contentType: type, fileName, uploader: userId, created: Date.now() });
  const out: Preview = {
    "og:image": mxcUri({ serverName: ctx.config.serverName, mediaId }),
    "og:image:type": type,
    "matrix:image:size": bytes.byteLength,
  };
  const header = readImageHeader(bytes);
  if (header) {
    out["og:image:width"] = header.width;
    out["og:image:height"] = header.height;
  }
  return out;
}
