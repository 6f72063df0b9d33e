/**
 * Where media lives in R2 and what we know about it.
 *
 * One R2 object per piece of content, its facts in the object's own metadata, so a download is
 * one R2 read and there is no second store to keep in step. Key layout:
 *
 *   local/<mediaId>                         content uploaded here (or a pending placeholder)
 *   pending/<userId>/<expires>-<mediaId>    index of a user's unfinished async uploads (for the cap;
 *                                           the expiry is in the key so one list call counts them)
 *   thumbnail/<mediaId>/<w>x<h>-<method>    generated thumbnails
 *   preview/<sha256(url)>                   cached URL previews (JSON)
 *   remote/<serverName>/<mediaId>           remote media cached over federation (remoteMedia.ts)
 *
 * An asynchronous upload (POST /create) writes an empty placeholder with state "pending"; the
 * PUT replaces it with `onlyIf: {etagMatches: placeholder}`, which R2 checks atomically when the
 * write commits, so of two racing PUTs exactly one wins and the other gets
 * M_CANNOT_OVERWRITE_MEDIA — no Durable Object needed.
 */
import { notFound, notYetUploaded } from "../../platform/errors.js";

export type MediaState = "pending" | "ready";

export interface MediaInfo {
  mediaId: string;
  state: MediaState;
  contentType: string;
  fileName?: string;
  size: number;
  uploader: string;
  /** Milliseconds since the epoch when the media ID was handed out. */
  created: number;
  /** For pending media: when the unused media ID expires. */
  expires?: number;
  etag: string;
}

export const contentKey = (mediaId: string) => `local/${mediaId}`;
export const pendingKey = (userId: string, mediaId: string, expires: number) =>
  `pending/${encodeURIComponent(userId)}/${expires}-${mediaId}`;
export const pendingPrefix = (userId: string) => `pending/${encodeURIComponent(userId)}/`;
export const thumbnailKey = (mediaId: string, width: number, height: number, method: string) =>
  `thumbnail/${mediaId}/${width}x${height}-${method}`;

/** R2 custom metadata is a string map; file names are percent-encoded so any Unicode survives. */
export function infoOf(mediaId: string, obj: R2Object): MediaInfo {
  const m = obj.customMetadata ?? {};
  let fileName: string | undefined;
  if (m.filename) {
    try {
      fileName = decodeURIComponent(m.filename);
    } catch {
      fileName = undefined;
    }
  }
  return {
    mediaId,
    state: m.state === "pending" ? "pending" : "ready",
    contentType: obj.httpMetadata?.contentType || "application/octet-stream",
    fileName,
    size: obj.size,
    uploader: m.uploader ?? "",
    created: Number(m.created) || obj.uploaded.getTime(),
    expires: m.expires ? Number(m.expires) : undefined,
    etag: obj.etag,
  };
}

export interface NewContent {
  contentType: string;
  fileName?: string;
  uploader: string;
  created: number;
}

function customMetadataOf(c: NewContent, state: MediaState, expires?: number): Record<string, string> {
  const meta: Record<string, string> = { state, uploader: c.uploader, created: String(c.created) };
  if (c.fileName) meta.filename = encodeURIComponent(c.fileName);
  if (expires !== undefined) meta.expires = String(expires);
  return meta;
}

/**
 * Writes content. `ifPlaceholder` makes the write conditional on the pending placeholder still
 * being there; returns false when that condition failed (someone else uploaded first).
 */
export async function putContent(
  bucket: R2Bucket,
  mediaId: string,
  body: ReadableStream | ArrayBuffer,
  c: NewContent,
  ifPlaceholder?: string,
): Promise<boolean> {
  const res = await bucket.put(contentKey(mediaId), body, {
    httpMetadata: { contentType: c.contentType },
    customMetadata: customMetadataOf(c, "ready"),
    ...(ifPlaceholder ? { onlyIf: { etagMatches: ifPlaceholder } } : {}),
  });
  return res !== null;
}

/** Reserves a media ID for an asynchronous upload (POST /_matrix/media/v1/create). */
export async function putPlaceholder(bucket: R2Bucket, mediaId: string, uploader: string, created: number, expires: number): Promise<void> {
  const meta = customMetadataOf({ contentType: "application/octet-stream", uploader, created }, "pending", expires);
  await bucket.put(contentKey(mediaId), new ArrayBuffer(0), { customMetadata: meta });
  await bucket.put(pendingKey(uploader, mediaId, expires), new ArrayBuffer(0));
}

/** The media's facts, or undefined when it does not exist (an expired placeholder counts as gone). */
export async function headMedia(bucket: R2Bucket, mediaId: string, now = Date.now()): Promise<MediaInfo | undefined> {
  const obj = await bucket.head(contentKey(mediaId));
  if (!obj) return undefined;
  const info = infoOf(mediaId, obj);
  if (info.state === "pending" && info.expires !== undefined && info.expires <= now) return undefined;
  return info;
}

/** How many unexpired async uploads a user has open; forgets expired ones on the way. */
export async function countPending(bucket: R2Bucket, userId: string, now = Date.now()): Promise<number> {
  const prefix = pendingPrefix(userId);
  const listed = await bucket.list({ prefix, limit: 1000 });
  let open = 0;
  const stale: string[] = [];
  for (const o of listed.objects) {
    if (Number(o.key.slice(prefix.length).split("-")[0]) > now) open++;
    else stale.push(o.key);
  }
  if (stale.length) await bucket.delete(stale);
  return open;
}

/** The spec's longest wait for a pending upload: clients ask with timeout_ms (default 20 s). */
export const MAX_WAIT_MS = 20_000;
const POLL_MS = 250;

/**
 * Waits (bounded) for content that was created but not uploaded yet, as the download and
 * thumbnail endpoints must: M_NOT_FOUND if it does not exist, M_NOT_YET_UPLOADED (504) if the
 * wait runs out.
 */
export async function waitForContent(bucket: R2Bucket, mediaId: string, timeoutMs: number): Promise<MediaInfo> {
  const deadline = Date.now() + Math.max(0, Math.min(timeoutMs, MAX_WAIT_MS));
  for (;;) {
    const info = await headMedia(bucket, mediaId);
    if (!info) throw notFound("Media not found");
    if (info.state === "ready") return info;
    const left = deadline - Date.now();
    if (left <= 0) throw notYetUploaded("Content has not yet been uploaded");
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, left)));
  }
}
