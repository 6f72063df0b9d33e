import type { JsonObject } from "../../../protocol/json.js";
import { notificationFormat, type NotificationFormat, type Pusher } from "../../../protocol/push/index.js";

/** A pusher as stored: the client's pusher, its device, and what sending needs. */
export interface StoredPusher {
  pusher: Pusher;
  deviceId: string;
  /** The gateway (data.url). */
  url: string;
  format: NotificationFormat;
  pushkeyTsMs: number;
  lastBadge: number | null;
}

interface PusherRow extends Record<string, SqlStorageValue> {
  app_id: string;
  pushkey: string;
  device_id: string;
  app_display_name: string;
  device_display_name: string;
  profile_tag: string | null;
  lang: string;
  data: string;
  pushkey_ts: number;
  last_badge: number | null;
}

function fromRow(r: PusherRow): StoredPusher {
  const pusher: Pusher = {
    pushkey: r.pushkey,
    kind: "http",
    app_id: r.app_id,
    app_display_name: r.app_display_name,
    device_display_name: r.device_display_name,
    lang: r.lang,
    data: JSON.parse(r.data) as JsonObject & { url: string },
  };
  if (r.profile_tag !== null) pusher.profile_tag = r.profile_tag;
  return { pusher, deviceId: r.device_id, url: pusher.data.url, format: notificationFormat(pusher.data), pushkeyTsMs: r.pushkey_ts, lastBadge: r.last_badge };
}

/** The user's pushers (table `pushers`), one per (app_id, pushkey); this store is its only writer. */
export class PusherStore {
  constructor(private readonly sql: SqlStorage) {}

  /** Creates or replaces the pusher with this (app_id, pushkey); it now belongs to `deviceId`. */
  upsert(p: Pusher, deviceId: string, nowMs: number): void {
    this.sql.exec(
      `INSERT INTO pushers (app_id, pushkey, device_id, app_display_name, device_display_name, profile_tag, lang, data, pushkey_ts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (app_id, pushkey) DO UPDATE SET device_id = excluded.device_id,
         app_display_name = excluded.app_display_name, device_display_name = excluded.device_display_name,
         profile_tag = excluded.profile_tag, lang = excluded.lang, data = excluded.data, pushkey_ts = excluded.pushkey_ts`,
      p.app_id,
      p.pushkey,
      deviceId,
      p.app_display_name,
      p.device_display_name,
      p.profile_tag ?? null,
      p.lang,
      JSON.stringify(p.data),
      nowMs,
    );
  }

  /** Deletes one pusher; true when there was one. */
  delete(appId: string, pushkey: string): boolean {
    return this.sql.exec("DELETE FROM pushers WHERE app_id = ? AND pushkey = ?", appId, pushkey).rowsWritten > 0;
  }

  /** Deletes the pushers of devices that no longer exist (after logout or device deletion). */
  deleteForGoneDevices(): number {
    return this.sql.exec("DELETE FROM pushers WHERE device_id NOT IN (SELECT device_id FROM devices)").rowsWritten;
  }

  list(): StoredPusher[] {
    return this.sql.exec<PusherRow>("SELECT * FROM pushers ORDER BY app_id, pushkey").toArray().map(fromRow);
  }

  /** The pushers among `keys` ([app_id, pushkey] pairs) that still exist. */
  find(keys: ReadonlyArray<readonly [string, string]>): StoredPusher[] {
    const wanted = new Set(keys.map(([a, k]) => `${a}\u0000${k}`));
    return this.list().filter((p) => wanted.has(`${p.pusher.app_id}\u0000${p.pusher.pushkey}`));
  }

  /** Notes the unread count a pusher's gateway was last told. */
  setLastBadge(appId: string, pushkey: string, badge: number): void {
    this.sql.exec("UPDATE pushers SET last_badge = ? WHERE app_id = ? AND pushkey = ?", badge, appId, pushkey);
  }
}
