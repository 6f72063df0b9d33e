/** protocol/slidingSync/bumpStamp.ts: the event types that bump a room's bump_stamp (MSC4186 "RoomResult"). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { BUMP_EVENT_TYPES, isBumpEvent } from "../../../../protocol/slidingSync/bumpStamp.js";

describe("bump event types", () => {
  it("messages, encrypted events, stickers, calls, polls, beacons and the create event bump a room", () => {
    for (const type of ["m.room.create", "m.room.message", "m.room.encrypted", "m.sticker", "m.call.invite", "m.poll.start", "m.beacon_info"]) {
      assert.equal(isBumpEvent(type), true, type);
    }
    assert.equal(BUMP_EVENT_TYPES.length, 7);
  });

  it("state changes and other activity do not", () => {
    for (const type of ["m.room.member", "m.room.name", "m.room.topic", "m.room.power_levels", "m.reaction", "m.room.redaction", "m.call.answer", "m.receipt", "m.typing", "", "M.ROOM.MESSAGE"]) {
      assert.equal(isBumpEvent(type), false, type);
    }
  });

  it("the user schema's bump_pos backfill names the same types", () => {
    // Read as text: schema/ is typed against the Workers runtime, which this Node test is not.
    const schema = readFileSync(new URL("../../../../schema/user.ts", import.meta.url), "utf8");
    const list = /bump_pos = [^;]*json_extract\(s\.json, '\$\.event\.type'\) IN \(([^)]*)\)/.exec(schema)?.[1];
    assert.ok(list, "the backfill has no IN list of types");
    const types = list.split(",").map((t) => t.trim().replace(/^'|'$/g, ""));
    assert.deepEqual([...types].sort(), [...BUMP_EVENT_TYPES].sort());
  });
});
