import { test } from "node:test";
import assert from "node:assert/strict";
import { TypingTracker, MAX_TYPING_MS } from "../../../durable-objects/room/typing.js";

test("typing starts, renews and stops; each change asks for a new m.typing", () => {
  const t = new TypingTracker();
  assert.equal(t.set("@b:x", true, 5000, 1000), true);
  assert.equal(t.set("@a:x", true, 3000, 1000), true);
  assert.deepEqual(t.userIds(), ["@a:x", "@b:x"]);
  assert.equal(t.nextExpiry(), 4000);
  assert.equal(t.set("@a:x", true, 3000, 2000), true, "a renewal is sent again");
  assert.equal(t.nextExpiry(), 5000);
  assert.equal(t.set("@a:x", false, 0, 2500), true);
  assert.equal(t.set("@a:x", false, 0, 2600), false, "stopping twice changes nothing");
  assert.deepEqual(t.userIds(), ["@b:x"]);
});

test("timeouts expire users, and are capped", () => {
  const t = new TypingTracker();
  t.set("@a:x", true, 1000, 0);
  t.set("@b:x", true, 10 * MAX_TYPING_MS, 0);
  assert.equal(t.nextExpiry(), 1000);
  assert.equal(t.expire(999), false);
  assert.equal(t.expire(1000), true);
  assert.deepEqual(t.userIds(), ["@b:x"]);
  assert.equal(t.nextExpiry(), MAX_TYPING_MS, "a huge timeout is cut to the maximum");
  t.set("@c:x", true, -5, 0);
  assert.equal(t.expire(0), true, "a negative timeout ends at once");
  assert.equal(t.expire(MAX_TYPING_MS), true);
  assert.equal(t.nextExpiry(), undefined);
});
