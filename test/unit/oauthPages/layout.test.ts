import { test } from "node:test";
import assert from "node:assert/strict";
import { html } from "../../../worker/oauth/pages/html.js";
import { contentSecurityPolicy, htmlPage } from "../../../worker/oauth/pages/layout.js";
import { STYLESHEET, styleResponse } from "../../../worker/oauth/pages/style.js";

test("a page carries its security headers and the strict CSP", async () => {
  const res = htmlPage({ title: "T <x>", body: html`<p>hi</p>` });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("Content-Type"), "text/html; charset=utf-8");
  assert.equal(res.headers.get("Content-Security-Policy"), "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'");
  assert.equal(res.headers.get("X-Frame-Options"), "DENY");
  assert.equal(res.headers.get("X-Content-Type-Options"), "nosniff");
  assert.equal(res.headers.get("Referrer-Policy"), "same-origin");
  assert.equal(res.headers.get("Cache-Control"), "no-store");
  const text = await res.text();
  assert.match(text, /^<!doctype html>/);
  assert.match(text, /<title>T &lt;x&gt;<\/title>/);
  assert.match(text, /<link rel="stylesheet" href="\/account\/style.css">/);
  assert.match(text, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
  assert.doesNotMatch(text, /<script/i);
  assert.doesNotMatch(text, /(src|href)="https?:/, "no outside assets");
  assert.match(text, /<link rel="icon" href="data:image\/svg\+xml,/);
});

test("the CSP has no form-action (it would block the redirect to a native app's URI) and no script-src", () => {
  const csp = contentSecurityPolicy(["https://client.example/logo.png"]);
  assert.doesNotMatch(csp, /form-action/);
  assert.doesNotMatch(csp, /script-src/);
  assert.match(csp, /img-src 'self' data: https:\/\/client\.example\/logo\.png;/);
});

test("an image source that could add a CSP directive or source is dropped", () => {
  const csp = contentSecurityPolicy(["https://a.example/x.png; script-src *", "https://b.example/a b.png", "javascript:alert(1)", "https://c.example/ok.png"]);
  assert.match(csp, /img-src 'self' data: https:\/\/c\.example\/ok\.png;/);
  assert.doesNotMatch(csp, /script-src|a\.example|b\.example|javascript/);
});

test("status, extra headers and several Set-Cookie values pass through; security headers win", () => {
  const res = htmlPage({
    title: "x",
    body: html``,
    status: 400,
    headers: { "X-Extra": "1", "x-frame-options": "ALLOWALL", "content-security-policy": "default-src *" },
    setCookies: ["a=1; Path=/", "b=2; Path=/"],
  });
  assert.equal(res.status, 400);
  assert.equal(res.headers.get("X-Extra"), "1");
  assert.equal(res.headers.get("X-Frame-Options"), "DENY");
  assert.match(res.headers.get("Content-Security-Policy") ?? "", /^default-src 'none'; /);
  assert.deepEqual(res.headers.getSetCookie(), ["a=1; Path=/", "b=2; Path=/"]);
});

test("the stylesheet is CSS, cached, fetches nothing from elsewhere and has a dark scheme", () => {
  const res = styleResponse();
  assert.equal(res.headers.get("Content-Type"), "text/css; charset=utf-8");
  assert.match(res.headers.get("Cache-Control") ?? "", /max-age=\d{5,}/);
  assert.match(STYLESHEET, /prefers-color-scheme: dark/);
  assert.match(STYLESHEET, /:focus-visible/);
  assert.doesNotMatch(STYLESHEET, /@import|url\((?!"data:)/);
});
