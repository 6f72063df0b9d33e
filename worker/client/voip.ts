import type { IRequest } from "itty-router";
import { clientRoute, type Ctx } from "../router.js";
import { json } from "../http.js";
import { authenticate } from "../auth.js";
import { sharedSecretTurnCredentials } from "../../protocol/turnCredentials.js";
import { cloudflareTurnCredentials } from "../../platform/cloudflareTurn.js";

/**
 * Spec: voip.yaml, GET /voip/turnServer. Credentials come from a secret shared with a coturn-style
 * TURN server (TURN_URIS + TURN_SHARED_SECRET) or from Cloudflare's managed TURN (a TURN key in
 * secrets). With neither, or when Cloudflare fails, the answer is Synapse's: `{}` with 200, which
 * clients read as "no TURN server: use STUN/direct". Guests get credentials too (Synapse's
 * turn_allow_guests defaults to true).
 */
async function turnServer(req: IRequest, ctx: Ctx): Promise<Response> {
  const session = await authenticate(req, ctx, { allowGuest: true });
  const turn = ctx.config.turn;
  if (turn.kind === "sharedSecret") {
    const creds = await sharedSecretTurnCredentials(turn.secret, session.userId, turn.ttlSeconds, Date.now());
    return json({ ...creds, uris: turn.uris });
  }
  if (turn.kind === "cloudflare") {
    const creds = await cloudflareTurnCredentials(turn.apiBase, turn.keyId, turn.apiToken, turn.ttlSeconds);
    if (!creds) console.warn("Cloudflare TURN: no credentials minted; answering without TURN");
    return json(creds ?? {});
  }
  return json({});
}

export function registerVoipRoutes(): void {
  clientRoute("GET", "/voip/turnServer", turnServer);
}
