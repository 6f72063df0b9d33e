import type { JsonObject } from "../../protocol/json.js";
import type { StoredPushRules } from "../../protocol/pushRules/index.js";

/**
 * The user's account data, filters and push rules (tables `account_data`, `filters`,
 * `push_rules`): what the client stores for itself. This store is their only writer.
 */
export class AccountDataStore {
  constructor(private readonly sql: SqlStorage) {}

  /** One account data item; roomId "" is global account data. */
  get(roomId: string, type: string): JsonObject | undefined {
    const row = this.sql.exec<{ content: string }>("SELECT content FROM account_data WHERE room_id = ? AND type = ?", roomId, type).toArray()[0];
    return row ? (JSON.parse(row.content) as JsonObject) : undefined;
  }

  set(roomId: string, type: string, content: JsonObject): void {
    this.sql.exec(
      "INSERT INTO account_data (room_id, type, content) VALUES (?, ?, ?) ON CONFLICT (room_id, type) DO UPDATE SET content = excluded.content",
      roomId,
      type,
      JSON.stringify(content),
    );
  }

  /** Every item of one room's (or, with "", the global) account data, as /sync lists them. */
  all(roomId: string): Array<{ type: string; content: JsonObject }> {
    return this.sql
      .exec<{ type: string; content: string }>("SELECT type, content FROM account_data WHERE room_id = ?", roomId)
      .toArray()
      .map((r) => ({ type: r.type, content: JSON.parse(r.content) as JsonObject }));
  }

  /** Every room's account data item of one type (e.g. each room's m.tag), keyed by room ID. */
  roomsOfType(type: string): Map<string, JsonObject> {
    const out = new Map<string, JsonObject>();
    for (const r of this.sql.exec<{ room_id: string; content: string }>("SELECT room_id, content FROM account_data WHERE type = ? AND room_id != ''", type)) {
      out.set(r.room_id, JSON.parse(r.content) as JsonObject);
    }
    return out;
  }

  /** Stores a filter; returns its ID. */
  createFilter(filter: JsonObject): number {
    return this.sql.exec<{ filter_id: number }>("INSERT INTO filters (json) VALUES (?) RETURNING filter_id", JSON.stringify(filter)).one().filter_id;
  }

  filter(filterId: number): JsonObject | undefined {
    const row = this.sql.exec<{ json: string }>("SELECT json FROM filters WHERE filter_id = ?", filterId).toArray()[0];
    return row ? (JSON.parse(row.json) as JsonObject) : undefined;
  }

  /** The user's own push rules (merged with the defaults by the caller), if ever set. */
  pushRules(): StoredPushRules | undefined {
    const row = this.sql.exec<{ json: string }>("SELECT json FROM push_rules").toArray()[0];
    return row ? (JSON.parse(row.json) as StoredPushRules) : undefined;
  }

  setPushRules(stored: StoredPushRules): void {
    this.sql.exec("INSERT INTO push_rules (id, json) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json", JSON.stringify(stored));
  }
}
