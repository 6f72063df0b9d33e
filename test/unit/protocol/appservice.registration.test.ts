import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRegistrations } from "../../../protocol/appservice/registration.js";
import { exclusiveHolders, isServiceUser } from "../../../protocol/appservice/namespaces.js";
import { APPSERVICE_IRC, HEISENBRIDGE, MAUTRIX_WHATSAPP } from "./appserviceFixtures.js";

const HS = "example.org";

test("registration: the three bridges' files load, with Synapse's defaults", () => {
  const { services, problems } = parseRegistrations([MAUTRIX_WHATSAPP, HEISENBRIDGE, APPSERVICE_IRC].join("---\n"), HS);
  assert.deepEqual(problems, []);
  assert.deepEqual(services.map((s) => s.id), ["whatsapp", "heisenbridge", "IRC Bridge"]);
  const [wa, hb, irc] = services;
  assert.equal(wa.sender, "@SH98XxA4xvgFtlbx1NxJm9VYW6q3BdYg:example.org");
  assert.equal(wa.rateLimited, false);
  assert.equal(wa.receiveEphemeral, true);
  assert.equal(wa.msc3202, true);
  assert.equal(hb.receiveEphemeral, false);
  assert.equal(hb.msc3202, false);
  assert.deepEqual(irc.protocols, ["irc"]);
  assert.equal(irc.namespaces.aliases.length, 1);
  assert.equal(irc.url, "http://127.0.0.1:1234");
});

test("registration: namespace regexes match from the start of the whole ID, like Python's re.match", () => {
  const { services } = parseRegistrations(HEISENBRIDGE + "---\n" + MAUTRIX_WHATSAPP, HS);
  const [hb, wa] = services;
  assert.equal(isServiceUser(hb, "@irc_alice:example.org", HS), true);
  // Not anchored at the end: re.match accepts a prefix match.
  assert.equal(isServiceUser(hb, "@irc_:example.org", HS), true);
  // Anchored at the start: the regex must match at index 0.
  assert.equal(isServiceUser(hb, "@x_irc_alice:example.org", HS), false);
  // Remote users are never a service's, even when the regex matches.
  assert.equal(isServiceUser(hb, "@irc_alice:elsewhere.org", HS), false);
  assert.equal(isServiceUser(hb, "@heisenbridge:example.org", HS), true);
  assert.equal(isServiceUser(wa, "@whatsapp_123:example.org", HS), true);
  assert.equal(isServiceUser(wa, "@whatsapp_123:example.org.evil", HS), false);
  // Repeated tests do not trip over the sticky regex's lastIndex.
  for (let i = 0; i < 3; i++) assert.equal(isServiceUser(wa, "@whatsappbot:example.org", HS), true);
});

test("registration: exclusive namespaces and senders are reserved from everyone else", () => {
  const { services } = parseRegistrations(HEISENBRIDGE + "---\n" + APPSERVICE_IRC, HS);
  const [hb, irc] = services;
  assert.deepEqual(exclusiveHolders(services, "users", "@irc_bob:example.org").map((s) => s.id), ["heisenbridge", "IRC Bridge"]);
  assert.deepEqual(exclusiveHolders(services, "users", "@irc_bob:example.org", hb).map((s) => s.id), ["IRC Bridge"]);
  assert.deepEqual(exclusiveHolders(services, "users", "@heisenbridge:example.org", irc).map((s) => s.id), ["heisenbridge"]);
  assert.deepEqual(exclusiveHolders(services, "aliases", "#irc_chan:example.org").map((s) => s.id), ["IRC Bridge"]);
  assert.deepEqual(exclusiveHolders(services, "users", "@alice:example.org"), []);
});

const GOOD = `id: good\nurl: null\nas_token: a1\nhs_token: h1\nsender_localpart: goodbot\nnamespaces:\n  users: [{exclusive: true, regex: "@good_.*"}]\n`;

test("registration: bad registrations are reported and left out, the good one stays", () => {
  const bad = [
    `id: badregex\nurl: null\nas_token: a2\nhs_token: h2\nsender_localpart: b\nnamespaces:\n  users:\n    - exclusive: true\n      regex: "@bad_(.*"\n`,
    `id: dupe_as\nurl: null\nas_token: a1\nhs_token: h3\nsender_localpart: c\nnamespaces: {}\n`,
    `id: good\nurl: null\nas_token: a4\nhs_token: h4\nsender_localpart: d\nnamespaces: {}\n`,
    `id: dupe_hs\nurl: null\nas_token: a5\nhs_token: h1\nsender_localpart: e\nnamespaces: {}\n`,
    `id: nourl\nas_token: a6\nhs_token: h6\nsender_localpart: f\nnamespaces: {}\n`,
    `id: noexcl\nurl: null\nas_token: a7\nhs_token: h7\nsender_localpart: g\nnamespaces:\n  users: [{regex: "@g_.*"}]\n`,
    `id: badsender\nurl: null\nas_token: a8\nhs_token: h8\nsender_localpart: "a b"\nnamespaces: {}\n`,
    `id: "a|b"\nurl: null\nas_token: a9\nhs_token: h9\nsender_localpart: h\nnamespaces: {}\n`,
    `id: nons\nurl: null\nas_token: a10\nhs_token: h10\nsender_localpart: i\n`,
    `id: badproto\nurl: null\nas_token: a11\nhs_token: h11\nsender_localpart: j\nnamespaces: {}\nprotocols: irc\n`,
    `id: badurl\nurl: ftp://x\nas_token: a12\nhs_token: h12\nsender_localpart: k\nnamespaces: {}\n`,
    `- not a mapping\n`,
  ];
  const { services, problems } = parseRegistrations([GOOD, ...bad].join("---\n"), HS);
  assert.deepEqual(services.map((s) => s.id), ["good"]);
  assert.equal(services[0].url, null);
  assert.equal(problems.length, bad.length);
  assert.match(problems[0], /registration 2 \(id "badregex"\) is ignored: invalid regex "@bad_\(\.\*"/);
  assert.match(problems[1], /"dupe_as".*'as_token' is already used/);
  assert.match(problems[2], /"good".*'id' is already used/);
  assert.match(problems[3], /"dupe_hs".*'hs_token' is already used/);
  assert.match(problems[4], /'url' must be a string or null/);
  assert.match(problems[5], /exclusive' must be true or false/);
  assert.match(problems[6], /sender_localpart/);
  assert.match(problems[7], /'\|'/);
  assert.match(problems[8], /'namespaces' is required/);
  assert.match(problems[9], /'protocols' must be a list/);
  assert.match(problems[10], /'url' must be an http/);
  assert.match(problems[11], /registration 13 is ignored: a registration must be a mapping/);
});

test("registration: YAML it cannot read registers nothing and says why", () => {
  const { services, problems } = parseRegistrations(GOOD + "a: |\n  x\n", HS);
  assert.deepEqual(services, []);
  assert.match(problems[0], /APPSERVICES is not readable YAML.*line 8: block scalars/);
});
