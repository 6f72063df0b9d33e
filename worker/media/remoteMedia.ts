/**
 * The seam for remote media: content whose mxc URI names another server.
 *
 * When federation lands, this fetches it with GET /_matrix/federation/v1/media/download/{mediaId}
 * (authenticated media over federation), stores it under `remote/<serverName>/<mediaId>` in R2
 * with the same metadata as local media (the cache time as `created`, which is what the
 * legacy-media freeze goes by), and returns where it lies. Until then remote media does not exist
 * here: 404 M_NOT_FOUND, as the brief for this stage says.
 */
import type { Ctx } from "../router.js";
import { notFound } from "../errors.js";
import type { MediaRef } from "./mxc.js";
import type { MediaInfo } from "./mediaStore.js";

export const remoteKey = (ref: MediaRef) => `remote/${ref.serverName}/${ref.mediaId}`;

export async function fetchRemoteMedia(_ctx: Ctx, _ref: MediaRef, _timeoutMs: number): Promise<MediaInfo & { key: string }> {
  throw notFound("Remote media is not available on this server yet");
}
