import { test } from "node:test";
import assert from "node:assert/strict";
import { escapeHtml, html, Html } from "../../../worker/oauth/pages/html.js";

test("escapeHtml escapes the five markup characters (attribute values included)", () => {
  assert.equal(escapeHtml(`<script>alert("x")</script> & 'y'`), "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;");
  assert.equal(escapeHtml(`" onmouseover="alert(1)`), "&quot; onmouseover=&quot;alert(1)");
});

test("html escapes every interpolated value, in text and attributes", () => {
  const name = `<script>alert(1)</script>`;
  const attr = `"onmouseover=alert(1) x="`;
  const out = html`<p title="${attr}">${name}</p>`.value;
  assert.equal(out, `<p title="&quot;onmouseover=alert(1) x=&quot;">&lt;script&gt;alert(1)&lt;/script&gt;</p>`);
});

test("html keeps nested Html, joins lists and drops null, undefined and false", () => {
  const inner = html`<b>${"a&b"}</b>`;
  assert.ok(inner instanceof Html);
  assert.equal(html`${inner}${["<", html`<i>`]}${null}${undefined}${false}${0}`.value, "<b>a&amp;b</b>&lt;<i>0");
});

test("a plain string that looks like markup is still escaped (only Html passes through)", () => {
  const looksSafe = "<b>bold</b>";
  assert.equal(html`${looksSafe}`.value, "&lt;b&gt;bold&lt;/b&gt;");
});
