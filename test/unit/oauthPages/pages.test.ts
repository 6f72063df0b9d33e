import { test } from "node:test";
import assert from "node:assert/strict";
import { documentHtml } from "../../../worker/oauth/pages/layout.js";
import { accountAction, accountPage } from "../../../worker/oauth/pages/account.js";
import { consentPage } from "../../../worker/oauth/pages/consent.js";
import { signInPage } from "../../../worker/oauth/pages/signIn.js";
import { signUpPage } from "../../../worker/oauth/pages/signUp.js";
import { formatUtc } from "../../../worker/oauth/pages/parts.js";
import { CSRF, samples } from "../../fixtures/oauthPages/samples.js";
import { formProblems, formsOf } from "./htmlCheck.js";

const render = (name: string) => {
  const s = samples().find((x) => x.name === name);
  assert.ok(s, name);
  return documentHtml(s.page).value;
};

test("every form on every page posts, carries the CSRF token, and labels its inputs with autocomplete", () => {
  for (const { name, page } of samples()) {
    assert.deepEqual(formProblems(documentHtml(page).value, CSRF), [], name);
  }
});

test("no page has JavaScript, inline styles or event handler attributes", () => {
  for (const { name, page } of samples()) {
    const text = documentHtml(page).value;
    assert.doesNotMatch(text, /<script|<style|\sstyle="|\son[a-z]+=|javascript:/i, name);
  }
});

test("hostile client data is shown as text, never as markup", () => {
  const text = render("consent-hostile");
  assert.match(text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;&quot;onmouseover=alert\(1\) x=&quot;/);
  assert.doesNotMatch(text, /<script|"onmouseover|"onerror/);
  // A logo URL the CSP could not name exactly is not shown (the initial is); a javascript:
  // terms link is dropped.
  assert.doesNotMatch(text, /<img|x\.png/);
  assert.match(text, /<span class="client-logo client-initial" aria-hidden="true">&lt;<\/span>/);
  assert.doesNotMatch(text, /Terms of service/);
});

test("sign-in: the username and password fields are as password managers and phones want them", () => {
  const text = render("signin");
  const [form] = formsOf(text);
  assert.equal(form.attrs.get("action"), "/account/login");
  const user = form.inputs.find((i) => i.get("name") === "username");
  assert.equal(user?.get("autocomplete"), "username");
  assert.equal(user?.get("autocapitalize"), "none");
  assert.equal(user?.get("spellcheck"), "false");
  assert.ok(user?.has("required"));
  assert.equal(form.inputs.find((i) => i.get("name") === "password")?.get("autocomplete"), "current-password");
  assert.equal(form.inputs.find((i) => i.get("name") === "next")?.get("value"), "/oauth2/auth?client_id=abc&amp;state=xyz");
  assert.match(text, /Sign in to example\.org/);
  assert.match(text, /href="\/account\/register\?next=%2Foauth2%2Fauth%3Fclient_id%3Dabc%26state%3Dxyz"/);
  assert.equal(form.buttons.length, 1);
});

test("sign-in with an error keeps the username and shows the error in an alert; no sign-up link when closed", () => {
  const text = render("signin-error");
  assert.match(text, /<div class="alert alert-error" role="alert">Wrong username or password\.<\/div>/);
  assert.match(text, /name="username"[^>]*value="alice"/);
  assert.doesNotMatch(text, /\/account\/register/);
});

test("sign-up asks for the password twice with new-password, and for a token only in token mode", () => {
  const open = signUpPage({ serverName: "s", next: "/", csrf: CSRF, mode: "open" }).body.value;
  const token = signUpPage({ serverName: "s", next: "/", csrf: CSRF, mode: "token" }).body.value;
  const [form] = formsOf(open);
  assert.equal(form.attrs.get("action"), "/account/register");
  assert.deepEqual(form.inputs.filter((i) => i.get("type") === "password").map((i) => i.get("autocomplete")), ["new-password", "new-password"]);
  assert.doesNotMatch(open, /registration_token/);
  assert.match(token, /name="registration_token"/);
  assert.match(open, /href="\/account\/login\?next=%2F"/);
});

test("consent: the client's host is shown, the request is carried, Allow and Deny decide", () => {
  const page = consentPage({
    serverName: "example.org",
    userId: "@a:example.org",
    csrf: CSRF,
    client: { name: "App", uri: "https://app.example.com/path", logoUri: "https://app.example.com/logo.png" },
    scopes: ["Read your messages"],
    params: { client_id: "c1", state: "st", csrf: "attacker", decision: "allow" },
  });
  const text = page.body.value;
  assert.match(text, /<p class="client-host">app\.example\.com<\/p>/);
  assert.match(render("consent-long-name"), /<p class="client-host client-host-long">a-very-long-subdomain-name\.chat-client-with-long-domain\.example\.com<\/p>/);
  assert.deepEqual(page.imgSrc, ["https://app.example.com/logo.png"]);
  const form = formsOf(text).find((f) => f.attrs.get("action") === "/account/consent");
  assert.ok(form);
  assert.deepEqual(form.buttons.map((b) => [b.get("name"), b.get("value")]), [["decision", "allow"], ["decision", "deny"]]);
  assert.deepEqual(form.inputs.filter((i) => i.get("name") === "csrf").map((i) => i.get("value")), [CSRF], "a csrf request parameter does not shadow the token");
  assert.equal(form.inputs.some((i) => i.get("name") === "decision"), false);
  assert.equal(form.inputs.find((i) => i.get("name") === "client_id")?.get("value"), "c1");
});

test("consent notes a redirect to another site, not one to the client's own or a native app", () => {
  assert.match(render("consent-long-name"), /you will be sent to <strong>elsewhere\.example\.net<\/strong>/);
  assert.doesNotMatch(render("consent"), /you will be sent to/);
  assert.doesNotMatch(render("consent-hostile"), /you will be sent to/);
});

test("the device code field is a one-time code, upper-cased", () => {
  const [form] = formsOf(render("link"));
  assert.equal(form.attrs.get("action"), "/link");
  const code = form.inputs.find((i) => i.get("name") === "user_code");
  assert.equal(code?.get("autocomplete"), "one-time-code");
  assert.equal(code?.get("autocapitalize"), "characters");
  assert.match(render("device-consent"), /<strong class="code">WDJB-MJHT<\/strong>/);
});

test("account deep-link actions, stable and MSC4191 names", () => {
  assert.equal(accountAction("org.matrix.device_delete"), "device_delete");
  assert.equal(accountAction("org.matrix.session_end"), "device_delete");
  assert.equal(accountAction("org.matrix.sessions_list"), "devices_list");
  assert.equal(accountAction("org.matrix.unknown"), null);
  assert.equal(accountAction("toString"), null);
  assert.equal(accountAction(undefined), null);
});

test("the account page: one sign-out form per session, password and deactivate forms", () => {
  const text = render("account");
  const forms = formsOf(text);
  assert.deepEqual(forms.filter((f) => f.attrs.get("action") === "/account/devices/delete").map((f) => f.inputs.find((i) => i.get("name") === "device_id")?.get("value")), ["ABCDEFGHIJ", "QWERTYUIOP", "ZXCVBNMASD"]);
  const pw = forms.find((f) => f.attrs.get("action") === "/account/password");
  assert.deepEqual(pw?.inputs.filter((i) => i.get("type") === "password").map((i) => i.get("autocomplete")), ["current-password", "new-password", "new-password"]);
  const deact = forms.find((f) => f.attrs.get("action") === "/account/deactivate");
  assert.ok(deact?.inputs.some((i) => i.get("type") === "checkbox" && i.has("required")));
  assert.match(text, /role="status">Your password was changed\./);
  assert.match(text, /Last seen 7 Dec 2026, 23:09 UTC from 203\.0\.113\.7/);
  assert.doesNotMatch(text, /cross-signing-reset/);
});

test("action=org.matrix.cross_signing_reset shows the reset approval form first", () => {
  const text = render("account-cross-signing-reset");
  assert.match(text, /action="\/account\/cross-signing-reset"/);
  assert.match(text, /Allow resetting your cryptographic identity for 10 minutes/);
  assert.ok(text.indexOf("cross-signing-reset") < text.indexOf('id="sessions"'));
});

test("device_delete with a device_id asks to confirm signing out that session; an unknown one says so", () => {
  const text = render("account-device-delete");
  assert.match(text, /Sign out this session\?/);
  assert.match(text, />Sign out Element X on iPhone<\/button>/);
  assert.match(text, />Sign out<span class="visually-hidden"> Element X on iPhone<\/span><\/button>/);
  const unknown = accountPage({ serverName: "s", userId: "@a:s", csrf: CSRF, sessions: [], action: "org.matrix.device_delete", deviceId: "<NOPE>" }).body.value;
  assert.match(unknown, /There is no session <span class="mono">&lt;NOPE&gt;<\/span>/);
});

test("deactivate deep link and errors open their section with the alert inside it", () => {
  const text = render("account-deactivate-error");
  assert.match(text, /<details class="card card-danger card-highlight" id="deactivate" open>/);
  const section = text.slice(text.indexOf('id="deactivate"'));
  assert.match(section, /role="alert">Wrong password\./);
  assert.equal((text.match(/role="alert"/g) ?? []).length, 1);
  assert.match(render("account-password-error"), /id="password" open>/);
});

test("formatUtc writes UTC plainly", () => {
  assert.equal(formatUtc(Date.UTC(2026, 0, 5, 3, 4)), "5 Jan 2026, 03:04 UTC");
  assert.equal(formatUtc(Number.NaN), "unknown");
});

test("a sign-in page title names the server, escaped", () => {
  const page = signInPage({ serverName: "<b>x</b>", next: "/", csrf: CSRF, canRegister: false });
  assert.equal(page.title, "Sign in to <b>x</b>");
  assert.match(documentHtml(page).value, /<title>Sign in to &lt;b&gt;x&lt;\/b&gt;<\/title>/);
});

test("the form checker itself finds a missing token, label or autocomplete (it is not vacuous)", () => {
  const bad = `<form method="get" action="/x"><input type="hidden" name="csrf" value="other"><input id="a" name="a" type="text"><input id="b" name="b" type="password" autocomplete="current-password"><label for="b">B</label><button type="submit">Go</button></form>`;
  assert.deepEqual(formProblems(bad, CSRF), [
    "form /x is not a POST",
    "form /x has no csrf field",
    "form /x: input a has no label",
    "form /x: input a has no autocomplete",
  ]);
  assert.ok(samples().reduce((n, s) => n + formsOf(documentHtml(s.page).value).length, 0) > 30);
});
