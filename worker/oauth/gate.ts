import { unrecognized } from "../../platform/errors.js";
import type { Ctx, Handler } from "../router.js";

/**
 * An OAuth endpoint's handler, served only with OAUTH = "on". Off, every one answers the Matrix
 * 404 M_UNRECOGNIZED, which the spec's discovery reads as "this server uses the legacy API".
 */
export function whenOAuth(handler: Handler): Handler {
  return (req, ctx: Ctx) => {
    if (!ctx.config.oauth) throw unrecognized("The OAuth 2.0 API is not enabled on this server");
    return handler(req, ctx);
  };
}
