import type { Ctx } from "../router.js";
import { serverStub, userStub } from "../../platform/stubs.js";
import { leaveAllRooms } from "./membershipActions.js";

/**
 * Deactivates an account (spec: POST /account/deactivate; the account page's "Deactivate
 * account"): the user leaves every room while still able to send the leave events, then the
 * account is closed (no logins, every device and browser sign-in gone) and it leaves the user
 * directory. Both callers share this so neither can forget a step.
 */
export async function deactivateAccount(ctx: Ctx, userId: string): Promise<void> {
  const stub = userStub(ctx.env, userId);
  const rooms = await stub.joinedRooms();
  await leaveAllRooms(ctx, userId, rooms);
  await stub.deactivate();
  await serverStub(ctx.env).removeUser(userId);
}
