import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { heroesOf, isNamed, roomSummary, type MemberEntry } from "../../../protocol/roomSummary.js";

const m = (userId: string, membership: string, pos: number, ts = 0): MemberEntry => ({ userId, membership, pos, ts });

describe("room summary (spec: GET /sync RoomSummary)", () => {
  it("counts joined and invited members, the user included", () => {
    const s = roomSummary([m("@me:x", "join", 1), m("@a:x", "join", 2), m("@b:x", "invite", 3), m("@c:x", "leave", 4)], "@me:x", false);
    assert.equal(s["m.joined_member_count"], 2);
    assert.equal(s["m.invited_member_count"], 1);
    assert.deepEqual(s["m.heroes"], ["@a:x", "@b:x"]);
  });

  it("heroes: joined then invited, each by stream ordering, never the user, at most 5", () => {
    const members = [m("@me:x", "join", 1), m("@z:x", "join", 2), m("@inv:x", "invite", 3), m("@a:x", "join", 4), m("@y:x", "join", 5), m("@b:x", "join", 6), m("@c:x", "join", 7)];
    assert.deepEqual(heroesOf(members, "@me:x"), ["@z:x", "@a:x", "@y:x", "@b:x", "@c:x"]);
  });

  it("heroes: ties of stream ordering (the state copied at a join) go by origin_server_ts, then user ID", () => {
    assert.deepEqual(heroesOf([m("@b:x", "join", 1, 20), m("@c:x", "join", 1, 10), m("@a:x", "join", 1, 20)], "@me:x"), ["@c:x", "@a:x", "@b:x"]);
  });

  it("heroes: with nobody joined or invited but the user, those who left then those banned", () => {
    const members = [m("@me:x", "join", 1), m("@ban:x", "ban", 2), m("@gone:x", "leave", 3)];
    assert.deepEqual(heroesOf(members, "@me:x"), ["@gone:x", "@ban:x"]);
    assert.deepEqual(heroesOf([m("@me:x", "join", 1)], "@me:x"), []);
  });

  it("a room with a name or canonical alias gets no heroes", () => {
    assert.equal(roomSummary([m("@a:x", "join", 1)], "@me:x", true)["m.heroes"], undefined);
    assert.equal(isNamed({ name: "Room" }, undefined), true);
    assert.equal(isNamed({ name: "" }, { alias: "" }), false);
    assert.equal(isNamed(undefined, { alias: "#a:x" }), true);
    assert.equal(isNamed(undefined, undefined), false);
  });
});
