/**
 * Which users have a pusher with a given (app_id, pushkey) (table `pushkeys`). The spec's
 * POST /pushers/set: without `append`, the homeserver "must remove any other pushers with the same
 * App ID and pushkey for different users" — a phone that signs into another account stops ringing
 * for the old one. Pushers themselves live in each UserDO; a row here may outlive its pusher (its
 * device was deleted), which only costs a removal that finds nothing.
 */
export class PushkeyStore {
  constructor(private readonly sql: SqlStorage) {}

  /** Records that `userId` has this pusher; without `append`, takes it from every other user and returns them. */
  claim(appId: string, pushkey: string, userId: string, append: boolean): string[] {
    let others: string[] = [];
    if (!append) {
      others = this.sql
        .exec<{ user_id: string }>("SELECT user_id FROM pushkeys WHERE app_id = ? AND pushkey = ? AND user_id != ?", appId, pushkey, userId)
        .toArray()
        .map((r) => r.user_id);
      this.sql.exec("DELETE FROM pushkeys WHERE app_id = ? AND pushkey = ? AND user_id != ?", appId, pushkey, userId);
    }
    this.sql.exec("INSERT OR IGNORE INTO pushkeys (app_id, pushkey, user_id) VALUES (?, ?, ?)", appId, pushkey, userId);
    return others;
  }

  release(appId: string, pushkey: string, userId: string): void {
    this.sql.exec("DELETE FROM pushkeys WHERE app_id = ? AND pushkey = ? AND user_id = ?", appId, pushkey, userId);
  }
}
