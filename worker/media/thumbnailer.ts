/**
 * Thumbnail generation in the Worker with Photon (Rust `image` crate compiled to wasm, via
 * @cf-wasm/photon, whose workerd build loads its .wasm as a module import under wrangler).
 * It decodes JPEG, PNG, WebP and GIF (the first frame: Photon has no animation support, so
 * `animated=true` is answered as the spec allows for media that cannot be animated) and encodes
 * JPEG and PNG, the two thumbnail types every client can show.
 *
 * Callers must have checked the header dimensions against the limits below first: decoding
 * allocates width×height×7 bytes at peak (RGB decode plus the RGBA copy) inside the isolate's
 * 128 MB.
 */
import { PhotonImage, SamplingFilter, crop, resize } from "@cf-wasm/photon";
import type { ImageFormat } from "./imageHeader.js";
import type { ThumbnailPlan } from "./thumbnailPlan.js";

/** Largest source accepted for thumbnailing: 12.6 megapixels (a 4032×3024 phone photo) and 20 MB. */
export const MAX_THUMBNAIL_PIXELS = 12_600_000;
export const MAX_THUMBNAIL_SOURCE_BYTES = 20 * 1024 * 1024;

export interface Thumbnail {
  bytes: Uint8Array;
  contentType: "image/jpeg" | "image/png";
}

export function renderThumbnail(source: Uint8Array, format: ImageFormat, plan: Exclude<ThumbnailPlan, { kind: "original" }>): Thumbnail {
  const owned: PhotonImage[] = [];
  try {
    let img = PhotonImage.new_from_byteslice(source);
    owned.push(img);
    if (img.get_width() !== plan.width || img.get_height() !== plan.height) {
      img = resize(img, plan.width, plan.height, SamplingFilter.Triangle);
      owned.push(img);
    }
    if (plan.crop) {
      const c = plan.crop;
      img = crop(img, c.x, c.y, c.x + c.width, c.y + c.height);
      owned.push(img);
    }
    // JPEG stays JPEG (photos, small); everything else becomes PNG to keep transparency.
    if (format === "jpeg") return { bytes: img.get_bytes_jpeg(80), contentType: "image/jpeg" };
    return { bytes: img.get_bytes(), contentType: "image/png" };
  } finally {
    // wasm memory is not garbage collected: free every image we made.
    for (const i of owned) i.free();
  }
}
