/** The sign-up page (GET/POST /account/register), and its stand-in when registration is closed. */
import { html } from "./html.js";
import type { Page } from "./layout.js";
import { alertBox, brand, csrfField, withNext } from "./parts.js";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../../client/passwordRules.js";

export interface SignUpPageInput {
  serverName: string;
  next: string;
  csrf: string;
  error?: string;
  username?: string;
  /** "token": registration needs a registration token (m.login.registration_token). */
  mode: "open" | "token";
}

export function signUpPage(input: SignUpPageInput): Page {
  const { serverName, next, csrf, error, username, mode } = input;
  const body = html`<section class="card">
${brand(serverName)}
<h1>Create an account on ${serverName}</h1>
${alertBox(error)}
<form method="post" action="/account/register" class="form">
${csrfField(csrf)}
<input type="hidden" name="next" value="${next}">
<div class="field">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${username ?? ""}" aria-describedby="username-hint">
<p class="hint" id="username-hint">Your Matrix ID will be @username:${serverName}. Use lower-case letters, digits and . _ = - /</p>
</div>
<div class="field">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" maxlength="${MAX_PASSWORD_LENGTH}" required>
</div>
<div class="field">
<label for="password_confirm">Confirm password</label>
<input id="password_confirm" name="password_confirm" type="password" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" maxlength="${MAX_PASSWORD_LENGTH}" required>
</div>
${mode === "token" ? html`<div class="field">
<label for="registration_token">Registration token</label>
<input id="registration_token" name="registration_token" type="text" autocomplete="off" autocapitalize="none" spellcheck="false" required aria-describedby="token-hint">
<p class="hint" id="token-hint">${serverName} is invite-only: ask its admin for a token.</p>
</div>` : ""}
<button type="submit" class="button button-primary">Create account</button>
</form>
<p class="switch">Already have an account? <a href="${withNext("/account/login", next)}">Sign in</a></p>
</section>`;
  return { title: `Create an account on ${serverName}`, body };
}

export interface SignUpClosedPageInput {
  serverName: string;
  next?: string;
}

export function signUpClosedPage({ serverName, next }: SignUpClosedPageInput): Page {
  const body = html`<section class="card">
${brand(serverName)}
<h1>Registration is closed</h1>
<p>${serverName} is not accepting new accounts. If you already have one, sign in instead.</p>
<a class="button button-primary" href="${withNext("/account/login", next)}">Sign in</a>
</section>`;
  return { title: `Registration is closed on ${serverName}`, body };
}
