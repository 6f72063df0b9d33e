import type { Ctx } from "../router.js";
import { isValidUserLocalpart } from "../../protocol/identifiers.js";

/**
 * Whether a localpart may be registered now (spec appendices "User Identifiers": new user IDs use
 * only a-z, 0-9 and ._=-/+, and the whole user ID is at most 255 bytes). Purely numeric
 * localparts are kept for guests, as Synapse does.
 */
export function isValidNewLocalpart(localpart: string, serverName: string): boolean {
  if (!isValidUserLocalpart(localpart)) return false;
  if (/^\d+$/.test(localpart)) return false;
  return new TextEncoder().encode(`@${localpart}:${serverName}`).length <= 255;
}

/** Resolves what a client typed as a user (localpart or full user ID) to a local user ID. */
export function localUserId(ctx: Ctx, user: string): string | undefined {
  if (user.startsWith("@")) {
    const colon = user.indexOf(":");
    if (colon < 0 || user.slice(colon + 1) !== ctx.config.serverName) return undefined;
    return `@${user.slice(1, colon).toLowerCase()}:${ctx.config.serverName}`;
  }
  return `@${user.toLowerCase()}:${ctx.config.serverName}`;
}
