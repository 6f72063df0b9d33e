/** RelationStore (durable-objects/room/relationStore.ts), run inside workerd by test/unit/stores.test.ts. */
import assert from "node:assert/strict";
import { migrate } from "../../../schema/migrate.js";
import { ROOM_MIGRATIONS } from "../../../schema/room.js";
import { EventStore, type InsertOptions } from "../../../durable-objects/room/eventStore.js";
import { RelationStore } from "../../../durable-objects/room/relationStore.js";
import type { PDU } from "../../../protocol/pdu.js";
import type { JsonObject } from "../../../protocol/json.js";

/** A room with a root event `$root` by @a, and a way to add events relating to it. */
function room(sql: SqlStorage) {
  migrate(sql, ROOM_MIGRATIONS);
  const events = new EventStore(sql);
  const relations = new RelationStore(sql);
  const add = (id: string, sender: string, rel?: { to: string; type: string }, opts: InsertOptions = {}): number => {
    const content: JsonObject = { body: id };
    if (rel) content["m.relates_to"] = { event_id: rel.to, rel_type: rel.type };
    const pdu: PDU = { event_id: id, room_id: "!r:x", sender, type: "m.room.message", content, prev_events: [], auth_events: [], depth: 1, origin_server_ts: 1000, hashes: { sha256: "" }, signatures: {} };
    const ordering = events.insertEvent(pdu, { before: 1, after: 1, ...opts });
    if (rel) relations.record(id, rel.to, rel.type);
    return ordering;
  };
  add("$root", "@a:x");
  return { events, relations, add };
}

export const cases: Record<string, (sql: SqlStorage) => void> = {
  "aggregated children are the thread replies, edits and references that are shown, oldest first"(sql) {
    const { events, relations, add } = room(sql);
    add("$reply", "@b:x", { to: "$root", type: "m.thread" });
    add("$edit", "@a:x", { to: "$root", type: "m.replace" });
    add("$ref", "@b:x", { to: "$root", type: "m.reference" });
    add("$annotation", "@b:x", { to: "$root", type: "m.annotation" });
    add("$soft", "@b:x", { to: "$root", type: "m.thread" }, { softFailed: true });
    add("$gone", "@b:x", { to: "$root", type: "m.thread" });
    events.storeRedacted({ ...events.getEvent("$gone")!, content: {} }, "$redaction");
    const children = relations.aggregatedChildren("$root");
    assert.deepEqual(children.map((c) => [c.event_id, c.rel_type]), [["$reply", "m.thread"], ["$edit", "m.replace"], ["$ref", "m.reference"]]);
    assert.equal(children[0].json, null, "only an edit carries its JSON");
    assert.ok(children[1].json?.includes("$edit"));
  },

  "children page newest first below a token, by rel_type and event type"(sql) {
    const { relations, add } = room(sql);
    const orderings = ["$1", "$2", "$3", "$4"].map((id) => add(id, "@b:x", { to: "$root", type: "m.annotation" }));
    add("$t", "@b:x", { to: "$root", type: "m.thread" });
    assert.deepEqual(relations.children("$root", undefined, undefined, Number.MAX_SAFE_INTEGER, 10).map((r) => r.event_id), ["$t", "$4", "$3", "$2", "$1"]);
    assert.deepEqual(relations.children("$root", "m.annotation", undefined, orderings[3], 2).map((r) => r.event_id), ["$3", "$2"]);
    assert.deepEqual(relations.children("$root", undefined, "m.reaction", Number.MAX_SAFE_INTEGER, 10), []);
  },

  "thread roots come most recently active first, and 'participated' keeps the viewer's threads"(sql) {
    const { relations, add } = room(sql);
    add("$other", "@c:x");
    add("$r1", "@b:x", { to: "$root", type: "m.thread" });
    const latestOther = add("$r2", "@c:x", { to: "$other", type: "m.thread" });
    const all = relations.threadRoots("@b:x", Number.MAX_SAFE_INTEGER, false, 10);
    assert.deepEqual(all.map((r) => r.root), ["$other", "$root"]);
    assert.equal(all[0].latest, latestOther);
    assert.deepEqual(relations.threadRoots("@b:x", latestOther, false, 10).map((r) => r.root), ["$root"], "below the token: older activity only");
    assert.deepEqual(relations.threadRoots("@b:x", Number.MAX_SAFE_INTEGER, true, 10).map((r) => r.root), ["$root"], "@b replied only there");
    assert.deepEqual(relations.threadRoots("@c:x", Number.MAX_SAFE_INTEGER, true, 10).map((r) => r.root), ["$other"], "@c started $other");
  },
};
