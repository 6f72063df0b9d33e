/** protocol/slidingSync/requiredState.ts: MSC4186 "RequiredStateRequest", both request forms. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { anyLazyMembers, parseRequiredState, wantsState, wantsStateAny, type RequiredState } from "../../../../protocol/slidingSync/requiredState.js";
import { SlidingSyncRequestError } from "../../../../protocol/slidingSync/errors.js";
import type { JsonValue } from "../../../../protocol/json.js";
import { ELEMENT_X_ROOM_LIST_STATE } from "../../../elementX.js";

const ME = "@me:x";
const rs = (raw: JsonValue) => parseRequiredState(raw, "lists.l");
const wants = (r: RequiredState, type: string, stateKey: string) => wantsState(r, type, stateKey, ME);

function refused(raw: JsonValue, mentions: string): void {
  assert.throws(
    () => rs(raw),
    (e: unknown) => {
      assert.ok(e instanceof SlidingSyncRequestError, `expected SlidingSyncRequestError, got ${String(e)}`);
      assert.equal(e.status, 400);
      assert.equal(e.errcode, "M_BAD_JSON");
      assert.ok(e.message.includes(mentions), `message "${e.message}" should mention ${mentions}`);
      return true;
    },
  );
}


describe("parseRequiredState: the pair form", () => {
  it("reads `*` as an omitted field, $LAZY on m.room.member as lazy members, and keeps $ME for matching", () => {
    assert.deepEqual(
      rs([
        ["*", "*"],
        ["*", ""],
        ["m.space.child", "*"],
        ["m.room.name", ""],
        ["m.room.member", "$LAZY"],
        ["m.room.member", "$ME"],
      ]),
      {
        include: [{}, { stateKey: "" }, { type: "m.space.child" }, { type: "m.room.name", stateKey: "" }, { type: "m.room.member", stateKey: "$ME" }],
        exclude: [],
        lazyMembers: true,
        wildcardsMatchMembers: true,
      },
    );
  });

  it("$LAZY is only special on m.room.member; elsewhere it is a literal state_key", () => {
    const r = rs([["m.room.name", "$LAZY"]]);
    assert.deepEqual(r, { include: [{ type: "m.room.name", stateKey: "$LAZY" }], exclude: [], lazyMembers: false, wildcardsMatchMembers: true });
    assert.equal(wants(r, "m.room.name", "$LAZY"), true);
    assert.equal(wants(r, "m.room.name", ""), false);
  });

  it("an empty list and an omitted required_state ask for nothing", () => {
    for (const r of [rs([]), parseRequiredState(undefined, "lists.l")]) {
      assert.deepEqual({ include: r.include, exclude: r.exclude, lazyMembers: r.lazyMembers }, { include: [], exclude: [], lazyMembers: false });
      assert.equal(wants(r, "m.room.create", ""), false);
      assert.equal(wants(r, "m.room.member", ME), false);
    }
  });

  it("Element X's room list: its named state, every key of the wildcard types, its own member, and other members only lazily", () => {
    const r = rs(ELEMENT_X_ROOM_LIST_STATE);
    assert.equal(r.lazyMembers, true);
    assert.equal(r.include.length, 16);
    assert.deepEqual(r.exclude, []);
    for (const type of ["m.room.name", "m.room.encryption", "m.room.create", "m.room.power_levels", "io.element.functional_members"]) {
      assert.equal(wants(r, type, ""), true, type);
      assert.equal(wants(r, type, "other"), false, `${type} with another state_key`);
    }
    assert.equal(wants(r, "m.space.child", "!a:x"), true);
    assert.equal(wants(r, "m.space.parent", "!b:x"), true);
    assert.equal(wants(r, "org.matrix.msc3401.call.member", "_@u:x_DEV"), true);
    assert.equal(wants(r, "m.room.member", ME), true);
    assert.equal(wants(r, "m.room.member", "@other:x"), false);
    assert.equal(wants(r, "m.room.third_party_invite", "tok"), false);
    assert.equal(wants(r, "m.room.server_acl", ""), false);
  });

  it("a malformed pair list is M_BAD_JSON, naming where", () => {
    refused([["m.room.name"]], "lists.l.required_state[0]");
    refused([["m.room.name", "", "x"]], "lists.l.required_state[0]");
    refused([["m.room.name", ""], ["m.room.member", 5]], "lists.l.required_state[1]");
    refused([[null, ""]], "lists.l.required_state[0]");
    refused(["m.room.name"], "lists.l.required_state[0]");
    refused([{ type: "m.room.name" }], "lists.l.required_state[0]");
  });
});

describe("parseRequiredState: the {include, exclude, lazy_members} form", () => {
  it("reads each element's type and state_key; an omitted field stays omitted", () => {
    assert.deepEqual(
      rs({
        include: [{}, { type: "m.room.create", state_key: "" }, { state_key: "@u:x" }, { type: "m.space.child" }],
        exclude: [{ type: "m.room.create", state_key: "" }],
        lazy_members: true,
      }),
      {
        include: [{}, { type: "m.room.create", stateKey: "" }, { stateKey: "@u:x" }, { type: "m.space.child" }],
        exclude: [{ type: "m.room.create", stateKey: "" }],
        lazyMembers: true,
      },
    );
  });

  it("every field is optional: {} asks for nothing, and lazy_members defaults to false", () => {
    assert.deepEqual(rs({}), { include: [], exclude: [], lazyMembers: false });
    assert.deepEqual(rs({ lazy_members: false }), { include: [], exclude: [], lazyMembers: false });
    assert.equal(rs({ include: [{}] }).lazyMembers, false);
  });

  it("a wrong shape is M_BAD_JSON, naming where", () => {
    refused("everything", "lists.l.required_state");
    refused(5, "lists.l.required_state");
    refused({ lazy_members: "yes" }, "lists.l.required_state.lazy_members");
    refused({ include: {} }, "lists.l.required_state.include");
    refused({ exclude: "m.room.create" }, "lists.l.required_state.exclude");
    refused({ include: [{}, "m.room.create"] }, "lists.l.required_state.include[1]");
    refused({ include: [{ type: 1 }] }, "lists.l.required_state.include[0].type");
    refused({ exclude: [{ state_key: null }] }, "lists.l.required_state.exclude[0].state_key");
  });
});

describe("wantsState", () => {
  it("an omitted type matches every type, an omitted state_key every state_key", () => {
    const byKey = rs({ include: [{ state_key: "" }] });
    assert.equal(wants(byKey, "m.room.name", ""), true);
    assert.equal(wants(byKey, "m.room.topic", ""), true);
    assert.equal(wants(byKey, "m.space.child", "!a:x"), false);
    const byType = rs({ include: [{ type: "m.space.child" }] });
    assert.equal(wants(byType, "m.space.child", "!a:x"), true);
    assert.equal(wants(byType, "m.space.child", ""), true);
    assert.equal(wants(byType, "m.space.parent", "!a:x"), false);
    const all = rs([["*", "*"]]);
    assert.equal(wants(all, "m.room.member", "@anyone:x"), true);
    assert.equal(wants(all, "x.custom", "k"), true);
  });

  it("$ME as a state_key is the requesting user, with or without a type", () => {
    const r = rs([["*", "$ME"]]);
    assert.equal(wants(r, "m.room.member", ME), true);
    assert.equal(wants(r, "org.matrix.msc3401.call.member", ME), true);
    assert.equal(wants(r, "m.room.member", "@other:x"), false);
    assert.equal(wants(r, "m.room.member", "$ME"), false);
    assert.equal(wantsState(r, "m.room.member", "@other:x", "@other:x"), true);
    const obj = rs({ include: [{ type: "m.room.member", state_key: "$ME" }] });
    assert.equal(wants(obj, "m.room.member", ME), true);
    assert.equal(wants(obj, "m.room.member", "@other:x"), false);
  });

  it("exclude filters out what include matched, wildcards and $ME included", () => {
    const r = rs({ include: [{}], exclude: [{ type: "m.room.member" }, { state_key: "secret" }, { type: "m.space.child", state_key: "!gone:x" }] });
    assert.equal(wants(r, "m.room.member", ME), false);
    assert.equal(wants(r, "m.room.member", "@u:x"), false);
    assert.equal(wants(r, "x.custom", "secret"), false);
    assert.equal(wants(r, "x.custom", "open"), true);
    assert.equal(wants(r, "m.space.child", "!gone:x"), false);
    assert.equal(wants(r, "m.space.child", "!kept:x"), true);
    const notMe = rs({ include: [{ type: "m.room.member" }], exclude: [{ state_key: "$ME" }] });
    assert.equal(wants(notMe, "m.room.member", ME), false);
    assert.equal(wants(notMe, "m.room.member", "@u:x"), true);
    const nothing = rs({ include: [{}], exclude: [{}] });
    assert.equal(wants(nothing, "m.room.create", ""), false);
  });

  it("exclude alone asks for nothing", () => {
    const r = rs({ exclude: [{ type: "m.room.create" }] });
    assert.equal(wants(r, "m.room.name", ""), false);
  });

  it("under lazy members, wildcards never match member events, but other state still matches", () => {
    for (const r of [rs({ include: [{}], lazy_members: true }), rs({ include: [{ type: "m.room.member" }], lazy_members: true })]) {
      assert.equal(wants(r, "m.room.member", "@u:x"), false);
      assert.equal(wants(r, "m.room.member", ME), false);
    }
    const r = rs({ include: [{}], lazy_members: true });
    assert.equal(wants(r, "m.room.name", ""), true);
    assert.equal(wants(r, "m.space.child", "!a:x"), true);
    assert.equal(wants(r, "org.matrix.msc3401.call.member", "@u:x"), true);
  });

  it("the pair form: a wildcard matches member events even with $LAZY (as Synapse serves it)", () => {
    for (const r of [
      rs([
        ["*", "*"],
        ["m.room.member", "$LAZY"],
      ]),
      rs([
        ["m.room.member", "*"],
        ["m.room.member", "$LAZY"],
      ]),
    ]) {
      assert.equal(r.lazyMembers, true);
      assert.equal(wants(r, "m.room.member", "@u:x"), true);
      assert.equal(wants(r, "m.room.member", ME), true);
    }
  });

  it("under lazy members, an explicit state_key or $ME still matches a member event", () => {
    const r = rs({ include: [{}, { type: "m.room.member", state_key: "@user:id" }], lazy_members: true });
    assert.equal(wants(r, "m.room.member", "@user:id"), true);
    assert.equal(wants(r, "m.room.member", "@other:id"), false);
    const pairs = rs([
      ["m.room.member", "$LAZY"],
      ["m.room.member", "$ME"],
    ]);
    assert.equal(wants(pairs, "m.room.member", ME), true);
    assert.equal(wants(pairs, "m.room.member", "@u:x"), false);
    const typeless = rs([
      ["m.room.member", "$LAZY"],
      ["*", "$ME"],
    ]);
    assert.equal(wants(typeless, "m.room.member", ME), true);
  });

  it("without lazy members, a member wildcard returns every member", () => {
    const r = rs({ include: [{ type: "m.room.member" }] });
    assert.equal(wants(r, "m.room.member", "@u:x"), true);
    assert.equal(wants(r, "m.room.member", ME), true);
  });
});

describe("the MSC's examples", () => {
  it("Examples: the create event and power levels", () => {
    const r = rs({
      include: [
        { type: "m.room.create", state_key: "" },
        { type: "m.room.power_levels", state_key: "" },
      ],
    });
    assert.equal(r.lazyMembers, false);
    assert.equal(wants(r, "m.room.create", ""), true);
    assert.equal(wants(r, "m.room.power_levels", ""), true);
    assert.equal(wants(r, "m.room.name", ""), false);
    assert.equal(wants(r, "m.room.member", ME), false);
    assert.equal(wants(r, "m.room.create", "x"), false);
  });

  it("Examples: all the state except the create event", () => {
    const r = rs({ include: [{}], exclude: [{ type: "m.room.create", state_key: "" }] });
    assert.equal(wants(r, "m.room.create", ""), false);
    assert.equal(wants(r, "m.room.name", ""), true);
    assert.equal(wants(r, "m.room.member", "@u:x"), true);
    assert.equal(wants(r, "m.space.child", "!c:x"), true);
  });

  it("Lazy loaded memberships: all state but members, which come lazily", () => {
    const r = rs({ include: [{}], lazy_members: true });
    assert.equal(r.lazyMembers, true);
    assert.equal(anyLazyMembers([r]), true);
    assert.equal(wants(r, "m.room.power_levels", ""), true);
    assert.equal(wants(r, "m.room.member", "@u:x"), false);
    assert.equal(wants(r, "m.room.member", ME), false, "the user's own membership is not necessarily included");
  });

  it("Lazy loaded memberships: always including a specific user", () => {
    const r = rs({ include: [{}, { type: "m.room.member", state_key: "@user:id" }], lazy_members: true });
    assert.equal(wants(r, "m.room.member", "@user:id"), true);
    assert.equal(wants(r, "m.room.member", "@someone:else"), false);
    assert.equal(wants(r, "m.room.topic", ""), true);
    // "This can be used to always include the user's own membership event."
    const own = rs({ include: [{}, { type: "m.room.member", state_key: ME }], lazy_members: true });
    assert.equal(wants(own, "m.room.member", ME), true);
  });

  it("Example request: the list's create event with lazy members, the subscription's everything", () => {
    const list = rs({ include: [{ type: "m.room.create", state_key: "" }], lazy_members: true });
    const sub = rs({ include: [{}] });
    assert.equal(wants(list, "m.room.create", ""), true);
    assert.equal(wants(list, "m.room.name", ""), false);
    assert.equal(wants(sub, "m.room.member", "@u:x"), true);
    assert.equal(wants(sub, "m.room.name", ""), true);
  });
});

describe("combining configs (wantsStateAny, anyLazyMembers)", () => {
  it("an event is wanted when any config wants it", () => {
    const a = rs({ include: [{ type: "m.room.create", state_key: "" }] });
    const b = rs([["m.room.name", ""]]);
    assert.equal(wantsStateAny([a, b], "m.room.create", "", ME), true);
    assert.equal(wantsStateAny([a, b], "m.room.name", "", ME), true);
    assert.equal(wantsStateAny([a, b], "m.room.topic", "", ME), false);
  });

  it("one config's exclude does not remove what another config asks for", () => {
    const a = rs({ include: [{}], exclude: [{ type: "m.room.create" }] });
    const b = rs({ include: [{ type: "m.room.create", state_key: "" }] });
    assert.equal(wantsStateAny([a], "m.room.create", "", ME), false);
    assert.equal(wantsStateAny([a, b], "m.room.create", "", ME), true);
  });

  it("a lazy config with one that returns every member gives every member", () => {
    const lazy = rs({ include: [{}], lazy_members: true });
    const allMembers = rs({ include: [{ type: "m.room.member" }] });
    assert.equal(wantsStateAny([lazy], "m.room.member", "@u:x", ME), false);
    assert.equal(wantsStateAny([lazy, allMembers], "m.room.member", "@u:x", ME), true);
    assert.equal(wantsStateAny([allMembers, lazy], "m.room.name", "", ME), true);
  });

  it("lazy members are loaded when any config loads them lazily", () => {
    const lazy = rs([["m.room.member", "$LAZY"]]);
    const plain = rs([["m.room.create", ""]]);
    assert.equal(anyLazyMembers([plain, lazy]), true);
    assert.equal(anyLazyMembers([plain]), false);
    assert.equal(anyLazyMembers([]), false);
    assert.equal(wantsStateAny([], "m.room.create", "", ME), false);
  });
});
