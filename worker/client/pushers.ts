import type { IRequest } from "itty-router";
import { clientRoute, type Ctx } from "../router.js";
import { json } from "../http.js";
import { authenticate } from "../auth.js";

// Spec: pusher.yaml. Lattice does not talk to push gateways yet, so it accepts no pushers
// (POST /pushers/set is not served: 404 M_UNRECOGNIZED) and the list is truthfully empty;
// clients read it when opening notification settings.

async function listPushers(req: IRequest, ctx: Ctx): Promise<Response> {
  await authenticate(req, ctx);
  return json({ pushers: [] });
}

export function registerPusherRoutes(): void {
  clientRoute("GET", "/pushers", listPushers);
}
