/**
 * The users this user ignores (spec: ignoring users — `m.ignored_user_list` global account data).
 * Their messages and invites are kept from the user's sync and /messages; their state events are not.
 */
export function ignoredUsers(sql: SqlStorage): Set<string> {
  const ignored = new Set<string>();
  const row = sql.exec<{ content: string }>("SELECT content FROM account_data WHERE room_id = '' AND type = 'm.ignored_user_list'").toArray()[0];
  if (!row) return ignored;
  const list = (JSON.parse(row.content) as { ignored_users?: unknown }).ignored_users;
  if (list && typeof list === "object" && !Array.isArray(list)) for (const u of Object.keys(list)) ignored.add(u);
  return ignored;
}
