/** protocol/slidingSync/roomList.ts: MSC4186 "Lists" (activity order, SlidingRoomFilter, ranges and counts). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { inRanges, matchesFilters, orderByActivity, windowOf, type ListedRoom } from "../../../../protocol/slidingSync/roomList.js";
import type { ListFilters } from "../../../../protocol/slidingSync/request.js";

const room = (roomId: string, fields: Partial<ListedRoom> = {}): ListedRoom => ({
  roomId,
  membership: "join",
  activity: 0,
  isDm: false,
  isEncrypted: false,
  roomType: null,
  tags: [],
  ...fields,
});
const ids = (rooms: readonly ListedRoom[]) => rooms.map((r) => r.roomId);
const kept = (rooms: readonly ListedRoom[], f: ListFilters, spaceChildren?: ReadonlySet<string>) => ids(rooms.filter((r) => matchesFilters(r, f, spaceChildren)));

describe("orderByActivity", () => {
  it("most recent activity first; equal activity by room ID; the input is left as it was", () => {
    const input = [room("!c:x", { activity: 5 }), room("!a:x", { activity: 1 }), room("!b:x", { activity: 5 }), room("!d:x", { activity: 9 }), room("!A:x", { activity: 5 })];
    const before = ids(input);
    assert.deepEqual(ids(orderByActivity(input)), ["!d:x", "!A:x", "!b:x", "!c:x", "!a:x"]);
    assert.deepEqual(ids(input), before);
  });

  it("the order does not depend on the input order", () => {
    const rooms = [room("!b:x", { activity: 2 }), room("!a:x", { activity: 2 }), room("!c:x", { activity: 3 })];
    assert.deepEqual(ids(orderByActivity(rooms)), ids(orderByActivity([...rooms].reverse())));
    assert.deepEqual(orderByActivity([]), []);
  });
});

describe("matchesFilters", () => {
  it("no filter keeps every room", () => {
    const rooms = [room("!a:x", { membership: "invite" }), room("!b:x", { isDm: true, roomType: "m.space", tags: ["u.x"] }), room("!c:x", { membership: "leave" })];
    assert.deepEqual(kept(rooms, {}), ["!a:x", "!b:x", "!c:x"]);
  });

  it("is_dm: true only DMs, false only non-DMs", () => {
    const rooms = [room("!dm:x", { isDm: true }), room("!group:x")];
    assert.deepEqual(kept(rooms, { isDm: true }), ["!dm:x"]);
    assert.deepEqual(kept(rooms, { isDm: false }), ["!group:x"]);
  });

  it("is_encrypted: true only encrypted rooms, false only unencrypted ones", () => {
    const rooms = [room("!e:x", { isEncrypted: true }), room("!p:x")];
    assert.deepEqual(kept(rooms, { isEncrypted: true }), ["!e:x"]);
    assert.deepEqual(kept(rooms, { isEncrypted: false }), ["!p:x"]);
  });

  it("is_invited: true only invites, false no invites (joined, left, knocked and banned rooms stay)", () => {
    const rooms = [room("!i:x", { membership: "invite" }), room("!j:x"), room("!l:x", { membership: "leave" }), room("!k:x", { membership: "knock" }), room("!b:x", { membership: "ban" })];
    assert.deepEqual(kept(rooms, { isInvited: true }), ["!i:x"]);
    assert.deepEqual(kept(rooms, { isInvited: false }), ["!j:x", "!l:x", "!k:x", "!b:x"]);
  });

  it("room_types: the create event's type, null for rooms without one", () => {
    const rooms = [room("!space:x", { roomType: "m.space" }), room("!plain:x", { roomType: null }), room("!custom:x", { roomType: "org.example.type" })];
    assert.deepEqual(kept(rooms, { roomTypes: ["m.space"] }), ["!space:x"]);
    assert.deepEqual(kept(rooms, { roomTypes: [null] }), ["!plain:x"]);
    assert.deepEqual(kept(rooms, { roomTypes: [null, "org.example.type"] }), ["!plain:x", "!custom:x"]);
    assert.deepEqual(kept(rooms, { roomTypes: [] }), []);
  });

  it("not_room_types removes those types, and wins over room_types", () => {
    const rooms = [room("!space:x", { roomType: "m.space" }), room("!plain:x", { roomType: null })];
    assert.deepEqual(kept(rooms, { notRoomTypes: ["m.space"] }), ["!plain:x"]);
    assert.deepEqual(kept(rooms, { notRoomTypes: [null] }), ["!space:x"]);
    assert.deepEqual(kept(rooms, { roomTypes: ["m.space", null], notRoomTypes: ["m.space"] }), ["!plain:x"]);
    assert.deepEqual(kept(rooms, { roomTypes: [null], notRoomTypes: [null] }), []);
  });

  it("spaces: only the children of the listed spaces, as the caller gives them", () => {
    const rooms = [room("!child:x"), room("!other:x"), room("!space:x", { roomType: "m.space" })];
    assert.deepEqual(kept(rooms, { spaces: ["!space:x"] }, new Set(["!child:x"])), ["!child:x"]);
    assert.deepEqual(kept(rooms, { spaces: ["!unknown:x"] }, undefined), []);
    assert.deepEqual(kept(rooms, {}, new Set(["!child:x"])), ["!child:x", "!other:x", "!space:x"], "children matter only under a spaces filter");
  });

  it("tags: rooms with any of the tags (OR'd)", () => {
    const rooms = [room("!fav:x", { tags: ["m.favourite"] }), room("!low:x", { tags: ["m.lowpriority"] }), room("!both:x", { tags: ["u.work", "m.favourite"] }), room("!none:x")];
    assert.deepEqual(kept(rooms, { tags: ["m.favourite"] }), ["!fav:x", "!both:x"]);
    assert.deepEqual(kept(rooms, { tags: ["m.lowpriority", "u.work"] }), ["!low:x", "!both:x"]);
  });

  it("not_tags removes rooms with any of them, and wins over tags (the MSC's A/B example)", () => {
    const rooms = [room("!ab:x", { tags: ["A", "B"] }), room("!a:x", { tags: ["A"] }), room("!none:x")];
    assert.deepEqual(kept(rooms, { tags: ["A"], notTags: ["B"] }), ["!a:x"]);
    assert.deepEqual(kept(rooms, { notTags: ["A"] }), ["!none:x"]);
    assert.deepEqual(kept(rooms, { notTags: ["m.favourite"] }), ["!ab:x", "!a:x", "!none:x"]);
  });

  it("all given filters must hold", () => {
    const rooms = [room("!dmEnc:x", { isDm: true, isEncrypted: true }), room("!dm:x", { isDm: true }), room("!enc:x", { isEncrypted: true })];
    assert.deepEqual(kept(rooms, { isDm: true, isEncrypted: true }), ["!dmEnc:x"]);
  });
});

describe("windowOf and inRanges", () => {
  const ordered = orderByActivity(Array.from({ length: 6 }, (_, i) => room(`!r${i}:x`, { activity: 100 - i, isDm: i % 2 === 0 })));

  it("no ranges: the whole filtered list", () => {
    const w = windowOf(ordered, {}, undefined);
    assert.equal(w.count, 6);
    assert.deepEqual(ids(w.rooms), ["!r0:x", "!r1:x", "!r2:x", "!r3:x", "!r4:x", "!r5:x"]);
    assert.equal(inRanges(1000, undefined), true);
  });

  it("ranges are inclusive and 0-indexed; the count ignores them", () => {
    const w = windowOf(ordered, {}, [[0, 1]]);
    assert.equal(w.count, 6);
    assert.deepEqual(ids(w.rooms), ["!r0:x", "!r1:x"]);
    assert.deepEqual(ids(windowOf(ordered, {}, [[2, 2]]).rooms), ["!r2:x"]);
  });

  it("several ranges, overlapping or out of order, give each room once, in list order", () => {
    assert.deepEqual(ids(windowOf(ordered, {}, [[4, 5], [0, 0]]).rooms), ["!r0:x", "!r4:x", "!r5:x"]);
    assert.deepEqual(ids(windowOf(ordered, {}, [[0, 2], [1, 3]]).rooms), ["!r0:x", "!r1:x", "!r2:x", "!r3:x"]);
  });

  it("a range past the end gives what there is; an empty list of ranges gives no rooms but the count", () => {
    assert.deepEqual(ids(windowOf(ordered, {}, [[4, 99]]).rooms), ["!r4:x", "!r5:x"]);
    assert.deepEqual(ids(windowOf(ordered, {}, [[10, 19]]).rooms), []);
    const none = windowOf(ordered, {}, []);
    assert.equal(none.count, 6);
    assert.deepEqual(none.rooms, []);
    assert.equal(inRanges(0, []), false);
  });

  it("ranges index into the filtered list, and the count is of the filtered list", () => {
    const dms = windowOf(ordered, { isDm: true }, [[1, 2]]);
    assert.equal(dms.count, 3);
    assert.deepEqual(ids(dms.rooms), ["!r2:x", "!r4:x"]);
    const nothing = windowOf(ordered, { isEncrypted: true }, [[0, 19]]);
    assert.equal(nothing.count, 0);
    assert.deepEqual(nothing.rooms, []);
  });

  it("the spaces filter takes the caller's children", () => {
    const w = windowOf(ordered, { spaces: ["!s:x"] }, [[0, 0]], new Set(["!r3:x", "!r5:x"]));
    assert.equal(w.count, 2);
    assert.deepEqual(ids(w.rooms), ["!r3:x"]);
  });
});
