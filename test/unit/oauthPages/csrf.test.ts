import { test } from "node:test";
import assert from "node:assert/strict";
import { checkCsrf, csrfToken, newCsrfToken } from "../../../worker/oauth/pages/csrf.js";
import { formPage } from "../../../worker/oauth/pages/formPage.js";
import { html } from "../../../worker/oauth/pages/html.js";

const TOKEN = newCsrfToken();
const ORIGIN = "https://matrix.example.org";

function post(headers: Record<string, string>): Request {
  return new Request(`${ORIGIN}/account/login`, { method: "POST", headers });
}
const form = (csrf?: string) => new URLSearchParams(csrf === undefined ? {} : { csrf });

test("tokens are 43 base64url characters, fresh each time", () => {
  assert.match(TOKEN, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(newCsrfToken(), TOKEN);
});

test("a form whose field equals the cookie, from our origin, passes", () => {
  assert.equal(checkCsrf(post({ Cookie: `lattice_csrf=${TOKEN}`, Origin: ORIGIN, "Sec-Fetch-Site": "same-origin" }), form(TOKEN)), true);
  // No Origin header (older browsers): the token decides.
  assert.equal(checkCsrf(post({ Cookie: `other=1; lattice_csrf=${TOKEN}` }), form(TOKEN)), true);
});

test("a missing cookie, a missing field or a mismatch fails", () => {
  assert.equal(checkCsrf(post({ Origin: ORIGIN }), form(TOKEN)), false);
  assert.equal(checkCsrf(post({ Cookie: `lattice_csrf=${TOKEN}`, Origin: ORIGIN }), form()), false);
  assert.equal(checkCsrf(post({ Cookie: `lattice_csrf=${TOKEN}`, Origin: ORIGIN }), form(newCsrfToken())), false);
  // An empty cookie and an empty field are not a match.
  assert.equal(checkCsrf(post({ Cookie: "lattice_csrf=", Origin: ORIGIN }), form("")), false);
});

test("a cross-site Origin or Sec-Fetch-Site fails even with a matching token", () => {
  const cookie = `lattice_csrf=${TOKEN}`;
  assert.equal(checkCsrf(post({ Cookie: cookie, Origin: "https://evil.example" }), form(TOKEN)), false);
  assert.equal(checkCsrf(post({ Cookie: cookie, Origin: "null" }), form(TOKEN)), false);
  assert.equal(checkCsrf(post({ Cookie: cookie, Origin: "http://matrix.example.org" }), form(TOKEN)), false);
  assert.equal(checkCsrf(post({ Cookie: cookie, "Sec-Fetch-Site": "cross-site" }), form(TOKEN)), false);
});

test("the pages' origin can be given (the issuer's, behind a proxy)", () => {
  const req = post({ Cookie: `lattice_csrf=${TOKEN}`, Origin: "https://public.example" });
  assert.equal(checkCsrf(req, form(TOKEN)), false);
  assert.equal(checkCsrf(req, form(TOKEN), "https://public.example"), true);
});

test("csrfToken reuses the browser's cookie, or makes one to set (Secure over https only)", () => {
  assert.deepEqual(csrfToken(post({ Cookie: `lattice_csrf=${TOKEN}` })), { token: TOKEN, setCookie: null });
  const fresh = csrfToken(post({}));
  assert.equal(fresh.setCookie, `lattice_csrf=${fresh.token}; Path=/; HttpOnly; Secure; SameSite=Strict`);
  const local = csrfToken(new Request("http://localhost:8008/account/login"));
  assert.equal(local.setCookie, `lattice_csrf=${local.token}; Path=/; HttpOnly; SameSite=Strict`);
  // A malformed cookie is replaced rather than trusted.
  assert.notEqual(csrfToken(post({ Cookie: "lattice_csrf=short" })).setCookie, null);
});

test("formPage puts the same token in the form and the cookie", async () => {
  const res = formPage(new Request(`${ORIGIN}/account/login`), (csrf) => ({ title: "t", body: html`<input type="hidden" name="csrf" value="${csrf}">` }), {
    setCookies: ["lattice_session=; Path=/; Max-Age=0"],
  });
  const cookies = res.headers.getSetCookie();
  assert.equal(cookies.length, 2);
  const token = /lattice_csrf=([^;]+)/.exec(cookies[1])?.[1];
  assert.ok(token);
  assert.match(await res.text(), new RegExp(`name="csrf" value="${token}"`));
});
