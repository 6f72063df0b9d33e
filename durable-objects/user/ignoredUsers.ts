import type { AccountDataStore } from "./accountDataStore.js";

/**
 * The users this user ignores (spec: ignoring users — `m.ignored_user_list` global account data).
 * Their messages and invites are kept from the user's sync and /messages; their state events are not.
 */
export function ignoredUsers(accountData: AccountDataStore): Set<string> {
  const ignored = new Set<string>();
  const content = accountData.get("", "m.ignored_user_list");
  if (content === undefined) return ignored;
  const list = (content as { ignored_users?: unknown }).ignored_users;
  if (list && typeof list === "object" && !Array.isArray(list)) for (const u of Object.keys(list)) ignored.add(u);
  return ignored;
}

/** Whether an invite (its stripped state, as JSON) came from an ignored user: such invites are not sent to clients. */
export function invitedByIgnoredUser(inviteState: string | null, userId: string, ignored: ReadonlySet<string>): boolean {
  const events = JSON.parse(inviteState ?? "[]") as Array<{ type?: string; state_key?: string; sender?: string }>;
  const inviter = events.find((e) => e.type === "m.room.member" && e.state_key === userId)?.sender;
  return inviter !== undefined && ignored.has(inviter);
}
