/** The m.room.member rules of every room version: join, invite (incl. third-party), leave/kick/unban, ban, knock. */
import { describe, test } from "node:test";
import type { RuleId } from "../../../protocol/authRules/index.js";
import type { JsonObject } from "../../../protocol/json.js";
import type { RoomVersion } from "../../../protocol/roomVersions.js";
import type { EventSpec, RoomOptions } from "./authRulesHelpers.js";
import { ALICE, ALL_VERSIONS, BOB, CAROL, DAVE, TestRoom, expectResult, identityServerKey, pl } from "./authRulesHelpers.js";

interface Case {
  name: string;
  applies?: (v: RoomVersion) => boolean;
  room?: RoomOptions;
  setup?: (room: TestRoom) => void;
  event: (room: TestRoom) => EventSpec;
  expect: (v: RoomVersion) => "allow" | RuleId;
}

const member = (sender: string, target: string, membership: string | number, extra: JsonObject = {}): EventSpec => ({
  type: "m.room.member",
  sender,
  state_key: target,
  content: { membership, ...extra },
});
const always =
  (r: "allow" | RuleId) =>
  (): "allow" | RuleId =>
    r;
const restricted = (v: RoomVersion): boolean => v.restrictedJoin;
const knocking = (v: RoomVersion): boolean => v.knock;
const sig = (server: string): Record<string, Record<string, string>> => ({ [server]: { "ed25519:k": "fakesig" } });
const bothSigned = (a: string, b: string): Record<string, Record<string, string>> => ({ ...sig(a), ...sig(b) });

const cases: Case[] = [
  // ---- shape ------------------------------------------------------------------------------
  {
    name: "member event without state_key is refused",
    event: () => ({ type: "m.room.member", sender: BOB, content: { membership: "join" } }),
    expect: always("member.malformed"),
  },
  {
    name: "member event without content.membership is refused",
    event: () => ({ type: "m.room.member", sender: BOB, state_key: BOB, content: {} }),
    expect: always("member.malformed"),
  },
  {
    name: "unknown membership is refused",
    event: () => member(BOB, BOB, "wander"),
    expect: always("member.unknown_membership"),
  },
  {
    name: "non-string membership is refused as unknown",
    event: () => member(BOB, BOB, 1),
    expect: always("member.unknown_membership"),
  },

  // ---- join -------------------------------------------------------------------------------
  {
    name: "join .1: the creator's first join right after the create event is allowed",
    room: { bare: true },
    event: (r) => ({ ...member(ALICE, ALICE, "join"), prev_events: [r.create.event_id] }),
    expect: always("allow"),
  },
  {
    name: "join .1: someone else's first join right after the create event has no join rule to pass",
    room: { bare: true },
    event: (r) => ({ ...member(BOB, BOB, "join"), prev_events: [r.create.event_id] }),
    expect: always("member.join.forbidden"),
  },
  {
    name: "join .1: before v11 the creator is content.creator, from v11 the create sender",
    room: { bare: true, createContent: { creator: CAROL } },
    event: (r) => ({ ...member(ALICE, ALICE, "join"), prev_events: [r.create.event_id] }),
    expect: (v) => (v.v11EventFormat ? "allow" : "member.join.forbidden"),
  },
  {
    name: "join .1: the creator's join with two prev_events is judged by the ordinary rules",
    room: { bare: true },
    event: (r) => ({ ...member(ALICE, ALICE, "join"), prev_events: [r.create.event_id, "$other"] }),
    expect: always("member.join.forbidden"),
  },
  {
    name: "join .2: joining on someone else's behalf is refused",
    event: () => member(ALICE, BOB, "join"),
    expect: always("member.join.sender_mismatch"),
  },
  {
    name: "join .3: a banned user cannot rejoin a public room",
    setup: (r) => {
      r.join(BOB);
      r.ban(ALICE, BOB);
    },
    event: () => member(BOB, BOB, "join"),
    expect: always("member.join.banned"),
  },
  {
    name: "join .3: a banned user cannot rejoin even with a pending invite state overwritten by the ban",
    room: { joinRule: "invite" },
    setup: (r) => {
      r.invite(ALICE, BOB);
      r.ban(ALICE, BOB);
    },
    event: () => member(BOB, BOB, "join"),
    expect: always("member.join.banned"),
  },
  {
    name: "join .4: invite-only room refuses a join without invite",
    room: { joinRule: "invite" },
    event: () => member(BOB, BOB, "join"),
    expect: always("member.join.forbidden"),
  },
  {
    name: "join .4: invite-only room admits the invited",
    room: { joinRule: "invite" },
    setup: (r) => r.invite(ALICE, BOB),
    event: () => member(BOB, BOB, "join"),
    expect: always("allow"),
  },
  {
    name: "join .4: a joined member may re-send their join (profile change) in an invite-only room",
    room: { joinRule: "invite" },
    setup: (r) => {
      r.invite(ALICE, BOB);
      r.join(BOB);
    },
    event: () => member(BOB, BOB, "join", { displayname: "Bob" }),
    expect: always("allow"),
  },
  {
    name: "join .4: a room without join rules event behaves as invite-only",
    room: { bare: true },
    setup: (r) => {
      r.join(ALICE);
      r.invite(ALICE, BOB);
    },
    event: () => member(BOB, BOB, "join"),
    expect: always("allow"),
  },
  {
    name: "join .4: knock join rule admits the invited from v7 (v1–6 do not know it)",
    room: { joinRule: "knock" },
    setup: (r) => r.invite(ALICE, BOB),
    event: () => member(BOB, BOB, "join"),
    expect: (v) => (v.knock ? "allow" : "member.join.forbidden"),
  },
  {
    name: "join .4: knock join rule refuses the uninvited",
    room: { joinRule: "knock" },
    event: () => member(BOB, BOB, "join"),
    expect: always("member.join.forbidden"),
  },
  {
    name: "join public: anyone not banned may join",
    event: () => member(BOB, BOB, "join"),
    expect: always("allow"),
  },
  {
    name: "join otherwise: private join rule admits nobody",
    room: { joinRule: "private" },
    event: () => member(BOB, BOB, "join"),
    expect: always("member.join.forbidden"),
  },
  {
    name: "join otherwise: unknown join rule admits nobody, even the invited",
    room: { joinRule: "whatever" },
    setup: (r) => r.invite(ALICE, BOB),
    event: () => member(BOB, BOB, "join"),
    expect: always("member.join.forbidden"),
  },

  // ---- restricted joins (v8+) ---------------------------------------------------------------
  {
    name: "restricted: a join vouched for by a joined user with invite power is allowed (v8+)",
    room: { joinRule: "restricted" },
    event: () => ({
      ...member(BOB, BOB, "join", { join_authorised_via_users_server: ALICE }),
      signatures: bothSigned("b.test", "a.test"),
    }),
    expect: (v) => (restricted(v) ? "allow" : "member.join.forbidden"),
  },
  {
    name: "restricted: a join without an authorising user is refused",
    room: { joinRule: "restricted" },
    event: () => member(BOB, BOB, "join"),
    expect: (v) => (restricted(v) ? "member.join.authoriser_invalid" : "member.join.forbidden"),
  },
  {
    name: "restricted: the invited may join without an authoriser",
    room: { joinRule: "restricted" },
    setup: (r) => r.invite(ALICE, BOB),
    event: () => member(BOB, BOB, "join"),
    expect: (v) => (restricted(v) ? "allow" : "member.join.forbidden"),
  },
  {
    name: "restricted: the authorising server must have signed the join (v8+ member .2)",
    room: { joinRule: "restricted" },
    event: () => member(BOB, BOB, "join", { join_authorised_via_users_server: ALICE }),
    expect: (v) => (restricted(v) ? "member.authoriser_signature_missing" : "member.join.forbidden"),
  },
  {
    name: "restricted: an authoriser who is not joined is refused",
    room: { joinRule: "restricted" },
    event: () => ({
      ...member(BOB, BOB, "join", { join_authorised_via_users_server: DAVE }),
      signatures: bothSigned("b.test", "d.test"),
    }),
    expect: (v) => (restricted(v) ? "member.join.authoriser_invalid" : "member.join.forbidden"),
  },
  {
    name: "restricted: an authoriser lacking invite power is refused",
    room: { joinRule: "restricted" },
    setup: (r) => {
      r.setJoinRule("public");
      r.join(CAROL);
      r.setJoinRule("restricted");
      r.setPowerLevels(pl(r, {}, { invite: 50 }));
    },
    event: () => ({
      ...member(BOB, BOB, "join", { join_authorised_via_users_server: CAROL }),
      signatures: bothSigned("b.test", "c.test"),
    }),
    expect: (v) => (restricted(v) ? "member.join.authoriser_invalid" : "member.join.forbidden"),
  },
  {
    name: "restricted: an authoriser with exactly the invite level is enough",
    room: { joinRule: "restricted" },
    setup: (r) => {
      r.setJoinRule("public");
      r.join(CAROL);
      r.setJoinRule("restricted");
      r.setPowerLevels(pl(r, { [CAROL]: 50 }, { invite: 50 }));
    },
    event: () => ({
      ...member(BOB, BOB, "join", { join_authorised_via_users_server: CAROL }),
      signatures: bothSigned("b.test", "c.test"),
    }),
    expect: (v) => (restricted(v) ? "allow" : "member.join.forbidden"),
  },
  {
    name: "restricted: a banned user stays out even with an authoriser",
    room: { joinRule: "restricted" },
    setup: (r) => r.ban(ALICE, BOB),
    event: () => ({
      ...member(BOB, BOB, "join", { join_authorised_via_users_server: ALICE }),
      signatures: bothSigned("b.test", "a.test"),
    }),
    expect: always("member.join.banned"),
  },
  {
    name: "knock_restricted: a vouched join is allowed from v10 only",
    room: { joinRule: "knock_restricted" },
    event: () => ({
      ...member(BOB, BOB, "join", { join_authorised_via_users_server: ALICE }),
      signatures: bothSigned("b.test", "a.test"),
    }),
    expect: (v) => (v.knockRestrictedJoin ? "allow" : "member.join.forbidden"),
  },
  {
    name: "knock_restricted: a join without authoriser is refused",
    room: { joinRule: "knock_restricted" },
    event: () => member(BOB, BOB, "join"),
    expect: (v) => (v.knockRestrictedJoin ? "member.join.authoriser_invalid" : "member.join.forbidden"),
  },
  {
    name: "member .2 (v8+): join_authorised_via_users_server on a leave must be signed too",
    setup: (r) => r.join(BOB),
    event: () => member(BOB, BOB, "leave", { join_authorised_via_users_server: ALICE }),
    expect: (v) => (restricted(v) ? "member.authoriser_signature_missing" : "allow"),
  },
  {
    name: "member .2 (v8+): a non-string join_authorised_via_users_server is refused",
    event: () => member(BOB, BOB, "join", { join_authorised_via_users_server: 5 }),
    expect: (v) => (restricted(v) ? "member.authoriser_signature_missing" : "allow"),
  },

  // ---- invite -----------------------------------------------------------------------------
  {
    name: "invite: a joined member with invite power invites",
    event: () => member(ALICE, BOB, "invite"),
    expect: always("allow"),
  },
  {
    name: "invite .2: a non-member cannot invite",
    event: () => member(CAROL, BOB, "invite"),
    expect: always("member.invite.sender_not_joined"),
  },
  {
    name: "invite .2: an invited (not joined) user cannot invite",
    room: { joinRule: "invite" },
    setup: (r) => r.invite(ALICE, CAROL),
    event: () => member(CAROL, BOB, "invite"),
    expect: always("member.invite.sender_not_joined"),
  },
  {
    name: "invite .3: inviting a joined user is refused",
    setup: (r) => r.join(BOB),
    event: () => member(ALICE, BOB, "invite"),
    expect: always("member.invite.target_joined_or_banned"),
  },
  {
    name: "invite .3: inviting a banned user is refused",
    setup: (r) => r.ban(ALICE, BOB),
    event: () => member(ALICE, BOB, "invite"),
    expect: always("member.invite.target_joined_or_banned"),
  },
  {
    name: "invite .3: re-inviting an invited user is allowed",
    setup: (r) => r.invite(ALICE, BOB),
    event: () => member(ALICE, BOB, "invite"),
    expect: always("allow"),
  },
  {
    name: "invite .5: a member below the invite level cannot invite",
    setup: (r) => {
      r.join(CAROL);
      r.setPowerLevels(pl(r, {}, { invite: 50 }));
    },
    event: () => member(CAROL, BOB, "invite"),
    expect: always("member.invite.insufficient_power"),
  },
  {
    name: "invite: the default invite level (0) lets any member invite",
    setup: (r) => r.join(CAROL),
    event: () => member(CAROL, BOB, "invite"),
    expect: always("allow"),
  },

  // ---- leave / kick / unban ---------------------------------------------------------------
  {
    name: "leave .1: a joined member may leave",
    setup: (r) => r.join(BOB),
    event: () => member(BOB, BOB, "leave"),
    expect: always("allow"),
  },
  {
    name: "leave .1: an invited user may reject the invite",
    setup: (r) => r.invite(ALICE, BOB),
    event: () => member(BOB, BOB, "leave"),
    expect: always("allow"),
  },
  {
    name: "leave .1: a user who never joined cannot leave",
    event: () => member(BOB, BOB, "leave"),
    expect: always("member.leave.not_member"),
  },
  {
    name: "leave .1: a banned user cannot lift their own ban by leaving",
    setup: (r) => r.ban(ALICE, BOB),
    event: () => member(BOB, BOB, "leave"),
    expect: always("member.leave.not_member"),
  },
  {
    name: "leave .1: a knocking user may rescind the knock (v7+)",
    applies: knocking,
    room: { joinRule: "knock" },
    setup: (r) => r.send(member(BOB, BOB, "knock")),
    event: () => member(BOB, BOB, "leave"),
    expect: always("allow"),
  },
  {
    name: "kick: a member with kick power kicks a lower member",
    setup: (r) => r.join(BOB),
    event: () => member(ALICE, BOB, "leave"),
    expect: always("allow"),
  },
  {
    name: "kick: revoking an invite is a kick",
    setup: (r) => r.invite(ALICE, BOB),
    event: () => member(ALICE, BOB, "leave"),
    expect: always("allow"),
  },
  {
    name: "leave .2: a non-member cannot kick",
    setup: (r) => r.join(BOB),
    event: () => member(CAROL, BOB, "leave"),
    expect: always("member.leave.sender_not_joined"),
  },
  {
    name: "leave .5: a member below the kick level cannot kick",
    setup: (r) => {
      r.join(BOB);
      r.join(CAROL);
    },
    event: () => member(BOB, CAROL, "leave"),
    expect: always("member.leave.insufficient_power"),
  },
  {
    name: "leave .5: kicking someone of equal power is refused",
    setup: (r) => {
      r.join(BOB);
      r.join(CAROL);
      r.setPowerLevels(pl(r, { [BOB]: 50, [CAROL]: 50 }));
    },
    event: () => member(BOB, CAROL, "leave"),
    expect: always("member.leave.insufficient_power"),
  },
  {
    name: "leave .5: kicking someone of higher power is refused",
    setup: (r) => {
      r.join(BOB);
      r.join(CAROL);
      r.setPowerLevels(pl(r, { [BOB]: 50, [CAROL]: 60 }));
    },
    event: () => member(BOB, CAROL, "leave"),
    expect: always("member.leave.insufficient_power"),
  },
  {
    name: "unban: kick and ban level and more power than the target",
    setup: (r) => {
      r.join(BOB);
      r.ban(ALICE, BOB);
    },
    event: () => member(ALICE, BOB, "leave"),
    expect: always("allow"),
  },
  {
    name: "leave .3: unbanning needs the ban level, not only the kick level",
    setup: (r) => {
      r.join(CAROL);
      r.setPowerLevels(pl(r, { [CAROL]: 60 }, { kick: 50, ban: 75 }));
      r.ban(ALICE, BOB);
    },
    event: () => member(CAROL, BOB, "leave"),
    expect: always("member.leave.target_banned"),
  },
  {
    name: "leave .4: unbanning also needs the kick level",
    setup: (r) => {
      r.join(CAROL);
      r.setPowerLevels(pl(r, { [CAROL]: 60 }, { kick: 75, ban: 50 }));
      r.ban(ALICE, BOB);
    },
    event: () => member(CAROL, BOB, "leave"),
    expect: always("member.leave.insufficient_power"),
  },

  // ---- ban --------------------------------------------------------------------------------
  {
    name: "ban: a member with ban power bans a lower member",
    setup: (r) => r.join(BOB),
    event: () => member(ALICE, BOB, "ban"),
    expect: always("allow"),
  },
  {
    name: "ban: a user who never joined can be banned pre-emptively",
    event: () => member(ALICE, BOB, "ban"),
    expect: always("allow"),
  },
  {
    name: "ban .1: a non-member cannot ban",
    event: () => member(CAROL, BOB, "ban"),
    expect: always("member.ban.sender_not_joined"),
  },
  {
    name: "ban .3: a member below the ban level cannot ban",
    setup: (r) => {
      r.join(BOB);
      r.join(CAROL);
      r.setPowerLevels(pl(r, { [BOB]: 40 }));
    },
    event: () => member(BOB, CAROL, "ban"),
    expect: always("member.ban.insufficient_power"),
  },
  {
    name: "ban .3: banning someone at higher power is refused",
    setup: (r) => {
      r.join(BOB);
      r.join(CAROL);
      r.setPowerLevels(pl(r, { [BOB]: 50, [CAROL]: 60 }));
    },
    event: () => member(BOB, CAROL, "ban"),
    expect: always("member.ban.insufficient_power"),
  },
  {
    name: "ban .3: banning an equal is refused",
    setup: (r) => {
      r.join(BOB);
      r.join(CAROL);
      r.setPowerLevels(pl(r, { [BOB]: 50, [CAROL]: 50 }));
    },
    event: () => member(BOB, CAROL, "ban"),
    expect: always("member.ban.insufficient_power"),
  },
  {
    name: "ban .3: a moderator cannot ban the creator (100 before v12, infinite in v12)",
    setup: (r) => {
      r.join(BOB);
      r.setPowerLevels(pl(r, { [BOB]: 99 }));
    },
    event: () => member(BOB, ALICE, "ban"),
    expect: always("member.ban.insufficient_power"),
  },

  // ---- knock (v7+) ------------------------------------------------------------------------
  {
    name: "knock: knocking on a knock room is allowed from v7, unknown before",
    room: { joinRule: "knock" },
    event: () => member(BOB, BOB, "knock"),
    expect: (v) => (v.knock ? "allow" : "member.unknown_membership"),
  },
  {
    name: "knock .1: knocking on a public room is refused",
    applies: knocking,
    event: () => member(BOB, BOB, "knock"),
    expect: always("member.knock.join_rule"),
  },
  {
    name: "knock .1: knocking on an invite-only room is refused",
    applies: knocking,
    room: { joinRule: "invite" },
    event: () => member(BOB, BOB, "knock"),
    expect: always("member.knock.join_rule"),
  },
  {
    name: "knock .1: knock_restricted admits knocks from v10 only",
    applies: knocking,
    room: { joinRule: "knock_restricted" },
    event: () => member(BOB, BOB, "knock"),
    expect: (v) => (v.knockRestrictedJoin ? "allow" : "member.knock.join_rule"),
  },
  {
    name: "knock .2: knocking for someone else is refused",
    applies: knocking,
    room: { joinRule: "knock" },
    setup: (r) => r.join(ALICE),
    event: () => member(ALICE, BOB, "knock"),
    expect: always("member.knock.sender_mismatch"),
  },
  {
    name: "knock .4: an invited user cannot knock",
    applies: knocking,
    room: { joinRule: "knock" },
    setup: (r) => r.invite(ALICE, BOB),
    event: () => member(BOB, BOB, "knock"),
    expect: always("member.knock.already_member"),
  },
  {
    name: "knock .4: a banned user cannot knock",
    applies: knocking,
    room: { joinRule: "knock" },
    setup: (r) => r.ban(ALICE, BOB),
    event: () => member(BOB, BOB, "knock"),
    expect: always("member.knock.already_member"),
  },
  {
    name: "knock .4: a joined member cannot knock",
    applies: knocking,
    room: { joinRule: "knock" },
    event: () => member(ALICE, ALICE, "knock"),
    expect: always("member.knock.already_member"),
  },
  {
    name: "knock .3: a user who left may knock again",
    applies: knocking,
    room: { joinRule: "knock" },
    setup: (r) => {
      r.send(member(BOB, BOB, "knock"));
      r.send(member(BOB, BOB, "leave"));
    },
    event: () => member(BOB, BOB, "knock"),
    expect: always("allow"),
  },
];

// ---- third-party invites --------------------------------------------------------------------
const idServer = identityServerKey(7);
const otherKey = identityServerKey(9);
function tpiRoom(r: TestRoom, content: JsonObject = { public_key: idServer.publicKey }): void {
  r.send({
    type: "m.room.third_party_invite",
    sender: ALICE,
    state_key: "tok",
    content: { display_name: "b...@example.org", key_validity_url: "https://id.test/check", ...content },
  });
}
function signedFor(mxid: string, token: string, key = idServer): JsonObject {
  return { mxid, token, signatures: { "id.test": { "ed25519:0": key.sign({ mxid, token }) } } };
}
const tpiInvite = (sender: string, tpi: JsonObject | string): EventSpec =>
  member(sender, BOB, "invite", { third_party_invite: { display_name: "b...@example.org", ...(typeof tpi === "string" ? {} : tpi) } });

cases.push(
  {
    name: "3pid invite: a correctly signed third-party invite is allowed",
    setup: (r) => tpiRoom(r),
    event: () => tpiInvite(ALICE, { signed: signedFor(BOB, "tok") }),
    expect: always("allow"),
  },
  {
    name: "3pid invite: a key from public_keys (URL-safe base64) also verifies",
    setup: (r) =>
      tpiRoom(r, {
        public_key: otherKey.publicKey,
        public_keys: [{ public_key: idServer.publicKey.replace(/\+/g, "-").replace(/\//g, "_") }],
      }),
    event: () => tpiInvite(ALICE, { signed: signedFor(BOB, "tok") }),
    expect: always("allow"),
  },
  {
    name: "3pid invite .1: a banned target cannot be invited through a third-party invite",
    setup: (r) => {
      tpiRoom(r);
      r.ban(ALICE, BOB);
    },
    event: () => tpiInvite(ALICE, { signed: signedFor(BOB, "tok") }),
    expect: always("member.invite.tpi.target_banned"),
  },
  {
    name: "3pid invite .2: third_party_invite without signed is refused",
    setup: (r) => tpiRoom(r),
    event: () => tpiInvite(ALICE, {}),
    expect: always("member.invite.tpi.no_signed"),
  },
  {
    name: "3pid invite .3: signed without token is refused",
    setup: (r) => tpiRoom(r),
    event: () => tpiInvite(ALICE, { signed: { mxid: BOB, signatures: {} } }),
    expect: always("member.invite.tpi.signed_incomplete"),
  },
  {
    name: "3pid invite .4: signed.mxid must be the invited user",
    setup: (r) => tpiRoom(r),
    event: () => tpiInvite(ALICE, { signed: signedFor(CAROL, "tok") }),
    expect: always("member.invite.tpi.mxid_mismatch"),
  },
  {
    name: "3pid invite .5: the token must name an m.room.third_party_invite in the room",
    setup: (r) => tpiRoom(r),
    event: () => tpiInvite(ALICE, { signed: signedFor(BOB, "other-token") }),
    expect: always("member.invite.tpi.no_invite_event"),
  },
  {
    name: "3pid invite .6: only the issuer of the third-party invite may complete it",
    setup: (r) => {
      tpiRoom(r);
      r.join(CAROL);
    },
    event: () => tpiInvite(CAROL, { signed: signedFor(BOB, "tok") }),
    expect: always("member.invite.tpi.sender_mismatch"),
  },
  {
    name: "3pid invite .8: a signature by another key is refused",
    setup: (r) => tpiRoom(r),
    event: () => tpiInvite(ALICE, { signed: signedFor(BOB, "tok", otherKey) }),
    expect: always("member.invite.tpi.bad_signature"),
  },
  {
    name: "3pid invite .8: a signature over other content is refused",
    setup: (r) => tpiRoom(r),
    event: () =>
      tpiInvite(ALICE, {
        signed: { mxid: BOB, token: "tok", signatures: { "id.test": { "ed25519:0": idServer.sign({ mxid: CAROL, token: "tok" }) } } },
      }),
    expect: always("member.invite.tpi.bad_signature"),
  },
  {
    name: "3pid invite .8: a revoked third-party invite (no keys left) is refused",
    setup: (r) => tpiRoom(r, {}),
    event: () => tpiInvite(ALICE, { signed: signedFor(BOB, "tok") }),
    expect: always("member.invite.tpi.bad_signature"),
  },
);

for (const v of ALL_VERSIONS) {
  describe(`room v${v.id}: m.room.member`, () => {
    for (const c of cases) {
      if (c.applies && !c.applies(v)) continue;
      test(c.name, () => {
        const room = new TestRoom(v.id, c.room);
        c.setup?.(room);
        expectResult(room.check(c.event(room)), c.expect(v), v);
      });
    }
  });
}
