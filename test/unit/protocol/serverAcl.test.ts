/** Server ACLs: the m.room.server_acl schema's order of checks and the appendix's glob rules. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { globMatches, serverAclAllows } from "../../../protocol/serverAcl.js";

describe("globMatches", () => {
  test("* matches zero or more characters, ? exactly one", () => {
    assert.equal(globMatches("*", ""), true);
    assert.equal(globMatches("*", "anything.example"), true);
    assert.equal(globMatches("*.evil.com", "a.evil.com"), true);
    assert.equal(globMatches("*.evil.com", "a.b.evil.com"), true);
    assert.equal(globMatches("*.evil.com", "evil.com"), false);
    assert.equal(globMatches("evil.com*", "evil.com"), true);
    assert.equal(globMatches("ev?l.com", "evil.com"), true);
    assert.equal(globMatches("ev?l.com", "evl.com"), false);
    assert.equal(globMatches("ev?l.com", "eviil.com"), false);
    assert.equal(globMatches("??", "ab"), true);
    assert.equal(globMatches("??", "a"), false);
    assert.equal(globMatches("a*b*c", "aXXbYYc"), true);
    assert.equal(globMatches("a*b*c", "aXXbYY"), false);
    assert.equal(globMatches("*a*a*a*a*b", "a".repeat(40)), false);
  });

  test("literal text matches whole names only, case-insensitively; no regex meaning", () => {
    assert.equal(globMatches("evil.com", "EVIL.com"), true);
    assert.equal(globMatches("evil.com", "notevil.com"), false);
    assert.equal(globMatches("evil.com", "evil.com.au"), false);
    assert.equal(globMatches("evil.com", "evilxcom"), false);
    assert.equal(globMatches("[a]", "a"), false);
    assert.equal(globMatches("[a]", "[a]"), true);
  });
});

describe("serverAclAllows", () => {
  test("1. no m.room.server_acl event: allow", () => {
    assert.equal(serverAclAllows(undefined, "anyone.example"), true);
    assert.equal(serverAclAllows(undefined, "10.0.0.1"), true);
  });

  test("2. IP literals are denied only when allow_ip_literals is false", () => {
    const acl = { allow: ["*"], allow_ip_literals: false };
    assert.equal(serverAclAllows(acl, "1.2.3.4"), false);
    assert.equal(serverAclAllows(acl, "1.2.3.4:8448"), false);
    assert.equal(serverAclAllows(acl, "[::1]"), false);
    assert.equal(serverAclAllows(acl, "[2001:db8::1]:8448"), false);
    assert.equal(serverAclAllows(acl, "example.org"), true);
    // Missing or not a boolean: defaults to true.
    assert.equal(serverAclAllows({ allow: ["*"] }, "1.2.3.4"), true);
    assert.equal(serverAclAllows({ allow: ["*"], allow_ip_literals: "false" }, "1.2.3.4"), true);
  });

  test("3. deny wins over allow; 4. then allow; 5. otherwise deny", () => {
    const acl = { allow: ["*"], deny: ["evil.com", "*.evil.com"] };
    assert.equal(serverAclAllows(acl, "evil.com"), false);
    assert.equal(serverAclAllows(acl, "sub.evil.com"), false);
    assert.equal(serverAclAllows(acl, "good.org"), true);
    const only = { allow: ["*.trusted.org", "trusted.org"] };
    assert.equal(serverAclAllows(only, "trusted.org"), true);
    assert.equal(serverAclAllows(only, "hs.trusted.org"), true);
    assert.equal(serverAclAllows(only, "other.org"), false);
  });

  test("the port is never considered", () => {
    const acl = { allow: ["*"], deny: ["evil.com"] };
    assert.equal(serverAclAllows(acl, "evil.com:8448"), false);
    assert.equal(serverAclAllows(acl, "evil.com:1234"), false);
    assert.equal(serverAclAllows({ allow: ["evil.com:8448"] }, "evil.com:8448"), false);
    assert.equal(serverAclAllows({ allow: ["*"], deny: ["127.0.0.?"] }, "127.0.0.1:8008"), false);
    assert.equal(serverAclAllows({ allow: ["127.0.0.1"] }, "127.0.0.1:8008"), true);
  });

  test("missing or malformed lists: no allow list denies everyone, deny defaults to empty", () => {
    assert.equal(serverAclAllows({}, "example.org"), false);
    assert.equal(serverAclAllows({ deny: ["x.org"] }, "example.org"), false);
    assert.equal(serverAclAllows({ allow: "*" }, "example.org"), false);
    assert.equal(serverAclAllows({ allow: ["*"], deny: "example.org" }, "example.org"), true);
    assert.equal(serverAclAllows({ allow: [42, "*"], deny: [null] }, "example.org"), true);
  });

  test("matching is case-insensitive", () => {
    assert.equal(serverAclAllows({ allow: ["*"], deny: ["Evil.COM"] }, "evil.com"), false);
    assert.equal(serverAclAllows({ allow: ["EXAMPLE.org"] }, "example.ORG"), true);
  });
});
