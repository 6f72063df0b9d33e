import * as account from "./account.js";
import type { AccountStore } from "./accountStore.js";

/** The user's profile (spec: client-server "Profiles"): display name and avatar URL, kept on the account. */

/** The user's profile, or null when there is no such user. */
export function getProfile(accounts: AccountStore): { displayname?: string; avatar_url?: string } | null {
  const acc = accounts.account();
  if (!acc) return null;
  const p: { displayname?: string; avatar_url?: string } = {};
  if (acc.displayname !== null) p.displayname = acc.displayname;
  if (acc.avatar_url !== null) p.avatar_url = acc.avatar_url;
  return p;
}

/** Sets the display name or avatar; the caller updates the member event in each joined room. */
export function setProfileField(accounts: AccountStore, field: "displayname" | "avatar_url", value: string | null): void {
  account.requireAccount(accounts);
  accounts.setProfileField(field, value);
}
