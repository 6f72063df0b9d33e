import { test } from "node:test";
import assert from "node:assert/strict";
import { clearSessionCookie, parseCookies, serializeCookie, sessionCookie } from "../../../worker/oauth/pages/cookies.js";

test("parseCookies reads a browser's Cookie header; the first of two same names wins", () => {
  const c = parseCookies(`a=1; lattice_session=latw_x_y; b="q"; a=2; junk; =v`);
  assert.equal(c.get("a"), "1");
  assert.equal(c.get("lattice_session"), "latw_x_y");
  assert.equal(c.get("b"), "q");
  assert.equal(parseCookies(null).size, 0);
});

test("the session cookie is HttpOnly, SameSite=Lax, Path=/, with Max-Age; Secure only over https", () => {
  const https = new Request("https://example.org/account/login");
  const http = new Request("http://localhost:8008/account/login");
  assert.equal(sessionCookie(https, "latw_a_b", 604800), "lattice_session=latw_a_b; Path=/; Max-Age=604800; HttpOnly; Secure; SameSite=Lax");
  assert.equal(sessionCookie(http, "latw_a_b", 60), "lattice_session=latw_a_b; Path=/; Max-Age=60; HttpOnly; SameSite=Lax");
  assert.equal(clearSessionCookie(https), "lattice_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax");
});

test("serializeCookie refuses values that could split the header", () => {
  assert.throws(() => serializeCookie("a", "x; Domain=evil.example"));
  assert.throws(() => serializeCookie("a b", "x"));
  assert.throws(() => serializeCookie("a", "x\r\nSet-Cookie: b=1"));
});
