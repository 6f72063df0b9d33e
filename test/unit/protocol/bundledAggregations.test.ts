import { test } from "node:test";
import assert from "node:assert/strict";
import { bundleFor, latestValidEdit } from "../../../protocol/bundledAggregations.js";
import type { ClientEvent } from "../../../protocol/clientEvent.js";
import type { JsonObject } from "../../../protocol/json.js";

const ev = (id: string, sender: string, content: JsonObject, extra: Partial<ClientEvent> = {}): ClientEvent => ({
  event_id: id,
  room_id: "!r:x",
  sender,
  type: "m.room.message",
  content,
  origin_server_ts: 1000,
  ...extra,
});
const rel = (relType: string, parent = "$p") => ({ "m.relates_to": { rel_type: relType, event_id: parent } });
const parent = ev("$p", "@a:x", { body: "hi" });
const reader = { userId: "@c:x", ignored: new Set<string>() };
const plain = (e: ClientEvent) => e as unknown as JsonObject;

test("the spec's example shapes: thread summary, latest edit and references", () => {
  const kids = [
    ev("$t1", "@b:x", { body: "t1", ...rel("m.thread") }),
    ev("$e1", "@a:x", { body: "* e1", "m.new_content": { body: "e1" }, ...rel("m.replace") }, { origin_server_ts: 2000 }),
    ev("$r1", "@b:x", { body: "r", ...rel("m.reference") }),
    ev("$t2", "@c:x", { body: "t2", ...rel("m.thread") }),
    ev("$e0", "@a:x", { body: "* e0", "m.new_content": { body: "e0" }, ...rel("m.replace") }, { origin_server_ts: 1500 }),
  ];
  const b = bundleFor(parent, kids, reader, plain) as Record<string, Record<string, unknown>>;
  assert.equal((b["m.thread"].latest_event as ClientEvent).event_id, "$t2");
  assert.equal(b["m.thread"].count, 2);
  assert.equal(b["m.thread"].current_user_participated, true);
  assert.equal(b["m.replace"].event_id, "$e1");
  assert.deepEqual(b["m.reference"], { chunk: [{ event_id: "$r1" }] });
});

test("ignored users' children do not count; nothing left is no bundle", () => {
  const kids = [ev("$t1", "@m:x", { body: "t1", ...rel("m.thread") }), ev("$r1", "@m:x", { body: "r", ...rel("m.reference") })];
  assert.equal(bundleFor(parent, kids, { userId: "@c:x", ignored: new Set(["@m:x"]) }, plain), undefined);
  assert.equal((bundleFor(parent, kids, reader, plain)?.["m.thread"] as { count: number }).count, 1);
});

test("invalid edits are skipped: another sender, another type, no m.new_content, redacted or edit parent; state events get no bundle", () => {
  const bad = [
    ev("$x1", "@b:x", { "m.new_content": { body: "x" }, ...rel("m.replace") }),
    ev("$x2", "@a:x", { "m.new_content": { body: "x" }, ...rel("m.replace") }, { type: "m.sticker" }),
    ev("$x3", "@a:x", { body: "no new content", ...rel("m.replace") }),
  ];
  assert.equal(latestValidEdit(parent, bad), undefined);
  const good = ev("$g", "@a:x", { "m.new_content": { body: "g" }, ...rel("m.replace") });
  assert.equal(latestValidEdit({ ...parent, unsigned: { redacted_because: {} } }, [good]), undefined);
  assert.equal(latestValidEdit({ ...parent, content: rel("m.replace", "$other") }, [good]), undefined);
  assert.equal(bundleFor({ ...parent, state_key: "" }, [good], reader, plain), undefined);
  // Encrypted edits carry m.new_content inside the ciphertext.
  const enc = { ...parent, type: "m.room.encrypted" };
  assert.equal(latestValidEdit(enc, [ev("$ge", "@a:x", rel("m.replace"), { type: "m.room.encrypted" })])?.event_id, "$ge");
});
