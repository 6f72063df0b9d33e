/**
 * Headers for serving media bytes to browsers safely (spec: content repository, "Serving inline
 * content", and the recommended Content-Security-Policy).
 *
 * The Content-Type is the uploaded one (the spec requires it to be the same or "reasonably
 * close"); safety comes from the disposition instead: only types a browser renders passively are
 * `inline`, everything else (HTML, SVG, JavaScript, XML, PDF...) is an `attachment`, and the
 * sandboxing CSP stops scripts even if a browser is talked into rendering it.
 */
import { CORS_HEADERS } from "../http.js";

/** The spec's list of Content-Types that may be served with `Content-Disposition: inline`. */
const INLINE_SAFE = new Set([
  "text/css",
  "text/plain",
  "text/csv",
  "application/json",
  "application/ld+json",
  "image/jpeg",
  "image/gif",
  "image/png",
  "image/apng",
  "image/webp",
  "image/avif",
  "video/mp4",
  "video/webm",
  "video/ogg",
  "video/quicktime",
  "audio/mp4",
  "audio/webm",
  "audio/aac",
  "audio/mpeg",
  "audio/ogg",
  "audio/wave",
  "audio/wav",
  "audio/x-wav",
  "audio/x-pn-wav",
  "audio/flac",
  "audio/x-flac",
]);

export const MEDIA_CSP =
  "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; style-src 'unsafe-inline'; media-src 'self'; object-src 'self';";

/** The bare media type ("text/html; charset=utf-8" → "text/html"). */
export function essence(contentType: string): string {
  return contentType.split(";")[0].trim().toLowerCase();
}

export function isInlineSafe(contentType: string): boolean {
  return INLINE_SAFE.has(essence(contentType));
}

/**
 * RFC 6266 Content-Disposition: a plain ASCII `filename` fallback for old agents plus the exact
 * UTF-8 name in `filename*` (RFC 8187 percent-encoding), so names with quotes, `;` or non-ASCII
 * characters can never break out of the header.
 */
export function contentDisposition(kind: "inline" | "attachment", fileName?: string): string {
  if (!fileName) return kind;
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** Every header of a media response except Content-Length/Content-Range. */
export function mediaHeaders(contentType: string, fileName: string | undefined, opts: { forceInline?: boolean } = {}): Headers {
  const inline = opts.forceInline || isInlineSafe(contentType);
  const h = new Headers(CORS_HEADERS);
  h.set("Content-Type", contentType);
  h.set("Content-Disposition", contentDisposition(inline ? "inline" : "attachment", fileName));
  h.set("Content-Security-Policy", MEDIA_CSP);
  h.set("Cross-Origin-Resource-Policy", "cross-origin");
  h.set("X-Content-Type-Options", "nosniff");
  // Content behind an mxc URI never changes; "private" because the authenticated endpoints must
  // not be answered from a shared cache to someone without a token.
  h.set("Cache-Control", "private, max-age=86400, immutable");
  h.set("Accept-Ranges", "bytes");
  return h;
}
