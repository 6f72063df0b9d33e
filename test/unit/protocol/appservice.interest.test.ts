// Which services an event is pushed to (protocol/appservice/interest.ts): spec
// application-service-api "Pushing events", decided as Synapse's is_interested_in_event.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRegistrations } from "../../../protocol/appservice/registration.js";
import { interestedServices, isInterested, isInterestedInRoomState, aliasesOf, type RoomFacts } from "../../../protocol/appservice/interest.js";
import { MAUTRIX_WHATSAPP } from "./appserviceFixtures.js";

const HS = "example.org";
const [irc, rooms, wa] = parseRegistrations(
  `id: irc
url: http://irc
as_token: a1
hs_token: h1
sender_localpart: ircbot
namespaces:
  users: [{exclusive: true, regex: "@irc_.*"}]
  aliases: [{exclusive: true, regex: "#irc_.*"}]
---
id: rooms
url: http://rooms
as_token: a2
hs_token: h2
sender_localpart: roomsbot
namespaces:
  rooms: [{exclusive: false, regex: "!bridged.*"}]
---
${MAUTRIX_WHATSAPP}`,
  HS,
).services;

const room = (over: Partial<RoomFacts> = {}): RoomFacts => ({ roomId: "!r:example.org", joined: ["@alice:example.org"], aliases: [], ...over });
const msg = (sender: string) => ({ type: "m.room.message", sender });
const servicesIn = (event: ReturnType<typeof msg>, r: RoomFacts) => interestedServices([irc, rooms, wa], event, r.roomId, (s) => isInterestedInRoomState(s, r, HS));

test("the three registrations parse", () => {
  assert.deepEqual([irc.id, rooms.id, wa.id], ["irc", "rooms", "whatsapp"]);
});

test("nobody of the service in the room, no alias, no room match: not interested", () => {
  assert.equal(isInterested(irc, msg("@alice:example.org"), room(), HS), false);
  assert.deepEqual(servicesIn(msg("@alice:example.org"), room()), []);
});

test("a local joined member in the users namespace makes every event of the room interesting", () => {
  const r = room({ joined: ["@alice:example.org", "@irc_bob:example.org"] });
  assert.equal(isInterested(irc, msg("@alice:example.org"), r, HS), true);
  assert.deepEqual(servicesIn(msg("@alice:example.org"), r).map((s) => s.id), ["irc"]);
});

test("the service's sender_localpart user joined counts, though outside the users namespace", () => {
  assert.equal(isInterested(irc, msg("@alice:example.org"), room({ joined: ["@ircbot:example.org"] }), HS), true);
});

test("a remote joined member matching the namespace does not count", () => {
  assert.equal(isInterested(irc, msg("@alice:example.org"), room({ joined: ["@irc_bob:elsewhere.org"] }), HS), false);
});

test("the event's sender in the namespace (even after leaving) counts", () => {
  assert.equal(isInterested(irc, msg("@irc_bob:example.org"), room({ joined: [] }), HS), true);
});

test("an invite of a namespaced user: the state_key of a membership event counts", () => {
  const invite = { type: "m.room.member", sender: "@alice:example.org", state_key: "@irc_carol:example.org" };
  assert.equal(isInterested(irc, invite, room(), HS), true);
  // The state_key of another state event type is not a user.
  assert.equal(isInterested(irc, { type: "m.room.topic", sender: "@alice:example.org", state_key: "@irc_carol:example.org" }, room(), HS), false);
});

test("the room ID in the rooms namespace", () => {
  assert.equal(isInterested(rooms, msg("@alice:example.org"), room({ roomId: "!bridged42:example.org" }), HS), true);
  assert.equal(isInterested(rooms, msg("@alice:example.org"), room({ roomId: "!other:example.org" }), HS), false);
});

test("a canonical alias or an alt alias in the aliases namespace", () => {
  assert.equal(isInterested(irc, msg("@alice:example.org"), room({ aliases: ["#irc_libera:example.org"] }), HS), true);
  assert.equal(isInterested(irc, msg("@alice:example.org"), room({ aliases: ["#main:example.org", "#irc_oftc:example.org"] }), HS), true);
  assert.equal(isInterested(irc, msg("@alice:example.org"), room({ aliases: ["#main:example.org"] }), HS), false);
});

test("regexes anchored with ^…$ (mautrix style) match whole IDs only", () => {
  assert.equal(isInterested(wa, msg("@alice:example.org"), room({ joined: ["@whatsapp_123:example.org"] }), HS), true);
  assert.equal(isInterested(wa, msg("@alice:example.org"), room({ joined: ["@whatsapp_123:example.org.evil"] }), HS), false);
});

test("aliasesOf reads alias and alt_aliases and skips what is not a string", () => {
  assert.deepEqual(aliasesOf({ alias: "#a:x", alt_aliases: ["#b:x", 3, null] }), ["#a:x", "#b:x"]);
  assert.deepEqual(aliasesOf({ alt_aliases: "#c:x" }), []);
  assert.deepEqual(aliasesOf(undefined), []);
});
