import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lazyMembersToLoad, syncState, type StateEntry, type SyncStateInput, type TimelineItem } from "../../../protocol/syncState.js";

type Ev = { event_id: string; type: string; state_key: string; sender: string; room_id: string; content: Record<string, unknown> };

const ROOM = "!r:x";
function st(eventId: string, type: string, stateKey: string, pos: number, sender = "@alice:x"): StateEntry<Ev> {
  return { eventId, type, stateKey, pos, event: { event_id: eventId, type, state_key: stateKey, sender, room_id: ROOM, content: {} } };
}
const member = (eventId: string, user: string, pos: number) => st(eventId, "m.room.member", user, pos, user);
const msg = (eventId: string, sender: string): TimelineItem => ({ event_id: eventId, type: "m.room.message", sender });
const asItem = (e: StateEntry<Ev>): TimelineItem => ({ event_id: e.eventId, type: e.type, sender: e.event.sender, state_key: e.stateKey });

function run(input: Partial<SyncStateInput<Ev>> & Pick<SyncStateInput<Ev>, "start" | "end">) {
  const r = syncState<Ev>({ timeline: [], since: undefined, limited: false, userId: "@alice:x", filterable: (e) => e, ...input });
  return { ids: r.events.map((e) => e.event_id).sort(), membersSent: r.membersSent };
}

const create = st("$create", "m.room.create", "", 1);
const alice = member("$alice", "@alice:x", 2);
const bob = member("$bob", "@bob:x", 3);
const carol = member("$carol", "@carol:x", 4);
const name1 = st("$name1", "m.room.name", "", 5);
const name2 = st("$name2", "m.room.name", "", 8);
const topic = st("$topic", "m.room.topic", "", 6);

describe("syncState: the state at the start of the timeline", () => {
  it("initial sync: all state at the timeline's start, never an event the timeline holds", () => {
    const start = [create, alice, bob, carol, name1, topic];
    const end = [create, alice, bob, carol, name2, topic];
    const r = run({ start, end, timeline: [asItem(name2), msg("$m", "@bob:x")] });
    assert.deepEqual(r.ids, ["$alice", "$bob", "$carol", "$create", "$name1", "$topic"]);
  });

  it("incremental, not limited: only what changed between since and the start (nothing when the timeline has it all)", () => {
    const end = [create, alice, bob, carol, name2, topic];
    const start = [create, alice, bob, carol, name1, topic];
    assert.deepEqual(run({ start, end, since: 7, timeline: [asItem(name2)] }).ids, []);
  });

  it("incremental, limited: the gap's state changes are sent, earlier ones are not", () => {
    const start = [create, alice, bob, carol, name1, topic];
    const end = start;
    assert.deepEqual(run({ start, end, since: 5, limited: true, timeline: [msg("$m", "@bob:x")] }).ids, ["$topic"]);
  });

  it("a state event in the timeline's range that the timeline filter dropped comes from the end state", () => {
    const start = [create, alice, name1];
    const end = [create, alice, name2];
    assert.deepEqual(run({ start, end, since: 5, timeline: [msg("$m", "@alice:x")] }).ids, ["$name2"]);
  });

  it("the room.state filter: types, not_types, senders", () => {
    const start = [create, alice, bob, name1];
    assert.deepEqual(run({ start, end: start, filter: { types: ["m.room.name"] } }).ids, ["$name1"]);
    assert.deepEqual(run({ start, end: start, filter: { not_types: ["m.room.member"] } }).ids, ["$create", "$name1"]);
    assert.deepEqual(run({ start, end: start, filter: { senders: ["@bob:x"] } }).ids, ["$bob"]);
    assert.deepEqual(run({ start, end: start, filter: { not_rooms: [ROOM] } }).ids, []);
  });
});

describe("syncState: lazy-loading members", () => {
  const start = [create, alice, bob, carol, name1];
  it("initial: the timeline's senders and the user's own membership only", () => {
    const r = run({ start, end: start, timeline: [msg("$m", "@bob:x")], lazyLoad: { extraMembers: [] } });
    assert.deepEqual(r.ids, ["$alice", "$bob", "$create", "$name1"]);
    assert.deepEqual([...r.membersSent.keys()].sort(), ["@alice:x", "@bob:x"]);
  });

  it("heroes' memberships are included", () => {
    assert.deepEqual(run({ start, end: start, timeline: [msg("$m", "@bob:x")], lazyLoad: { extraMembers: ["@carol:x"] } }).ids, ["$alice", "$bob", "$carol", "$create", "$name1"]);
  });

  it("incremental: a sender's unchanged membership is sent unless the device has it", () => {
    const t = [msg("$m", "@carol:x")];
    assert.deepEqual(run({ start, end: start, since: 5, timeline: t, lazyLoad: { extraMembers: [] } }).ids, ["$carol"]);
    assert.deepEqual(run({ start, end: start, since: 5, timeline: t, lazyLoad: { extraMembers: [], alreadySent: new Map([["@carol:x", "$carol"]]) } }).ids, []);
    // A different event than the one sent (the membership changed) is sent again.
    assert.deepEqual(run({ start, end: start, since: 5, timeline: t, lazyLoad: { extraMembers: [], alreadySent: new Map([["@carol:x", "$old"]]) } }).ids, ["$carol"]);
  });

  it("a sender whose membership the timeline carries before their events needs none in state", () => {
    const dave = member("$dave", "@dave:x", 9);
    const r = run({ start, end: [...start, dave], since: 5, timeline: [asItem(dave), msg("$m", "@dave:x")], lazyLoad: { extraMembers: [] } });
    assert.deepEqual(r.ids, []);
    assert.equal(r.membersSent.get("@dave:x"), "$dave");
  });

  it("lazyMembersToLoad: senders not preceded by their membership in the timeline, heroes, and on a full answer the user", () => {
    const t: TimelineItem[] = [msg("$1", "@bob:x"), { event_id: "$j", type: "m.room.member", sender: "@dave:x", state_key: "@dave:x" }, msg("$2", "@dave:x")];
    assert.deepEqual([...lazyMembersToLoad(t, "@alice:x", true, ["@erin:x"])].sort(), ["@alice:x", "@bob:x", "@dave:x", "@erin:x"]);
    // A member event counts for the events after it: its own sender's earlier membership is still needed (as Synapse).
    assert.deepEqual([...lazyMembersToLoad(t.slice(1), "@alice:x", false, [])].sort(), ["@dave:x"]);
    assert.deepEqual([...lazyMembersToLoad([{ event_id: "$k", type: "m.room.member", sender: "@bob:x", state_key: "@dave:x" }, msg("$2", "@dave:x")], "@alice:x", false, [])].sort(), ["@bob:x"]);
  });
});

describe("syncState: state_after (use_state_after)", () => {
  it("initial: the state at the timeline's end, timeline events included", () => {
    const end = [create, alice, name2];
    assert.deepEqual(run({ mode: "after", start: [create, alice, name1], end, timeline: [asItem(name2)] }).ids, ["$alice", "$create", "$name2"]);
  });

  it("incremental: every change since `since`, the timeline's included; lazily loaded senders even when the timeline has their membership", () => {
    const dave = member("$dave", "@dave:x", 9);
    const end = [create, alice, bob, carol, name2, dave];
    assert.deepEqual(run({ mode: "after", start: end, end, since: 7, timeline: [asItem(name2)] }).ids, ["$dave", "$name2"]);
    const r = run({ mode: "after", start: end, end, since: 9, timeline: [asItem(dave), msg("$m", "@bob:x")], lazyLoad: { extraMembers: [] } });
    assert.deepEqual(r.ids, ["$bob", "$dave"]);
    assert.deepEqual([...lazyMembersToLoad([asItem(dave), msg("$2", "@dave:x")], "@alice:x", false, [], "after")], ["@dave:x"]);
  });
});
