import type { IRequest } from "itty-router";
import { clientRoute, type Ctx } from "../router.js";
import { json } from "../http.js";
import { authenticate } from "../auth.js";

// Spec: administrative_contact.yaml. Lattice binds no e-mail addresses or phone numbers to
// accounts, so the list is always empty; Element's settings page reads it on open.

async function listThreepids(req: IRequest, ctx: Ctx): Promise<Response> {
  await authenticate(req, ctx);
  return json({ threepids: [] });
}

export function registerThirdPartyIdentifierRoutes(): void {
  clientRoute("GET", "/account/3pid", listThreepids);
}
