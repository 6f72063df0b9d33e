/**
 * The user-owned state key rule (v1 rule 9; v6 8; v12 9): a state key that looks like a user
 * ID (starts with `@`) belongs to that user; nobody else may set it.
 */
import type { AuthResult } from "./result.js";
import { ALLOW, reject } from "./result.js";
import type { AuthContext } from "./context.js";

export function authorizeUserStateKey(ctx: AuthContext): AuthResult {
  const { event, version } = ctx;
  if (event.state_key !== undefined && event.state_key.startsWith("@") && event.state_key !== event.sender) {
    return reject(
      "state_key.user_id_mismatch",
      version,
      `state_key ${event.state_key} belongs to another user than ${event.sender}`,
    );
  }
  return ALLOW;
}
