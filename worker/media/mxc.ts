/**
 * Matrix Content URIs (`mxc://<server-name>/<media-id>`) and their sanitising.
 *
 * The spec (content repository, "Security considerations") requires media IDs to be limited to
 * `A-Za-z0-9_-` and server names to valid server names, so a crafted URI can never reach a
 * storage key with `/` or `..` in it.
 */
import { notFound } from "../../platform/errors.js";

const MEDIA_ID = /^[A-Za-z0-9_-]{1,255}$/;
// host (DNS name, IPv4 literal or [IPv6] literal) with an optional port: the spec's server-name grammar.
const SERVER_NAME = /^(?:\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9.-]{1,255})(?::\d{1,5})?$/;

export interface MediaRef {
  serverName: string;
  mediaId: string;
}

/** A fresh media ID: 144 random bits as unpadded base64url (24 characters of the allowed set). */
export function newMediaId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_");
}

export function mxcUri(ref: MediaRef): string {
  return `mxc://${ref.serverName}/${ref.mediaId}`;
}

/** A media reference from path parameters; anything malformed simply does not exist (404). */
export function mediaRefOf(serverName: string, mediaId: string): MediaRef {
  if (!SERVER_NAME.test(serverName) || !MEDIA_ID.test(mediaId)) throw notFound("Media not found");
  return { serverName, mediaId };
}
