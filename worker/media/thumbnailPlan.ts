/**
 * What a thumbnail request turns into, from the spec's rules (content repository, "Thumbnails"):
 *
 * - never upscale, and never return something smaller than requested unless the original is;
 *   when the original is no larger than the request, return the original itself;
 * - "scale" keeps the aspect ratio: the smallest downscale that still covers the requested box
 *   (so both sides are at least what was asked for, the client letterboxes);
 * - "crop" returns the requested aspect ratio: scale to cover the box, then cut the centre.
 */
export type ThumbnailMethod = "scale" | "crop";

export type ThumbnailPlan =
  | { kind: "original" }
  | { kind: "resize"; width: number; height: number; crop?: { x: number; y: number; width: number; height: number } };

export function planThumbnail(srcW: number, srcH: number, w: number, h: number, method: ThumbnailMethod): ThumbnailPlan {
  const s = Math.max(w / srcW, h / srcH);
  if (method === "scale") {
    if (s >= 1) return { kind: "original" };
    return { kind: "resize", width: Math.max(w, Math.round(srcW * s)), height: Math.max(h, Math.round(srcH * s)) };
  }
  if (s >= 1) {
    // The original is smaller than the box in one direction: cut the largest centred region of
    // the requested aspect ratio without scaling.
    const cw = Math.min(srcW, Math.floor((srcH * w) / h));
    const ch = Math.min(srcH, Math.floor((srcW * h) / w));
    if (cw >= srcW && ch >= srcH) return { kind: "original" };
    return {
      kind: "resize",
      width: srcW,
      height: srcH,
      crop: { x: Math.floor((srcW - cw) / 2), y: Math.floor((srcH - ch) / 2), width: Math.max(1, cw), height: Math.max(1, ch) },
    };
  }
  const rw = Math.max(w, Math.round(srcW * s));
  const rh = Math.max(h, Math.round(srcH * s));
  return { kind: "resize", width: rw, height: rh, crop: { x: Math.floor((rw - w) / 2), y: Math.floor((rh - h) / 2), width: w, height: h } };
}
