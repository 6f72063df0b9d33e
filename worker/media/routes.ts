/**
 * The content repository's endpoints (spec: Client-Server API, "Content repository").
 *
 * Authenticated media lives under /_matrix/client/v1/media; upload and create stay under
 * /_matrix/media as the spec still has them. The deprecated unauthenticated /_matrix/media/v3
 * download and thumbnail are served or frozen by LEGACY_MEDIA; r0 aliases are kept for old bots.
 */
import { route } from "../router.js";
import { uploadContent, uploadContentToMxc } from "./upload.js";
import { createContent } from "./create.js";
import { downloadHandler } from "./download.js";
import { thumbnailHandler } from "./thumbnail.js";
import { getConfig } from "./config.js";
import { previewUrl } from "./previewUrl.js";

export function registerMediaRoutes(): void {
  route("POST", "/_matrix/media/v1/create", createContent);

  const authed = "/_matrix/client/v1/media";
  route("GET", `${authed}/download/:serverName/:mediaId`, downloadHandler({ legacy: false }));
  route("GET", `${authed}/download/:serverName/:mediaId/:fileName`, downloadHandler({ legacy: false }));
  route("GET", `${authed}/thumbnail/:serverName/:mediaId`, thumbnailHandler({ legacy: false }));
  route("GET", `${authed}/config`, getConfig);
  route("GET", `${authed}/preview_url`, previewUrl);

  for (const v of ["v3", "r0"]) {
    const legacy = `/_matrix/media/${v}`;
    route("POST", `${legacy}/upload`, uploadContent);
    route("PUT", `${legacy}/upload/:serverName/:mediaId`, uploadContentToMxc);
    route("GET", `${legacy}/download/:serverName/:mediaId`, downloadHandler({ legacy: true }));
    route("GET", `${legacy}/download/:serverName/:mediaId/:fileName`, downloadHandler({ legacy: true }));
    route("GET", `${legacy}/thumbnail/:serverName/:mediaId`, thumbnailHandler({ legacy: true }));
    route("GET", `${legacy}/config`, getConfig);
    route("GET", `${legacy}/preview_url`, previewUrl);
  }
}
