import { notFound } from "../../platform/errors.js";
import type { AdminAccountChange, AdminAccountView } from "../../platform/rpc/user.js";
import type { AccountStore } from "./accountStore.js";

/**
 * The account as the server's admins see and change it (Synapse's admin API, served by
 * worker/admin/): the admin flag, and reactivation of a deactivated account.
 */

export function adminView(accounts: AccountStore): AdminAccountView | null {
  const acc = accounts.account();
  if (!acc) return null;
  return {
    userId: acc.user_id,
    isGuest: acc.is_guest === 1,
    admin: acc.admin === 1,
    deactivated: acc.deactivated === 1,
    createdTs: acc.created_ts,
    displayname: acc.displayname,
    avatarUrl: acc.avatar_url,
    lastSeenTs: accounts.lastSeenTs(),
  };
}

/** Applies the change; the caller runs it in one transaction. */
export function changeAsAdmin(accounts: AccountStore, change: AdminAccountChange): void {
  if (!accounts.account()) throw notFound("User not found");
  if (change.admin !== undefined) accounts.setAdmin(change.admin);
  if (change.reactivate) accounts.reactivate();
}
