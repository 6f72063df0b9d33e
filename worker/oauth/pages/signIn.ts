/** The sign-in page (GET/POST /account/login): username and password, nothing else. */
import { html } from "./html.js";
import type { Page } from "./layout.js";
import { alertBox, brand, csrfField, withNext } from "./parts.js";

export interface SignInPageInput {
  serverName: string;
  /** Where to continue after signing in (an /oauth2/auth or /link URL); carried through the form. */
  next: string;
  csrf: string;
  error?: string;
  /** Kept after a failed attempt so only the password has to be typed again. */
  username?: string;
  canRegister: boolean;
}

export function signInPage(input: SignInPageInput): Page {
  const { serverName, next, csrf, error, username, canRegister } = input;
  const body = html`<section class="card">
${brand(serverName)}
<h1>Sign in to ${serverName}</h1>
${alertBox(error)}
<form method="post" action="/account/login" class="form">
${csrfField(csrf)}
<input type="hidden" name="next" value="${next}">
<div class="field">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${username ?? ""}"${username ? "" : html` autofocus`}>
<p class="hint">Your username, or your full Matrix ID like @name:${serverName}</p>
</div>
<div class="field">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${username ? html` autofocus` : ""}>
</div>
<button type="submit" class="button button-primary">Sign in</button>
</form>
${canRegister ? html`<p class="switch">New to ${serverName}? <a href="${withNext("/account/register", next)}">Create an account</a></p>` : ""}
</section>`;
  return { title: `Sign in to ${serverName}`, body };
}
