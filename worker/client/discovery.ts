import type { IRequest } from "itty-router";
import { clientRoute, route, type Ctx } from "../router.js";
import { json } from "../http.js";
import { authenticate } from "../auth.js";
import { ROOM_VERSIONS, DEFAULT_ROOM_VERSION } from "../../protocol/roomVersions.js";
import { publicBaseUrl } from "../../platform/issuer.js";

// Spec: versions.yaml, wellknown.yaml, capabilities.yaml.

/** Only the spec versions whose endpoints Lattice really serves. */
const SPEC_VERSIONS = ["r0.6.1", "v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8", "v1.9", "v1.10", "v1.11"];

function versions(): Response {
  // Simplified sliding sync (MSC4186): Element X uses it only when this flag says it is there.
  return json({ versions: SPEC_VERSIONS, unstable_features: { "org.matrix.simplified_msc3575": true } });
}

function wellKnownClient(_req: IRequest, ctx: Ctx): Response {
  return json({ "m.homeserver": { base_url: publicBaseUrl(ctx.env, ctx.url) } });
}

function wellKnownServer(_req: IRequest, ctx: Ctx): Response {
  const delegate = ctx.env.FEDERATION_DELEGATE;
  if (!delegate) return json({ errcode: "M_NOT_FOUND", error: "No delegation configured" }, 404);
  return json({ "m.server": delegate });
}

async function capabilities(req: IRequest, ctx: Ctx): Promise<Response> {
  await authenticate(req, ctx, { allowGuest: true });
  const available: Record<string, string> = {};
  for (const id of ROOM_VERSIONS.keys()) available[id] = "stable";
  return json({
    capabilities: {
      "m.change_password": { enabled: true },
      "m.room_versions": { default: DEFAULT_ROOM_VERSION, available },
      "m.set_displayname": { enabled: true },
      "m.set_avatar_url": { enabled: true },
      "m.3pid_changes": { enabled: false },
      "m.get_login_token": { enabled: false },
    },
  });
}

export function registerDiscoveryRoutes(): void {
  route("GET", "/_matrix/client/versions", versions);
  route("GET", "/.well-known/matrix/client", wellKnownClient);
  route("GET", "/.well-known/matrix/server", wellKnownServer);
  clientRoute("GET", "/capabilities", capabilities);
}
