/**
 * Redirect URI rules against every example of the spec's "Redirect URI validation" (client URI
 * https://example.com/), and matching at authorization time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { redirectUriMatches, redirectUriProblem, reverseDns } from "../../../../protocol/oauth/redirectUri.js";

const CLIENT = new URL("https://example.com/");

test("web: the spec's valid redirect URIs are accepted", () => {
  for (const uri of ["https://example.com/callback", "https://app.example.com/callback", "https://example.com:5173/?query=value"]) {
    assert.equal(redirectUriProblem(uri, CLIENT, "web"), null, uri);
  }
});

test("web: the spec's invalid redirect URIs are refused", () => {
  for (const uri of ["https://example.com/callback#fragment", "http://example.com/callback", "http://localhost/"]) {
    assert.notEqual(redirectUriProblem(uri, CLIENT, "web"), null, uri);
  }
});

test("web: a user or password, another host, a look-alike host and an empty fragment are refused", () => {
  for (const uri of ["https://user@example.com/cb", "https://user:pw@example.com/cb", "https://app.com/callback", "https://notexample.com/cb", "https://example.com.evil.org/cb", "https://example.com/cb#", "not a uri"]) {
    assert.notEqual(redirectUriProblem(uri, CLIENT, "web"), null, uri);
  }
});

test("native: the spec's valid redirect URIs are accepted", () => {
  for (const uri of ["com.example.app:/callback", "com.example:/", "com.example:callback", "http://localhost/callback", "http://127.0.0.1/callback", "http://[::1]/callback"]) {
    assert.equal(redirectUriProblem(uri, CLIENT, "native"), null, uri);
  }
});

test("native: the spec's invalid redirect URIs are refused", () => {
  for (const uri of ["example:/callback", "com.example.app://callback", "https://localhost/callback", "http://localhost:1234/callback"]) {
    assert.notEqual(redirectUriProblem(uri, CLIENT, "native"), null, uri);
  }
});

test("native: claimed https URIs follow the web rules; the scheme extends the reversed host by whole labels only", () => {
  assert.equal(redirectUriProblem("https://app.example.com/cb", CLIENT, "native"), null);
  assert.notEqual(redirectUriProblem("https://app.com/cb", CLIENT, "native"), null);
  assert.notEqual(redirectUriProblem("com.exampleapp:/cb", CLIENT, "native"), null);
  assert.notEqual(redirectUriProblem("com.example.app:/cb#frag", CLIENT, "native"), null);
  assert.notEqual(redirectUriProblem("http://localhost:80/cb", CLIENT, "native"), null, "an explicit port, even the default one");
  assert.notEqual(redirectUriProblem("http://user@localhost/cb", CLIENT, "native"), null);
  assert.notEqual(redirectUriProblem("http://192.168.1.1/cb", CLIENT, "native"), null);
});

test("Element X: client_uri https://element.io, redirect io.element.elementx:/", () => {
  assert.equal(reverseDns("element.io"), "io.element");
  assert.equal(redirectUriProblem("io.element.elementx:/", new URL("https://element.io"), "native"), null);
  assert.notEqual(redirectUriProblem("io.elementx:/", new URL("https://element.io"), "native"), null);
});

test("matching is exact, except that a loopback URI matches with any port", () => {
  const registered = ["https://app.example.com/callback", "http://localhost/callback", "http://[::1]/cb"];
  assert.equal(redirectUriMatches(registered, "https://app.example.com/callback"), true);
  assert.equal(redirectUriMatches(registered, "https://app.example.com/callback/"), false);
  assert.equal(redirectUriMatches(registered, "https://app.example.com/callback?x=1"), false);
  assert.equal(redirectUriMatches(registered, "https://app.example.com:443/callback"), false);
  assert.equal(redirectUriMatches(registered, "http://localhost/callback"), true);
  assert.equal(redirectUriMatches(registered, "http://localhost:51234/callback"), true);
  assert.equal(redirectUriMatches(registered, "http://[::1]:8080/cb"), true);
  assert.equal(redirectUriMatches(registered, "http://localhost:51234/other"), false);
  assert.equal(redirectUriMatches(registered, "http://127.0.0.1:51234/callback"), false, "another loopback host is another URI");
  assert.equal(redirectUriMatches(registered, "http://localhost:99999/callback"), false);
  assert.equal(redirectUriMatches(["https://example.com/cb"], "https://example.com:8443/cb"), false, "only loopback URIs take any port");
});

test("a loopback URI's scheme and host match whatever their case (hosts are case-insensitive); its path does not", () => {
  assert.equal(redirectUriProblem("http://LOCALHOST/cb", new URL("https://example.com"), "native"), null);
  assert.equal(redirectUriMatches(["http://LOCALHOST/cb"], "http://LOCALHOST:51234/cb"), true);
  assert.equal(redirectUriMatches(["http://LOCALHOST/cb"], "http://localhost:51234/cb"), true);
  assert.equal(redirectUriMatches(["http://localhost/cb"], "HTTP://LocalHost:51234/cb"), true);
  assert.equal(redirectUriMatches(["http://localhost/cb"], "http://localhost:51234/CB"), false);
  assert.equal(redirectUriMatches(["http://LOCALHOST/cb"], "http://127.0.0.1:51234/cb"), false);
  assert.equal(redirectUriProblem("http://LOCALHOST:8080/cb", new URL("https://example.com"), "native"), "must not name a port (any port is accepted when authorising)");
});
