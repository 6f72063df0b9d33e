/** LocalUserStore (durable-objects/server/localUserStore.ts), run inside workerd by test/unit/stores.test.ts. */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { SERVER_MIGRATIONS } from "../../../schema/server.js";
import { LocalUserStore } from "../../../durable-objects/server/localUserStore.js";
import type { LocalUserQuery } from "../../../platform/rpc/server.js";

const ALL: LocalUserQuery = { from: 0, limit: 100, guests: true, orderBy: "name", dir: "f" };

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "a guest stays a guest through a profile change, becomes a user on upgrade; deactivation keeps the profile"(sql) {
    migrate(sql, SERVER_MIGRATIONS);
    const store = new LocalUserStore(sql);
    const row = (id: string) => store.list({ ...ALL, userId: id }, "x").users[0];
    store.addGuest("@123:x", "123", 5);
    store.upsert("@123:x", "Gil", null, true, 6);
    assert.deepEqual([row("@123:x").isGuest, row("@123:x").displayname, row("@123:x").creationTs], [true, "Gil", 5]);
    assert.equal(store.list({ ...ALL, guests: false }, "x").total, 0);
    store.upsert("@123:x", "Gil", null, false, 7);
    assert.equal(row("@123:x").isGuest, false);

    store.upsert("@ann:x", "Ann", "mxc://x/a", false, 8);
    store.markDeactivated("@ann:x");
    store.setProfile("@ann:x", "Dormant Ann", null);
    assert.deepEqual([row("@ann:x").deactivated, row("@ann:x").displayname, row("@ann:x").avatarUrl], [true, "Dormant Ann", null]);
  },

  "name and user_id filters match substrings literally (% and _ are not wildcards); other servers' users are not listed"(sql) {
    migrate(sql, SERVER_MIGRATIONS);
    const store = new LocalUserStore(sql);
    for (const id of ["@a_b:x", "@axb:x", "@100%:x"]) store.upsert(id, null, null, false, 1);
    store.upsert("@a_b:other", null, null, false, 1);
    const names = (q: Partial<LocalUserQuery>) => store.list({ ...ALL, ...q }, "x").users.map((u) => u.userId);
    assert.deepEqual(names({ name: "a_b" }), ["@a_b:x"]);
    assert.deepEqual(names({ name: "0%" }), ["@100%:x"]);
    assert.deepEqual(names({ userId: "_B:" }), ["@a_b:x"]);
    assert.deepEqual(names({}), ["@100%:x", "@a_b:x", "@axb:x"]);
  },
};
