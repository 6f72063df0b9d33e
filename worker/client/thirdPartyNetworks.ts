import type { IRequest } from "itty-router";
import { clientRoute, type Ctx } from "../router.js";
import { json } from "../http.js";
import { authenticate } from "../auth.js";

// Spec: third_party_lookup.yaml. Lattice has no application-service bridges, so it supports no
// third-party protocols: the map is empty (clients ask on start-up).

async function protocols(req: IRequest, ctx: Ctx): Promise<Response> {
  await authenticate(req, ctx, { allowGuest: true });
  return json({});
}

export function registerThirdPartyNetworkRoutes(): void {
  clientRoute("GET", "/thirdparty/protocols", protocols);
}
