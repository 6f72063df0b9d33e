/** protocol/membership.ts over real room states built through the auth rules. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  isBanned,
  isInvited,
  isJoined,
  joinRuleAllowsKnock,
  joinRuleIsRestricted,
  joinRuleOf,
  joinedMembers,
  joinedServers,
  membershipOf,
  restrictedAllowRoomIds,
  usersWithMembership,
} from "../../../protocol/membership.js";
import { ALICE, BOB, CAROL, DAVE, TestRoom, version } from "./authRulesHelpers.js";

describe("membership", () => {
  const room = new TestRoom("11");
  room.join(BOB);
  room.invite(ALICE, CAROL);
  room.ban(ALICE, DAVE);

  test("membershipOf: current membership, leave when unknown", () => {
    assert.equal(membershipOf(ALICE, room.state), "join");
    assert.equal(membershipOf(CAROL, room.state), "invite");
    assert.equal(membershipOf(DAVE, room.state), "ban");
    assert.equal(membershipOf("@nobody:x.test", room.state), "leave");
  });
  test("isJoined / isInvited / isBanned", () => {
    assert.equal(isJoined(BOB, room.state), true);
    assert.equal(isJoined(CAROL, room.state), false);
    assert.equal(isInvited(CAROL, room.state), true);
    assert.equal(isBanned(DAVE, room.state), true);
  });
  test("joinedMembers, usersWithMembership and joinedServers", () => {
    assert.deepEqual(joinedMembers(room.state).sort(), [ALICE, BOB].sort());
    assert.deepEqual(usersWithMembership(room.state, "invite"), [CAROL]);
    assert.deepEqual(joinedServers(room.state).sort(), ["a.test", "b.test"]);
  });
  test("joinRuleOf: the join rule, invite when there is no join rules event", () => {
    assert.equal(joinRuleOf(room.state), "public");
    assert.equal(joinRuleOf(new TestRoom("11", { bare: true }).state), "invite");
  });
  test("joinRuleAllowsKnock / joinRuleIsRestricted follow the room version", () => {
    assert.equal(joinRuleAllowsKnock("knock", version("6")), false);
    assert.equal(joinRuleAllowsKnock("knock", version("7")), true);
    assert.equal(joinRuleAllowsKnock("knock_restricted", version("9")), false);
    assert.equal(joinRuleAllowsKnock("knock_restricted", version("10")), true);
    assert.equal(joinRuleIsRestricted("restricted", version("7")), false);
    assert.equal(joinRuleIsRestricted("restricted", version("8")), true);
    assert.equal(joinRuleIsRestricted("knock_restricted", version("9")), false);
    assert.equal(joinRuleIsRestricted("knock_restricted", version("10")), true);
    assert.equal(joinRuleIsRestricted("public", version("12")), false);
  });
  test("restrictedAllowRoomIds: room IDs of m.room_membership conditions", () => {
    const r = new TestRoom("10", { joinRule: "knock_restricted" });
    r.setJoinRule("knock_restricted", {
      allow: [{ type: "m.room_membership", room_id: "!space:a.test" }, { type: "m.other", room_id: "!x:a.test" }, { type: "m.room_membership" }, "junk"],
    });
    assert.deepEqual(restrictedAllowRoomIds(r.state, r.version), ["!space:a.test"]);
    assert.deepEqual(restrictedAllowRoomIds(r.state, version("9")), [], "knock_restricted is unknown in v9");
    assert.deepEqual(restrictedAllowRoomIds(room.state, room.version), [], "public room");
  });
});
