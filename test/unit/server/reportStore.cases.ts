/** ReportStore (durable-objects/server/reportStore.ts), run inside workerd by test/unit/stores.test.ts. */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { SERVER_MIGRATIONS } from "../../../schema/server.js";
import { ReportStore } from "../../../durable-objects/server/reportStore.js";

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "reports of events, rooms and users are kept in order, each with its own target"(sql) {
    migrate(sql, SERVER_MIGRATIONS);
    const store = new ReportStore(sql);
    store.add({ kind: "event", reporter: "@a:x", roomId: "!r:x", eventId: "$e", reason: "spam", content: { reason: "spam", score: -100 } }, 10);
    store.add({ kind: "event", reporter: "@a:x", roomId: "!r:x", eventId: "$f", content: {} }, 11);
    store.add({ kind: "room", reporter: "@b:x", roomId: "!r:x", reason: "" }, 12);
    store.add({ kind: "user", reporter: "@b:x", userId: "@c:x", reason: "rude" }, 13);
    const all = store.list(0, 10);
    assert.deepEqual(
      all.map((r) => [r.kind, r.reporter, r.roomId, r.eventId, r.userId, r.reason, r.receivedTs]),
      [
        ["event", "@a:x", "!r:x", "$e", null, "spam", 10],
        ["event", "@a:x", "!r:x", "$f", null, null, 11],
        ["room", "@b:x", "!r:x", null, null, "", 12],
        ["user", "@b:x", null, null, "@c:x", "rude", 13],
      ],
    );
    assert.deepEqual(all[0].content, { reason: "spam", score: -100 });
    assert.equal(all[2].content, null);
    // Paging: after the second report, two at a time.
    assert.deepEqual(store.list(all[1].id, 2).map((r) => r.id), [all[2].id, all[3].id]);
    assert.deepEqual(store.list(all[3].id, 2), []);
  },
};
