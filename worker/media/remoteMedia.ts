/**
 * Remote media: content whose mxc URI names another server (server-server-api "Content
 * Repository"). The first request fetches it with a signed GET
 * /_matrix/federation/v1/media/download/{mediaId} (falling back to the deprecated
 * /_matrix/media/v3/download with allow_remote=false when the remote does not know the endpoint:
 * 404 or 405 M_UNRECOGNIZED, or 400 M_UNRECOGNIZED as Synapse before 1.114 answers),
 * unpacks the multipart reply (bytes, or a Location to fetch them from) and stores the bytes under
 * `remote/<serverName>/<mediaId>` in R2 with the same metadata as local media (the cache time as
 * `created`, which is what the legacy-media freeze goes by). Later requests are served from R2.
 * Thumbnails are generated here from the cached original.
 */
import type { Ctx } from "../router.js";
import { MatrixError, notFound, notYetUploaded, remoteFailed } from "../../platform/errors.js";
import type { MediaRef } from "./mxc.js";
import { infoOf, type MediaInfo } from "./mediaStore.js";
import { federationFetch, FederationError, readBytesLimited } from "../../federation-client/request.js";
import { isUnknownEndpointReply } from "../../federation-client/unknownEndpoint.js";
import { boundaryOf, fileNameOf, parseMultipart } from "./multipart.js";
import { fetchForPreview } from "./previewFetch.js";
import { isJsonObject } from "../../protocol/json.js";
import { MAX_WAIT_MS } from "./mediaStore.js";

export const remoteKey = (ref: MediaRef) => `remote/${ref.serverName}/${ref.mediaId}`;

/** Slack on top of the remote's own wait for a pending upload. */
const NETWORK_MS = 15_000;

interface Fetched {
  bytes: Uint8Array;
  contentType: string;
  fileName?: string;
}

/** The spec's answer when remote content exceeds what this server will fetch. */
const remoteTooLarge = () => new MatrixError(502, "M_TOO_LARGE", "Remote content is too large");
const unreachable = (server: string) => remoteFailed(`Could not fetch the media from ${server}`);

export async function fetchRemoteMedia(ctx: Ctx, ref: MediaRef, timeoutMs: number): Promise<MediaInfo & { key: string }> {
  const key = remoteKey(ref);
  // The media ID used for derived keys (thumbnails) carries the server, so a remote can never
  // name a local media ID's thumbnails.
  const mediaId = `${ref.serverName}/${ref.mediaId}`;
  const cached = await ctx.env.MEDIA.head(key);
  if (cached) return { ...infoOf(mediaId, cached), key };

  // The deprecated endpoints' allow_remote=false: only what is cached here (and no loops between servers).
  if (ctx.url.searchParams.get("allow_remote") === "false") throw notFound("Media not found");
  const fetched = await fetchFromRemote(ctx, ref, Math.max(0, Math.min(timeoutMs, MAX_WAIT_MS)));
  const meta: Record<string, string> = { state: "ready", uploader: "", created: String(Date.now()), origin: ref.serverName };
  if (fetched.fileName) meta.filename = encodeURIComponent(fetched.fileName);
  const stored = await ctx.env.MEDIA.put(key, fetched.bytes, { httpMetadata: { contentType: fetched.contentType }, customMetadata: meta });
  return { ...infoOf(mediaId, stored), key };
}

async function fetchFromRemote(ctx: Ctx, ref: MediaRef, waitMs: number): Promise<Fetched> {
  const max = ctx.config.maxUploadBytes;
  const timeoutMs = waitMs + NETWORK_MS;
  let res: Response;
  try {
    res = await federationFetch(ctx.env, ref.serverName, "GET", `/_matrix/federation/v1/media/download/${encodeURIComponent(ref.mediaId)}?timeout_ms=${waitMs}`, undefined, {
      timeoutMs,
      accept: "multipart/mixed, application/json;q=0.5",
    });
    if ((res.status === 400 || res.status === 404 || res.status === 405) && isUnknownEndpointReply(res.status, await jsonOf(res.clone()))) {
      await res.body?.cancel();
      // A server without federation media: the old endpoint, never proxying further.
      res = await federationFetch(
        ctx.env,
        ref.serverName,
        "GET",
        `/_matrix/media/v3/download/${encodeURIComponent(ref.serverName)}/${encodeURIComponent(ref.mediaId)}?allow_remote=false&timeout_ms=${waitMs}`,
        undefined,
        { timeoutMs, accept: "*/*" },
      );
      await checkStatus(res, ref.serverName);
      return { bytes: await readBody(res, max), contentType: res.headers.get("Content-Type") || "application/octet-stream", fileName: fileNameOf(res.headers.get("Content-Disposition")) };
    }
  } catch (e) {
    if (e instanceof FederationError) throw unreachable(ref.serverName);
    throw e;
  }
  await checkStatus(res, ref.serverName);
  const boundary = boundaryOf(res.headers.get("Content-Type"));
  if (!boundary) throw unreachable(ref.serverName);
  // The JSON part and part headers are small; allow a little over the media limit for them.
  const parts = parseMultipart(await readBody(res, max + 64 * 1024), boundary);
  if (!parts || parts.length < 2) throw unreachable(ref.serverName);
  const media = parts[1];
  const location = media.headers.get("location");
  if (location) return fetchLocation(ctx, location, max, Date.now() + timeoutMs, ref.serverName);
  if (media.body.byteLength > max) throw remoteTooLarge();
  return {
    bytes: media.body,
    contentType: media.headers.get("content-type") || "application/octet-stream",
    fileName: fileNameOf(media.headers.get("content-disposition")),
  };
}

/** The second part named a URL instead of carrying the bytes: fetched with the SSRF guard. */
async function fetchLocation(ctx: Ctx, location: string, max: number, deadline: number, server: string): Promise<Fetched> {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw unreachable(server);
  }
  const allowHosts = ctx.env.FEDERATION_ALLOW_PRIVATE === "true" ? [url.hostname.toLowerCase()] : [];
  const got = await fetchForPreview(url, allowHosts, max + 1, deadline);
  if (got.truncated || got.bytes.byteLength > max) throw remoteTooLarge();
  return { bytes: got.bytes, contentType: got.contentType || "application/octet-stream" };
}

/** A (small) error reply parsed as JSON; undefined when it is not JSON. */
async function jsonOf(res: Response): Promise<unknown> {
  try {
    return JSON.parse(new TextDecoder().decode(await readBytesLimited(res, 64 * 1024))) as unknown;
  } catch {
    return undefined;
  }
}

async function errcodeOf(res: Response): Promise<string | undefined> {
  const j = await jsonOf(res);
  return isJsonObject(j) && typeof j.errcode === "string" ? j.errcode : undefined;
}

/** The remote's error, as the client should see it. */
async function checkStatus(res: Response, server: string): Promise<void> {
  if (res.status === 200) return;
  const errcode = await errcodeOf(res);
  if (res.status === 404) throw notFound("Media not found");
  if (res.status === 504 && errcode === "M_NOT_YET_UPLOADED") throw notYetUploaded("Content has not yet been uploaded");
  if (errcode === "M_TOO_LARGE") throw remoteTooLarge();
  throw unreachable(server);
}

async function readBody(res: Response, max: number): Promise<Uint8Array> {
  try {
    return await readBytesLimited(res, max);
  } catch {
    throw remoteTooLarge();
  }
}
