/**
 * The device authorization grant's pages (RFC 8628) at /link, the verification_uri: a TV or a
 * second phone shows a code, the user types it here, checks what is asked and allows it.
 * All three post to /link: `user_code` alone looks the code up; with `decision` it decides.
 */
import { html } from "./html.js";
import type { Page } from "./layout.js";
import { clientIdentity, clientLinks, clientLogo, scopeList, type ClientInfo } from "./client.js";
import { alertBox, brand, csrfField } from "./parts.js";

export interface DeviceLinkPageInput {
  serverName: string;
  csrf: string;
  /** Pre-filled from verification_uri_complete (?code=…), or kept after a wrong code. */
  userCode?: string;
  error?: string;
}

export function deviceLinkPage({ serverName, csrf, userCode, error }: DeviceLinkPageInput): Page {
  const body = html`<section class="card">
${brand(serverName)}
<h1>Link a device</h1>
<p>Enter the code shown on your other device.</p>
${alertBox(error)}
<form method="post" action="/link" class="form">
${csrfField(csrf)}
<div class="field">
<label for="user_code">Code</label>
<input id="user_code" name="user_code" type="text" class="code-input" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" required maxlength="16" placeholder="ABCD-EFGH" value="${userCode ?? ""}" autofocus>
</div>
<button type="submit" class="button button-primary">Continue</button>
</form>
</section>`;
  return { title: `Link a device to ${serverName}`, body };
}

export interface DeviceConsentPageInput {
  serverName: string;
  userId: string;
  csrf: string;
  userCode: string;
  client: ClientInfo;
  scopes: readonly string[];
}

export function deviceConsentPage(input: DeviceConsentPageInput): Page {
  const { serverName, userId, csrf, userCode, client, scopes } = input;
  const logo = clientLogo(client);
  const body = html`<section class="card">
${brand(serverName)}
${clientIdentity(client)}
<h1>Sign in on another device?</h1>
<p class="signed-in-as">Signed in as <strong class="mxid">${userId}</strong></p>
<p class="code-check">Check that your other device shows <strong class="code">${userCode}</strong></p>
<p>If you allow it, that device gets:</p>
${scopeList(scopes)}
<p class="note note-warn">Only allow this if you started it yourself on a device you have in front of you. Nobody from ${serverName} will ever ask you for this code.</p>
${clientLinks(client)}
<form method="post" action="/link" class="form actions">
${csrfField(csrf)}
<input type="hidden" name="user_code" value="${userCode}">
<button type="submit" name="decision" value="allow" class="button button-primary">Allow</button>
<button type="submit" name="decision" value="deny" class="button button-secondary">Deny</button>
</form>
</section>`;
  return { title: `Sign in on another device?`, body, imgSrc: logo ? [logo] : [] };
}

export interface DeviceDonePageInput {
  serverName: string;
  approved: boolean;
}

export function deviceDonePage({ serverName, approved }: DeviceDonePageInput): Page {
  const body = approved
    ? html`<section class="card">
${brand(serverName)}
<div class="result result-ok" aria-hidden="true"></div>
<h1>Device linked</h1>
<p>You can go back to your other device: it will finish signing in by itself.</p>
<a class="button button-secondary" href="/account/">Manage your account</a>
</section>`
    : html`<section class="card">
${brand(serverName)}
<div class="result result-denied" aria-hidden="true"></div>
<h1>Request denied</h1>
<p>The other device was not signed in. If you did not start this, nothing else is needed.</p>
<a class="button button-secondary" href="/account/">Manage your account</a>
</section>`;
  return { title: approved ? "Device linked" : "Request denied", body };
}
