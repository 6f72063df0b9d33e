/**
 * The user schema's upgrades (schema/user.ts), run inside workerd by test/unit/stores.test.ts:
 * migration 6 repairs databases that ran either text migration 4 once had, so both reach the
 * same schema.
 */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { USER_MIGRATIONS } from "../../../schema/user.js";

const columns = (sql: SqlStorage, table: string): string[] => sql.exec<{ name: string }>(`PRAGMA table_info(${table})`).toArray().map((c) => c.name);
const hasIndex = (sql: SqlStorage, name: string): boolean => sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", name).toArray().length === 1;

function assertRepaired(sql: SqlStorage): void {
  assert.equal(columns(sql, "rooms").filter((c) => c === "read_moved_pos").length, 1);
  assert.equal(columns(sql, "sliding_positions").filter((c) => c === "parent").length, 1);
  assert.ok(hasIndex(sql, "room_state_type"));
  const versions = sql.exec<{ v: number }>("SELECT MAX(version) AS v FROM _migrations").one().v;
  assert.equal(versions, USER_MIGRATIONS.length);
}

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "a database that ran the first migration 4 gains read_moved_pos (filled from its read entries), parent and the type index"(sql) {
    migrate(sql, USER_MIGRATIONS.slice(0, 4));
    assert.ok(!columns(sql, "rooms").includes("read_moved_pos"));
    sql.exec("INSERT INTO rooms (room_id, membership, membership_pos) VALUES ('!r:x', 'join', 1)");
    sql.exec("INSERT INTO stream (kind, room_id, json) VALUES ('read', '!r:x', '{}')");
    const readPos = sql.exec<{ p: number }>("SELECT MAX(pos) AS p FROM stream").one().p;
    migrate(sql, USER_MIGRATIONS);
    assertRepaired(sql);
    assert.equal(sql.exec<{ p: number }>("SELECT read_moved_pos AS p FROM rooms WHERE room_id = '!r:x'").one().p, readPos);
  },

  "a database that ran the later text of migration 4 (which already had them) upgrades without change"(sql) {
    migrate(sql, USER_MIGRATIONS.slice(0, 4));
    sql.exec("ALTER TABLE rooms ADD COLUMN read_moved_pos INTEGER NOT NULL DEFAULT 0");
    sql.exec("CREATE INDEX room_state_type ON room_state(type)");
    sql.exec("ALTER TABLE sliding_positions ADD COLUMN parent INTEGER NOT NULL DEFAULT 0");
    sql.exec("INSERT INTO rooms (room_id, membership, membership_pos, read_moved_pos) VALUES ('!r:x', 'join', 1, 42)");
    migrate(sql, USER_MIGRATIONS);
    assertRepaired(sql);
    assert.equal(sql.exec<{ p: number }>("SELECT read_moved_pos AS p FROM rooms WHERE room_id = '!r:x'").one().p, 42, "kept as it was");
  },

  "a fresh database has the repaired schema"(sql) {
    migrate(sql, USER_MIGRATIONS);
    assertRepaired(sql);
  },

  "migration 8 moves the state a joined room was copied with to just before the join"(sql) {
    migrate(sql, USER_MIGRATIONS.slice(0, 7));
    sql.exec("INSERT INTO rooms (room_id, membership, membership_pos) VALUES ('!j:x', 'join', 5), ('!l:x', 'leave', 6)");
    for (const [room, key, pos] of [["!j:x", "", 5], ["!j:x", "@a:x", 9], ["!l:x", "", 6]] as const) {
      sql.exec("INSERT INTO room_state (room_id, type, state_key, event_id, json, pos) VALUES (?, 't', ?, ?, '{}', ?)", room, key, `$${room}${key}`, pos);
    }
    migrate(sql, USER_MIGRATIONS);
    const pos = (room: string, key: string) => sql.exec<{ pos: number }>("SELECT pos FROM room_state WHERE room_id = ? AND state_key = ?", room, key).one().pos;
    assert.equal(pos("!j:x", ""), 4);
    assert.equal(pos("!j:x", "@a:x"), 9, "state set later keeps its position");
    assert.equal(pos("!l:x", ""), 6, "a room left is not touched");
  },
};

