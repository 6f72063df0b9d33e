/** The consent page of the authorization endpoint (GET /oauth2/auth → POST /account/consent). */
import { html } from "./html.js";
import type { Page } from "./layout.js";
import { clientIdentity, clientLinks, clientLogo, redirectNote, scopeList, type ClientInfo } from "./client.js";
import { brand, csrfField, hiddenFields } from "./parts.js";

export interface ConsentPageInput {
  serverName: string;
  userId: string;
  csrf: string;
  client: ClientInfo;
  /** What the grant allows, in words ("Full access to your account: read and send messages"). */
  scopes: readonly string[];
  /** The authorization request, carried through the form (client_id, redirect_uri, state, …). */
  params: Record<string, string>;
  /** Where the browser goes afterwards; a note is shown when it leaves the client's site. */
  redirectUri?: string;
}

export function consentPage(input: ConsentPageInput): Page {
  const { serverName, userId, csrf, client, scopes, params } = input;
  const logo = clientLogo(client);
  // The form adds its own csrf and decision fields; a parameter of that name must not shadow them.
  const carried = Object.fromEntries(Object.entries(params).filter(([k]) => k !== "csrf" && k !== "decision"));
  const body = html`<section class="card">
${brand(serverName)}
${clientIdentity(client)}
<h1>Allow this app to use your account?</h1>
<p class="signed-in-as">Signed in as <strong class="mxid">${userId}</strong></p>
<p>If you allow it, the app gets:</p>
${scopeList(scopes)}
${redirectNote(client, input.redirectUri ?? params.redirect_uri)}
<p class="note">Only allow apps you trust. You can sign it out at any time from your account page.</p>
${clientLinks(client)}
<form method="post" action="/account/consent" class="form actions">
${csrfField(csrf)}
${hiddenFields(carried)}
<button type="submit" name="decision" value="allow" class="button button-primary">Allow</button>
<button type="submit" name="decision" value="deny" class="button button-secondary">Deny</button>
</form>
<form method="post" action="/account/logout" class="switch-form">
${csrfField(csrf)}
<input type="hidden" name="next" value="${"/oauth2/auth?" + new URLSearchParams(carried).toString()}">
<button type="submit" class="link-button">Not ${userId}? Use another account</button>
</form>
</section>`;
  return { title: `Allow ${client.name} to use your account?`, body, imgSrc: logo ? [logo] : [] };
}
