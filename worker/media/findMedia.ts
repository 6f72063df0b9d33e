/**
 * Finds content by mxc reference, local or remote, waiting for a pending async upload as the
 * download and thumbnail endpoints must.
 */
import type { Ctx } from "../router.js";
import { notFound } from "../../platform/errors.js";
import type { MediaRef } from "./mxc.js";
import { contentKey, waitForContent, type MediaInfo } from "./mediaStore.js";
import { fetchRemoteMedia } from "./remoteMedia.js";
import { queryInt } from "../http.js";

export const DEFAULT_TIMEOUT_MS = 20_000;

export interface FoundMedia extends MediaInfo {
  /** The R2 key holding the bytes. */
  key: string;
}

export async function findMedia(ctx: Ctx, ref: MediaRef): Promise<FoundMedia> {
  const timeoutMs = queryInt(ctx.url, "timeout_ms") ?? DEFAULT_TIMEOUT_MS;
  if (ref.serverName !== ctx.config.serverName) return fetchRemoteMedia(ctx, ref, timeoutMs);
  const info = await waitForContent(ctx.env.MEDIA, ref.mediaId, timeoutMs);
  return { ...info, key: contentKey(ref.mediaId) };
}

/**
 * The spec's freeze of the unauthenticated endpoints: with LEGACY_MEDIA = "frozen", media that
 * entered this server's store at or after the freeze time is only served by the authenticated
 * endpoints; for the legacy ones it does not exist.
 */
export function checkLegacyAllowed(ctx: Ctx, media: MediaInfo): void {
  if (ctx.config.legacyMedia === "frozen" && media.created >= ctx.config.legacyMediaFrozenSince) {
    throw notFound("Media not found (unauthenticated media is frozen: use /_matrix/client/v1/media)");
  }
}
