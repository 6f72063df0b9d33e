import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ACCESS_TOKEN_PREFIX,
  AUTHORIZATION_CODE_PREFIX,
  REFRESH_TOKEN_PREFIX,
  WEB_SESSION_PREFIX,
  localpartOfToken,
  localpartOfUserToken,
  newAccessToken,
  newUserToken,
} from "../../../platform/tokens.js";

const PREFIXES = [ACCESS_TOKEN_PREFIX, REFRESH_TOKEN_PREFIX, AUTHORIZATION_CODE_PREFIX, WEB_SESSION_PREFIX] as const;

test("every kind of user token carries its localpart, including ones with '_', '=' and '/'", () => {
  for (const prefix of PREFIXES) {
    for (const localpart of ["alice", "a_b", "x=y/z+w", "élan", "_"]) {
      const token = newUserToken(prefix, localpart);
      assert.ok(token.startsWith(prefix));
      assert.match(token.slice(prefix.length), /^[A-Za-z0-9_-]+_[A-Za-z0-9]{40}$/);
      assert.equal(localpartOfUserToken(prefix, token), localpart, `${prefix} ${localpart}`);
    }
  }
});

test("a token of one kind is not taken for another", () => {
  for (const made of PREFIXES) {
    const token = newUserToken(made, "bob");
    for (const asked of PREFIXES) assert.equal(localpartOfUserToken(asked, token), asked === made ? "bob" : undefined, `${made} read as ${asked}`);
  }
});

test("access tokens keep their shape and reader", () => {
  const token = newAccessToken("carol");
  assert.ok(token.startsWith("lat_"));
  assert.equal(localpartOfToken(token), "carol");
  assert.equal(localpartOfToken(newUserToken(REFRESH_TOKEN_PREFIX, "carol")), undefined);
});

test("malformed tokens claim no one", () => {
  for (const bad of ["", "lat_", "lat__abc", "lat_abc", "syt_abc_def", "lat_%%%_abc", "lat_/w_abc", "latr_"]) {
    assert.equal(localpartOfToken(bad), undefined, bad);
    assert.equal(localpartOfUserToken(REFRESH_TOKEN_PREFIX, bad), undefined, bad);
  }
  // Not UTF-8: 0xff 0xfe.
  assert.equal(localpartOfToken("lat__-4_abc"), undefined);
});

test("two tokens for the same user differ", () => {
  assert.notEqual(newUserToken(WEB_SESSION_PREFIX, "dan"), newUserToken(WEB_SESSION_PREFIX, "dan"));
});
