/** Federation route registration: the unauthenticated /version and keys, and the query endpoints. */
import { route } from "../router.js";
import { json } from "../http.js";
import { registerKeyRoutes } from "./keys.js";
import { registerQueryRoutes } from "./query.js";
import { registerPublicRoomsRoutes } from "./publicRooms.js";
import { registerUserKeysRoutes } from "./userKeys.js";
import { registerFederationMediaRoutes } from "./media.js";
import { registerFederationTestHooks } from "./testHooks.js";
import { registerOpenIdFederationRoutes } from "./openid.js";
import { registerFederationHierarchyRoutes } from "./hierarchy.js";

export { fedRoute, type FederationHandler } from "./fedRoute.js";

export const LATTICE_VERSION = "0.1.0";

/** Spec: GET /_matrix/federation/v1/version (unauthenticated). */
async function version(): Promise<Response> {
  return json({ server: { name: "Lattice", version: LATTICE_VERSION } });
}

export function registerFederationRoutes(): void {
  route("GET", "/_matrix/federation/v1/version", version);
  registerKeyRoutes();
  registerQueryRoutes();
  registerPublicRoomsRoutes();
  registerUserKeysRoutes();
  registerFederationMediaRoutes();
  registerFederationTestHooks();
  registerOpenIdFederationRoutes();
  registerFederationHierarchyRoutes();
}
