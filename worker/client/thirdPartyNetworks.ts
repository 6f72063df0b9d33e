import type { IRequest } from "itty-router";
import { clientRoute, param, type Ctx } from "../router.js";
import { json } from "../http.js";
import { authenticate } from "../auth.js";
import { notFound } from "../../platform/errors.js";
import { thirdPartyLookup, thirdPartyProtocols, type ThirdPartyKind } from "../appservice/thirdParty.js";

// Spec: third_party_lookup.yaml. The protocols are those of the registered application services
// (worker/appservice/thirdParty.ts asks them); with none registered the map is empty.

async function protocols(req: IRequest, ctx: Ctx): Promise<Response> {
  await authenticate(req, ctx, { allowGuest: true });
  return json(await thirdPartyProtocols(ctx));
}

async function protocol(req: IRequest, ctx: Ctx): Promise<Response> {
  await authenticate(req, ctx, { allowGuest: true });
  const name = param(req, "protocol");
  const info = (await thirdPartyProtocols(ctx, name))[name];
  if (!info) throw notFound("The protocol is unknown");
  return json(info);
}

/**
 * Lookups answer 200 with the results, an empty list when there are none: Synapse does (the
 * spec's 404 for "nothing found" would make an unknown protocol and no match look the same).
 */
function lookup(kind: ThirdPartyKind, withProtocol: boolean) {
  return async (req: IRequest, ctx: Ctx): Promise<Response> => {
    await authenticate(req, ctx, { allowGuest: true });
    return json(await thirdPartyLookup(ctx, kind, withProtocol ? param(req, "protocol") : undefined, ctx.url.searchParams));
  };
}

export function registerThirdPartyNetworkRoutes(): void {
  clientRoute("GET", "/thirdparty/protocols", protocols);
  clientRoute("GET", "/thirdparty/protocol/:protocol", protocol);
  clientRoute("GET", "/thirdparty/location/:protocol", lookup("location", true));
  clientRoute("GET", "/thirdparty/user/:protocol", lookup("user", true));
  clientRoute("GET", "/thirdparty/location", lookup("location", false));
  clientRoute("GET", "/thirdparty/user", lookup("user", false));
}
