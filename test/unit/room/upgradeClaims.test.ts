import { test } from "node:test";
import assert from "node:assert/strict";
import { UpgradeClaims } from "../../../durable-objects/room/upgradeClaims.js";

const ALICE = "@alice:example.org";
const BOB = "@bob:example.org";
const MINUTE = 60_000;

test("a second upgrader is refused while one runs, and for five minutes after it finished", () => {
  const claims = new UpgradeClaims();
  assert.deepEqual(claims.claim(ALICE, 0), { kind: "claimed" });
  assert.deepEqual(claims.claim(BOB, 1), { kind: "busy" });
  // The same user's concurrent repeat has no answer to share yet.
  assert.deepEqual(claims.claim(ALICE, 2), { kind: "busy" });
  claims.finish(ALICE, "!new:example.org", 10);
  assert.deepEqual(claims.claim(ALICE, 11), { kind: "done", replacementRoom: "!new:example.org" });
  assert.deepEqual(claims.claim(BOB, 11), { kind: "busy" });
  assert.deepEqual(claims.claim(BOB, 10 + 5 * MINUTE + 1), { kind: "claimed" });
});

test("a failed upgrade frees the room at once; only the claimant ends its claim", () => {
  const claims = new UpgradeClaims();
  claims.claim(ALICE, 0);
  claims.finish(BOB, undefined, 1);
  assert.deepEqual(claims.claim(BOB, 2), { kind: "busy" });
  claims.finish(ALICE, undefined, 3);
  assert.deepEqual(claims.claim(BOB, 4), { kind: "claimed" });
});
