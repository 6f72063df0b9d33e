import { test } from "node:test";
import assert from "node:assert/strict";
import {
  IdentifierError,
  isFromServer,
  isValidEventId,
  isValidRoomAlias,
  isValidRoomId,
  isValidServerName,
  isValidUserId,
  isValidUserLocalpart,
  parseRoomAlias,
  parseRoomId,
  parseServerName,
  parseUserId,
  serverNameIfAny,
  serverNameOf,
  utf8ByteLength,
  validateEventId,
} from "../../../protocol/identifiers.js";
import { getRoomVersion } from "../../../protocol/roomVersions.js";

const v = (id: string) => getRoomVersion(id)!;

test("server names: the spec's examples and other good ones", () => {
  assert.deepEqual(parseServerName("matrix.org"), { host: "matrix.org", hostKind: "dns" });
  assert.deepEqual(parseServerName("matrix.org:8888"), { host: "matrix.org", hostKind: "dns", port: 8888 });
  assert.deepEqual(parseServerName("1.2.3.4"), { host: "1.2.3.4", hostKind: "ipv4" });
  assert.deepEqual(parseServerName("1.2.3.4:1234"), { host: "1.2.3.4", hostKind: "ipv4", port: 1234 });
  assert.deepEqual(parseServerName("[1234:5678::abcd]"), { host: "[1234:5678::abcd]", hostKind: "ipv6" });
  assert.deepEqual(parseServerName("[1234:5678::abcd]:5678"), { host: "[1234:5678::abcd]", hostKind: "ipv6", port: 5678 });
  for (const good of [
    "localhost", "localhost:8008", "MATRIX.ORG", "a-b.example", "x", "[::1]", "[::]", "[::ffff:1.2.3.4]",
    "[2001:db8:0:0:0:0:2:1]", "[1:2:3:4:5:6:7::]", "example.org:0", "example.org:65535", "a".repeat(255),
  ]) {
    assert.ok(isValidServerName(good), good);
  }
});

test("server names: bad ones, with clear errors", () => {
  const bad: Array<[string, RegExp]> = [
    ["", /empty/],
    [":8080", /empty hostname/],
    ["example.org:", /invalid port/],
    ["example.org:123456", /invalid port/],
    ["example.org:65536", /invalid port/],
    ["example.org:80a", /invalid port/],
    ["exa mple.org", /not a valid hostname/],
    ["example_org", /not a valid hostname/],
    ["exämple.org", /not a valid hostname/],
    ["a".repeat(256), /not a valid hostname/],
    ["1.2.3.256", /not a valid IPv4/],
    ["[::1", /closing/],
    ["[::1]x", /after the IPv6/],
    ["[1.2.3.4]", /not a valid IPv6/],
    ["[1:2:3:4:5:6:7:8:9]", /not a valid IPv6/],
    ["[1::2::3]", /not a valid IPv6/],
    ["[12345::]", /not a valid IPv6/],
    ["[g::]", /not a valid IPv6/],
    ["::1", /empty hostname/],
  ];
  for (const [name, message] of bad) {
    assert.throws(() => parseServerName(name), (e: unknown) => e instanceof IdentifierError && message.test(e.message), name);
  }
});

test("user IDs: strict grammar for new users", () => {
  for (const good of ["@alice:example.org", "@a.b_c=d-e/f+g:example.org", "@0:1.2.3.4:80", "@bob:[::1]:8448"]) {
    assert.ok(isValidUserId(good), good);
  }
  const bad = [
    "alice:example.org", "@alice", "@:example.org", "@Alice:example.org", "@al ice:example.org", "@al*ce:example.org",
    "@é:example.org", "@alice:", "@alice:bad_host", "@" + "a".repeat(243) + ":example.org",
  ];
  for (const id of bad) assert.equal(isValidUserId(id), false, id);
  assert.deepEqual(parseUserId("@alice:example.org:8448"), { localpart: "alice", serverName: "example.org:8448" });
  assert.throws(() => parseUserId("@Alice:example.org"), /invalid localpart/);
  assert.ok(isValidUserLocalpart("a.b_c=d-e/f+g"));
  assert.equal(isValidUserLocalpart(""), false);
});

test("user IDs: historical grammar for remote and old events", () => {
  for (const good of ["@Alice:example.org", "@:example.org", "@al ice:example.org", "@日本:example.org", "@\u0001:example.org"]) {
    assert.ok(isValidUserId(good, { historical: true }), good);
  }
  for (const bad of ["@a\u0000b:example.org", "@a\uD800:example.org", "@alice", "@alice:bad host"]) {
    assert.equal(isValidUserId(bad, { historical: true }), false, JSON.stringify(bad));
  }
});

test("the 255-byte limit counts UTF-8 bytes", () => {
  const at255 = "@" + "a".repeat(242) + ":example.org"; // 1 + 242 + 1 + 11
  assert.equal(utf8ByteLength(at255), 255);
  assert.ok(isValidUserId(at255));
  assert.equal(isValidUserId("@" + "a".repeat(243) + ":example.org"), false);
  // 2-byte characters count twice.
  const wide = "@" + "é".repeat(122) + ":example.org";
  assert.equal(utf8ByteLength(wide), 257);
  assert.equal(isValidUserId(wide, { historical: true }), false);
  assert.equal(utf8ByteLength("😀"), 4);
});

test("room IDs before and from v12", () => {
  assert.deepEqual(parseRoomId("!abc:example.org", v("11")), { opaqueId: "abc", serverName: "example.org" });
  assert.ok(isValidRoomId("!jEsUZKDJdhlrceRyVU:example.org"));
  const hashId = "!Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ";
  assert.deepEqual(parseRoomId(hashId, v("12")), { opaqueId: hashId.slice(1) });
  assert.ok(isValidRoomId(hashId));
  assert.equal(isValidRoomId(hashId, v("11")), false);
  assert.equal(isValidRoomId("!abc:example.org", v("12")), false);
  for (const bad of ["abc:example.org", "!abc", "!a\u0000b:example.org", "!abc:bad host", "!short", "!Nhcu5BS+UMnFX7hBVfVSoXiD7OgH6iRT/xyIuqDnpYQ"]) {
    assert.equal(isValidRoomId(bad), false, bad);
  }
  assert.throws(() => parseRoomId("!abc:example.org", v("12")), /43-character URL-safe/);
});

test("event IDs per format", () => {
  const v3Id = "$acR1l0raoZnm60CBwAVgqbZqoO/mYU81xysh1u7XcJk";
  const v4Id = "$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg";
  assert.ok(isValidEventId("$a4ecee13e2accdadf56c1025:example.com", v("1")));
  assert.ok(isValidEventId(v3Id, v("3")));
  assert.ok(isValidEventId(v4Id, v("4")));
  assert.ok(isValidEventId(v4Id, v("12")));
  assert.equal(isValidEventId(v3Id, v("4")), false); // "/" is not URL-safe
  assert.equal(isValidEventId(v4Id, v("3")), false); // "-" and "_" are not standard base64
  assert.equal(isValidEventId("$abc:example.org", v("3")), false);
  assert.equal(isValidEventId(v4Id, v("1")), false);
  assert.equal(isValidEventId(v4Id + "A", v("4")), false);
  assert.equal(isValidEventId("abc:example.org"), false);
  for (const id of ["$a:example.org", v3Id, v4Id]) assert.ok(isValidEventId(id), id);
  assert.throws(() => validateEventId("$abc", v("10")), /URL-safe/);
});

test("room aliases", () => {
  assert.deepEqual(parseRoomAlias("#room:example.org"), { localpart: "room", serverName: "example.org" });
  for (const good of ["#Room Name!:example.org", "#日本:example.org:8448", "#:example.org"]) assert.ok(isValidRoomAlias(good), good);
  for (const bad of ["room:example.org", "#room", "#ro\u0000om:example.org", "#" + "a".repeat(250) + ":example.org"]) {
    assert.equal(isValidRoomAlias(bad), false, bad);
  }
});

test("serverNameOf takes everything after the first colon", () => {
  assert.equal(serverNameOf("@alice:example.org"), "example.org");
  assert.equal(serverNameOf("@alice:example.org:8448"), "example.org:8448");
  assert.equal(serverNameOf("!r:[::1]:8448"), "[::1]:8448");
  assert.equal(serverNameOf("$ev:example.org"), "example.org");
  assert.throws(() => serverNameOf("!Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ"), IdentifierError);
});

test("serverNameIfAny and isFromServer never throw on malformed IDs", () => {
  assert.equal(serverNameIfAny("@alice:example.org"), "example.org");
  assert.equal(serverNameIfAny("@alice:[::1]:8448"), "[::1]:8448");
  assert.equal(serverNameIfAny("no-colon"), undefined);
  assert.equal(isFromServer("@alice:example.org", "example.org"), true);
  assert.equal(isFromServer("@alice:example.org.evil", "example.org"), false);
  assert.equal(isFromServer("example.org", "example.org"), false);
});
