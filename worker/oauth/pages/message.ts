/** Pages with a message and no form: errors of the authorization endpoint, signed out, deactivated. */
import { html } from "./html.js";
import type { Page } from "./layout.js";
import { brand } from "./parts.js";

export interface ErrorPageInput {
  title: string;
  message: string;
  serverName?: string;
}

/**
 * An authorization request that cannot be answered by redirecting (unknown client, redirect URI
 * not registered): RFC 6749 4.1.2.1 says tell the user and never redirect, since the URI could
 * be an attacker's. Sent with a 400 by the caller.
 */
export function errorPage({ title, message, serverName }: ErrorPageInput): Page {
  const body = html`<section class="card">
${serverName ? brand(serverName) : ""}
<div class="result result-error" aria-hidden="true"></div>
<h1>${title}</h1>
<p>${message}</p>
<p class="note">If an app sent you here, go back to it and try again, or tell its developers.</p>
</section>`;
  return { title, body };
}

export interface SignedOutPageInput {
  serverName: string;
}

export function signedOutPage({ serverName }: SignedOutPageInput): Page {
  const body = html`<section class="card">
${brand(serverName)}
<h1>You are signed out</h1>
<p>You have signed out of ${serverName} in this browser. Apps you allowed stay signed in: manage them from your account page.</p>
<a class="button button-primary" href="/account/login">Sign in again</a>
</section>`;
  return { title: `Signed out of ${serverName}`, body };
}

export interface DeactivatedPageInput {
  serverName: string;
  userId: string;
}

/** After "Deactivate account": the account is closed and this browser signed out, so no link back to it. */
export function deactivatedPage({ serverName, userId }: DeactivatedPageInput): Page {
  const body = html`<section class="card">
${brand(serverName)}
<h1>Your account is deactivated</h1>
<p><span class="mono">${userId}</span> has left its rooms, every session is signed out, and the account can no longer sign in.</p>
<p class="note">You can close this page.</p>
</section>`;
  return { title: `Account deactivated on ${serverName}`, body };
}
