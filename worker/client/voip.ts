import type { IRequest } from "itty-router";
import { clientRoute, type Ctx } from "../router.js";
import { json } from "../http.js";
import { authenticate } from "../auth.js";

// Spec: voip.yaml, GET /voip/turnServer. Lattice has no TURN server configured; like Synapse in
// that case, it answers an empty object, which clients read as "no TURN: use STUN/direct".

async function turnServer(req: IRequest, ctx: Ctx): Promise<Response> {
  await authenticate(req, ctx, { allowGuest: true });
  return json({});
}

export function registerVoipRoutes(): void {
  clientRoute("GET", "/voip/turnServer", turnServer);
}
