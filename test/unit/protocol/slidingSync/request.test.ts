/** protocol/slidingSync/request.ts: the MSC4186 request body and query, in both dialects clients send. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MAX_LISTS, MAX_SUBSCRIPTIONS, MAX_TIMELINE_LIMIT, MAX_TIMEOUT_MS, parseSlidingSyncRequest, type ListConfig, type SlidingSyncRequest } from "../../../../protocol/slidingSync/request.js";
import { SlidingSyncRequestError } from "../../../../protocol/slidingSync/errors.js";
import type { JsonObject, JsonValue } from "../../../../protocol/json.js";
import { ELEMENT_X_ROOM_LIST_STATE } from "../../../elementX.js";

const parse = (body: JsonObject, query = ""): SlidingSyncRequest => parseSlidingSyncRequest(body, new URLSearchParams(query));
const list = (fields: JsonObject): JsonObject => ({ lists: { l: fields } });
const withFilters = (filters: JsonValue): JsonObject => list({ timeline_limit: 1, filters });
const ext = (extensions: JsonObject): JsonObject => ({ extensions });

function refuses(body: JsonObject, errcode: "M_BAD_JSON" | "M_INVALID_PARAM", query = "", mentions?: string): void {
  assert.throws(
    () => parse(body, query),
    (e: unknown) => {
      assert.ok(e instanceof SlidingSyncRequestError, `expected SlidingSyncRequestError, got ${String(e)}`);
      assert.equal(e.status, 400);
      assert.equal(e.errcode, errcode, `${JSON.stringify(body)} ?${query}: ${e.message}`);
      if (mentions) assert.ok(e.message.includes(mentions), `message "${e.message}" should mention ${mentions}`);
      return true;
    },
    `${JSON.stringify(body)} ?${query} should be refused`,
  );
}

/** Element X's first "room-list" request (matrix-rust-sdk room_list_service), sent with ?timeout=0. */
const ELEMENT_X_ROOM_LIST: JsonObject = {
  conn_id: "room-list",
  lists: {
    all_rooms: {
      ranges: [[0, 19]],
      required_state: ELEMENT_X_ROOM_LIST_STATE,
      filters: {},
      timeline_limit: 1,
    },
  },
  extensions: { account_data: { enabled: true }, receipts: { enabled: true, rooms: ["*"] }, typing: { enabled: true } },
};

/** The MSC's "Example request". */
const MSC_EXAMPLE: JsonObject = {
  conn_id: "main",
  lists: {
    "foo-list": {
      range: [0, 99],
      required_state: { include: [{ type: "m.room.create", state_key: "" }], lazy_members: true },
      timeline_limit: 10,
      filters: { is_dm: true },
    },
  },
  room_subscriptions: { "!sub1:bar": { required_state: { include: [{}] }, timeline_limit: 10 } },
};

describe("parseSlidingSyncRequest: whole requests", () => {
  it("an empty body with no query is an initial request on the default connection", () => {
    const req = parse({});
    assert.equal(req.connId, "");
    assert.equal(req.pos, undefined);
    assert.equal(req.timeout, 0);
    assert.equal(req.setPresence, undefined);
    assert.equal("txnId" in req, false);
    assert.deepEqual(req.lists, {});
    assert.deepEqual(req.subscriptions, {});
    assert.deepEqual(req.extensions, {});
  });

  it("Element X's room-list request", () => {
    const req = parse(ELEMENT_X_ROOM_LIST, "timeout=0");
    assert.equal(req.connId, "room-list");
    assert.equal(req.timeout, 0);
    const l = req.lists.all_rooms;
    assert.deepEqual(l.ranges, [[0, 19]]);
    assert.equal(l.timelineLimit, 1);
    assert.deepEqual(l.filters, {});
    assert.equal(l.rangesOnly, false);
    assert.equal(l.requiredState.lazyMembers, true);
    assert.equal(l.requiredState.include.length, 16);
    assert.deepEqual(req.extensions, { accountData: {}, receipts: {}, typing: {} });
  });

  it("Element X's encryption request, then with the to_device since it was given", () => {
    const first = parse({ conn_id: "encryption", extensions: { e2ee: { enabled: true }, to_device: { enabled: true } } }, "timeout=30000");
    assert.deepEqual(first.extensions, { e2ee: {}, toDevice: { since: undefined, limit: 100 } });
    assert.equal(first.timeout, 30000);
    assert.deepEqual(first.lists, {});
    const next = parse({ conn_id: "encryption", extensions: { e2ee: { enabled: true }, to_device: { enabled: true, since: "42" } } }, "pos=p1&timeout=30000");
    assert.equal(next.pos, "p1");
    assert.deepEqual(next.extensions.toDevice, { since: "42", limit: 100 });
  });

  it("the MSC's example request", () => {
    const req = parse(MSC_EXAMPLE);
    assert.equal(req.connId, "main");
    const l = req.lists["foo-list"];
    assert.deepEqual(l.ranges, [[0, 99]]);
    assert.equal(l.timelineLimit, 10);
    assert.deepEqual(l.filters, { isDm: true });
    assert.deepEqual(l.requiredState, { include: [{ type: "m.room.create", stateKey: "" }], exclude: [], lazyMembers: true });
    assert.deepEqual(req.subscriptions, { "!sub1:bar": { timelineLimit: 10, requiredState: { include: [{}], exclude: [], lazyMembers: false } } });
  });
});

describe("parseSlidingSyncRequest: pos, timeout and set_presence, in the query or the body", () => {
  it("reads each from the query string (matrix-rust-sdk, matrix-js-sdk)", () => {
    const req = parse({}, "pos=abc.3&timeout=30000&set_presence=offline");
    assert.equal(req.pos, "abc.3");
    assert.equal(req.timeout, 30000);
    assert.equal(req.setPresence, "offline");
  });

  it("reads each from the body (the MSC)", () => {
    const req = parse({ pos: "abc.3", timeout: 5000, set_presence: "unavailable" });
    assert.equal(req.pos, "abc.3");
    assert.equal(req.timeout, 5000);
    assert.equal(req.setPresence, "unavailable");
    assert.equal(parse({ set_presence: "online" }).setPresence, "online");
  });

  it("the body wins when both give one", () => {
    const req = parse({ pos: "body", timeout: 10, set_presence: "online" }, "pos=query&timeout=20&set_presence=offline");
    assert.equal(req.pos, "body");
    assert.equal(req.timeout, 10);
    assert.equal(req.setPresence, "online");
  });

  it("an empty pos is no pos", () => {
    assert.equal(parse({}, "pos=").pos, undefined);
    assert.equal(parse({ pos: "" }).pos, undefined);
  });

  it("timeout is capped at MAX_TIMEOUT_MS", () => {
    assert.equal(parse({ timeout: MAX_TIMEOUT_MS }).timeout, MAX_TIMEOUT_MS);
    assert.equal(parse({ timeout: MAX_TIMEOUT_MS + 1 }).timeout, MAX_TIMEOUT_MS);
    assert.equal(parse({}, "timeout=86400000").timeout, MAX_TIMEOUT_MS);
    assert.equal(parse({ timeout: 0 }).timeout, 0);
  });

  it("a negative or non-integer timeout is M_INVALID_PARAM", () => {
    refuses({ timeout: -1 }, "M_INVALID_PARAM", "", "timeout");
    refuses({}, "M_INVALID_PARAM", "timeout=-1", "timeout");
    refuses({}, "M_INVALID_PARAM", "timeout=abc");
    refuses({}, "M_INVALID_PARAM", "timeout=1.5");
    refuses({}, "M_INVALID_PARAM", "timeout=");
    refuses({ timeout: 1.5 }, "M_INVALID_PARAM");
    refuses({ timeout: true }, "M_INVALID_PARAM");
  });

  it("an unknown set_presence is M_INVALID_PARAM", () => {
    refuses({}, "M_INVALID_PARAM", "set_presence=away", "set_presence");
    refuses({ set_presence: "busy" }, "M_INVALID_PARAM", "", "set_presence");
    refuses({ set_presence: 1 }, "M_INVALID_PARAM");
  });

  it("pos, conn_id and txn_id must be strings (M_BAD_JSON); conn_id at most 255 characters (M_INVALID_PARAM)", () => {
    refuses({ pos: 3 }, "M_BAD_JSON", "", "pos");
    refuses({ conn_id: 1 }, "M_BAD_JSON", "", "conn_id");
    refuses({ txn_id: 7 }, "M_BAD_JSON", "", "txn_id");
    assert.equal(parse({ conn_id: "c".repeat(255) }).connId, "c".repeat(255));
    refuses({ conn_id: "c".repeat(256) }, "M_INVALID_PARAM", "", "conn_id");
  });

  it("txn_id is kept to be echoed; without one there is none", () => {
    assert.equal(parse({ txn_id: "t1" }).txnId, "t1");
    assert.equal("txnId" in parse({}), false);
    assert.equal("txnId" in parse({ txn_id: null }), false);
  });
});

describe("parseSlidingSyncRequest: lists", () => {
  it("`range` (the MSC) and `ranges` (the clients) both give inclusive ranges; no range is the whole list", () => {
    assert.deepEqual(parse(list({ range: [0, 9] })).lists.l.ranges, [[0, 9]]);
    assert.deepEqual(parse(list({ ranges: [[0, 9], [20, 29]] })).lists.l.ranges, [
      [0, 9],
      [20, 29],
    ]);
    assert.deepEqual(parse(list({ range: [3, 3] })).lists.l.ranges, [[3, 3]]);
    assert.deepEqual(parse(list({ ranges: [] })).lists.l.ranges, []);
    assert.equal(parse(list({ timeline_limit: 1 })).lists.l.ranges, undefined);
  });

  it("`range` wins when both are given", () => {
    assert.deepEqual(parse(list({ range: [0, 4], ranges: [[10, 20]] })).lists.l.ranges, [[0, 4]]);
  });

  it("a bad range is M_INVALID_PARAM: negative, start after end, not a pair of integers", () => {
    for (const range of [[-1, 5], [5, 2], [0], [0, 1, 2], [], "0-5", [0, "5"], [0.5, 2], [0, null], 7] as JsonValue[]) {
      refuses(list({ range }), "M_INVALID_PARAM", "", "lists.l.range");
      refuses(list({ ranges: [[0, 1], range] }), "M_INVALID_PARAM", "", "lists.l.ranges[1]");
    }
    refuses(list({ ranges: [0, 5] }), "M_INVALID_PARAM", "", "lists.l.ranges[0]");
    refuses(list({ ranges: "all" }), "M_INVALID_PARAM", "", "lists.l.ranges");
  });

  it("timeline_limit is capped at MAX_TIMELINE_LIMIT, defaults to 0, and must be a non-negative integer", () => {
    assert.equal(parse(list({ timeline_limit: 5000 })).lists.l.timelineLimit, MAX_TIMELINE_LIMIT);
    assert.equal(parse(list({ timeline_limit: MAX_TIMELINE_LIMIT })).lists.l.timelineLimit, MAX_TIMELINE_LIMIT);
    assert.equal(parse(list({ timeline_limit: 20 })).lists.l.timelineLimit, 20);
    assert.equal(parse(list({ ranges: [[0, 1]] })).lists.l.timelineLimit, 0);
    refuses(list({ timeline_limit: -1 }), "M_INVALID_PARAM", "", "lists.l.timeline_limit");
    refuses(list({ timeline_limit: 2.5 }), "M_INVALID_PARAM", "", "lists.l.timeline_limit");
    refuses(list({ timeline_limit: "10" }), "M_INVALID_PARAM", "", "lists.l.timeline_limit");
  });

  it("a list with its ranges only is marked rangesOnly (matrix-js-sdk resends unchanged lists that way)", () => {
    const only = parse(list({ ranges: [[0, 99]] })).lists.l;
    assert.equal(only.rangesOnly, true);
    assert.equal(only.timelineLimit, 0);
    assert.deepEqual(only.requiredState, { include: [], exclude: [], lazyMembers: false });
    assert.deepEqual(only.filters, {});
    assert.equal(parse(list({})).lists.l.rangesOnly, true);
    assert.equal(parse(list({ ranges: [[0, 99]], timeline_limit: 0 })).lists.l.rangesOnly, false);
    assert.equal(parse(list({ ranges: [[0, 99]], required_state: [] })).lists.l.rangesOnly, false);
    assert.equal(parse(list({ ranges: [[0, 99]], filters: {} })).lists.l.rangesOnly, false);
  });

  it("at most MAX_LISTS lists (M_INVALID_PARAM beyond)", () => {
    const many = (n: number): JsonObject => ({ lists: Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, { timeline_limit: 1 }])) });
    assert.equal(MAX_LISTS, 100);
    assert.equal(Object.keys(parse(many(MAX_LISTS)).lists).length, MAX_LISTS);
    refuses(many(MAX_LISTS + 1), "M_INVALID_PARAM", "", "lists");
  });

  it("list keys follow the opaque identifier grammar (M_INVALID_PARAM otherwise)", () => {
    for (const key of ["all_rooms", "foo-list", "a.b~c_D-9", "x".repeat(255)]) {
      assert.ok(parse({ lists: { [key]: { timeline_limit: 1 } } }).lists[key], key);
    }
    for (const key of ["", "a b", "all/rooms", "émoji", "x".repeat(256), "a:b"]) {
      refuses({ lists: { [key]: { timeline_limit: 1 } } }, "M_INVALID_PARAM", "", "List key");
    }
  });

  it("a list keyed __proto__ (a valid opaque identifier) is a list like any other", () => {
    const req = parse(JSON.parse('{"lists":{"__proto__":{"timeline_limit":3,"ranges":[[0,1]]},"a":{"timeline_limit":2}}}') as JsonObject);
    assert.deepEqual(Object.keys(req.lists), ["__proto__", "a"]);
    assert.equal(Object.getPrototypeOf(req.lists), Object.prototype);
    assert.equal("timelineLimit" in req.lists, false);
    const [name, l] = Object.entries(req.lists)[0];
    assert.equal(name, "__proto__");
    assert.equal(l.timelineLimit, 3);
    assert.deepEqual(l.ranges, [[0, 1]]);
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(req.lists)) as Record<string, ListConfig>), ["__proto__", "a"]);
  });

  it("lists and each list must be objects (M_BAD_JSON); null lists are none", () => {
    refuses({ lists: [] }, "M_BAD_JSON", "", "lists");
    refuses({ lists: "all" }, "M_BAD_JSON", "", "lists");
    refuses({ lists: { l: [0, 19] } }, "M_BAD_JSON", "", "lists.l");
    refuses({ lists: { l: null } }, "M_BAD_JSON", "", "lists.l");
    assert.deepEqual(parse({ lists: null }).lists, {});
  });

  it("a bad required_state in a list is M_BAD_JSON", () => {
    refuses(list({ required_state: [["m.room.name"]] }), "M_BAD_JSON", "", "lists.l.required_state[0]");
    refuses(list({ required_state: "all" }), "M_BAD_JSON", "", "lists.l.required_state");
  });
});

describe("parseSlidingSyncRequest: list filters", () => {
  it("reads every SlidingRoomFilter field; omitted fields stay omitted", () => {
    assert.deepEqual(
      parse(
        withFilters({
          is_dm: true,
          is_encrypted: false,
          is_invited: true,
          room_types: ["m.space", null],
          not_room_types: [null],
          spaces: ["!space:x"],
          tags: ["m.favourite"],
          not_tags: ["m.lowpriority"],
        }),
      ).lists.l.filters,
      {
        isDm: true,
        isEncrypted: false,
        isInvited: true,
        roomTypes: ["m.space", null],
        notRoomTypes: [null],
        spaces: ["!space:x"],
        tags: ["m.favourite"],
        notTags: ["m.lowpriority"],
      },
    );
    assert.deepEqual(parse(withFilters({})).lists.l.filters, {});
    assert.deepEqual(parse(withFilters({ is_dm: null, tags: null })).lists.l.filters, {});
    assert.deepEqual(parse(list({ timeline_limit: 1 })).lists.l.filters, {});
  });

  it("is_invite (the clients) is read as is_invited (the MSC); is_invited wins when both are given", () => {
    assert.deepEqual(parse(withFilters({ is_invite: true })).lists.l.filters, { isInvited: true });
    assert.deepEqual(parse(withFilters({ is_invite: false })).lists.l.filters, { isInvited: false });
    assert.deepEqual(parse(withFilters({ is_invited: false, is_invite: true })).lists.l.filters, { isInvited: false });
  });

  it("a filter of the wrong type is M_BAD_JSON", () => {
    refuses(withFilters([]), "M_BAD_JSON", "", "lists.l.filters");
    refuses(withFilters({ is_dm: "yes" }), "M_BAD_JSON", "", "lists.l.filters.is_dm");
    refuses(withFilters({ is_encrypted: 1 }), "M_BAD_JSON", "", "lists.l.filters.is_encrypted");
    refuses(withFilters({ is_invite: "true" }), "M_BAD_JSON", "", "lists.l.filters.is_invited");
    refuses(withFilters({ room_types: "m.space" }), "M_BAD_JSON", "", "lists.l.filters.room_types");
    refuses(withFilters({ room_types: [1] }), "M_BAD_JSON", "", "lists.l.filters.room_types");
    refuses(withFilters({ not_room_types: [true] }), "M_BAD_JSON", "", "lists.l.filters.not_room_types");
    refuses(withFilters({ spaces: [null] }), "M_BAD_JSON", "", "lists.l.filters.spaces");
    refuses(withFilters({ tags: "m.favourite" }), "M_BAD_JSON", "", "lists.l.filters.tags");
    refuses(withFilters({ not_tags: [{}] }), "M_BAD_JSON", "", "lists.l.filters.not_tags");
  });
});

describe("parseSlidingSyncRequest: room subscriptions", () => {
  it("each subscription has its own timeline_limit (capped) and required_state", () => {
    const req = parse({
      room_subscriptions: {
        "!a:x": { timeline_limit: 20, required_state: [["m.room.pinned_events", ""]] },
        "!b:x": { timeline_limit: MAX_TIMELINE_LIMIT + 1 },
        "!c:x": {},
      },
    });
    assert.deepEqual(req.subscriptions["!a:x"], { timelineLimit: 20, requiredState: { include: [{ type: "m.room.pinned_events", stateKey: "" }], exclude: [], lazyMembers: false, wildcardsMatchMembers: true } });
    assert.equal(req.subscriptions["!b:x"].timelineLimit, MAX_TIMELINE_LIMIT);
    assert.deepEqual(req.subscriptions["!c:x"], { timelineLimit: 0, requiredState: { include: [], exclude: [], lazyMembers: false } });
  });

  it("at most MAX_SUBSCRIPTIONS subscriptions (M_INVALID_PARAM beyond)", () => {
    const many = (n: number): JsonObject => ({ room_subscriptions: Object.fromEntries(Array.from({ length: n }, (_, i) => [`!r${i}:x`, { timeline_limit: 1 }])) });
    assert.equal(MAX_SUBSCRIPTIONS, 100);
    assert.equal(Object.keys(parse(many(MAX_SUBSCRIPTIONS)).subscriptions).length, MAX_SUBSCRIPTIONS);
    refuses(many(MAX_SUBSCRIPTIONS + 1), "M_INVALID_PARAM", "", "room subscriptions");
  });

  it("a key that is not a room ID is M_INVALID_PARAM; a subscription that is not an object is M_BAD_JSON", () => {
    refuses({ room_subscriptions: { "#alias:x": { timeline_limit: 1 } } }, "M_INVALID_PARAM", "", "#alias:x");
    refuses({ room_subscriptions: { "@u:x": { timeline_limit: 1 } } }, "M_INVALID_PARAM");
    refuses({ room_subscriptions: { "!a:x": true } }, "M_BAD_JSON", "", "room_subscriptions.!a:x");
    refuses({ room_subscriptions: [] }, "M_BAD_JSON", "", "room_subscriptions");
    refuses({ room_subscriptions: { "!a:x": { timeline_limit: -3 } } }, "M_INVALID_PARAM", "", "room_subscriptions.!a:x.timeline_limit");
  });

  it("unsubscribe_rooms (matrix-js-sdk) is kept when it names rooms; a wrong type is M_BAD_JSON", () => {
    assert.deepEqual(parse({ unsubscribe_rooms: ["!a:x", "!b:x"] }).unsubscribeRooms, ["!a:x", "!b:x"]);
    assert.equal(parse({ unsubscribe_rooms: [] }).unsubscribeRooms, undefined);
    assert.equal(parse({}).unsubscribeRooms, undefined);
    refuses({ unsubscribe_rooms: "!a:x" }, "M_BAD_JSON", "", "unsubscribe_rooms");
    refuses({ unsubscribe_rooms: [1] }, "M_BAD_JSON", "", "unsubscribe_rooms");
  });
});

describe("parseSlidingSyncRequest: extensions", () => {
  it("an extension is on only with enabled: true on this request", () => {
    assert.deepEqual(parse(ext({ account_data: { enabled: false }, typing: {}, receipts: { enabled: null } })).extensions, {});
    assert.deepEqual(parse(ext({ e2ee: { enabled: true } })).extensions, { e2ee: {} });
    assert.deepEqual(parse(ext({ to_device: { enabled: true }, account_data: { enabled: true }, receipts: { enabled: true }, typing: { enabled: true } })).extensions, {
      toDevice: { since: undefined, limit: 100 },
      accountData: {},
      receipts: {},
      typing: {},
    });
  });

  it("unknown extensions are ignored, whatever their shape", () => {
    assert.deepEqual(parse(ext({ "io.element.msc4308.thread_subscriptions": { enabled: true, limit: 10 }, "org.matrix.msc4262.profiles": { enabled: true }, "x.odd": 5 })).extensions, {});
  });

  it("a known extension that is not an object, or an enabled that is not a boolean, is M_BAD_JSON", () => {
    refuses(ext({ typing: true }), "M_BAD_JSON", "", "extensions.typing");
    refuses(ext({ to_device: [] }), "M_BAD_JSON", "", "extensions.to_device");
    refuses(ext({ e2ee: { enabled: "yes" } }), "M_BAD_JSON", "", "extensions.e2ee.enabled");
    refuses({ extensions: [] }, "M_BAD_JSON", "", "extensions");
  });

  it("lists and rooms scope account_data, receipts and typing; `*` or no field means all", () => {
    const req = parse(
      ext({
        account_data: { enabled: true, lists: ["all_rooms"], rooms: ["!a:x"] },
        receipts: { enabled: true, lists: ["*"], rooms: ["!a:x", "*"] },
        typing: { enabled: true, lists: [], rooms: [] },
      }),
    );
    assert.deepEqual(req.extensions.accountData, { lists: ["all_rooms"], rooms: ["!a:x"] });
    assert.deepEqual(req.extensions.receipts, {});
    assert.deepEqual(req.extensions.typing, { lists: [], rooms: [] });
    refuses(ext({ receipts: { enabled: true, rooms: "!a:x" } }), "M_BAD_JSON", "", "extensions.receipts.rooms");
    refuses(ext({ typing: { enabled: true, lists: [1] } }), "M_BAD_JSON", "", "extensions.typing.lists");
  });

  it("to_device: since is a next_batch this server gives (digits), limit a positive integer, capped", () => {
    assert.deepEqual(parse(ext({ to_device: { enabled: true, since: "0", limit: 5 } })).extensions.toDevice, { since: "0", limit: 5 });
    assert.deepEqual(parse(ext({ to_device: { enabled: true, since: "123456789012345" } })).extensions.toDevice, { since: "123456789012345", limit: 100 });
    assert.equal(parse(ext({ to_device: { enabled: true, limit: 5000 } })).extensions.toDevice?.limit, 1000);
    for (const since of ["abc", "", "-1", "1.5", "s72594_4483_1934", "1234567890123456"]) {
      refuses(ext({ to_device: { enabled: true, since } }), "M_INVALID_PARAM", "", "extensions.to_device.since");
    }
    refuses(ext({ to_device: { enabled: true, since: 12 } }), "M_BAD_JSON", "", "extensions.to_device.since");
    for (const limit of [0, -1, 1.5, "10"] as JsonValue[]) {
      refuses(ext({ to_device: { enabled: true, limit } }), "M_INVALID_PARAM", "", "extensions.to_device.limit");
    }
  });

  it("a disabled extension is not read further", () => {
    assert.deepEqual(parse(ext({ to_device: { enabled: false, since: "not a number", limit: -1 } })).extensions, {});
  });
});
