/**
 * How a client app is presented on the consent pages. Everything a client registers is chosen
 * by whoever registered it, name and logo included; the one thing it cannot fake is the host of
 * its client_uri (the spec requires the redirect URIs and logo to live under it), so that host
 * is shown large and the name small beside it.
 */
import { html, type Html } from "./html.js";
import { isCspSafeUrl } from "./layout.js";
import { hostOf } from "./parts.js";

export interface ClientInfo {
  name: string;
  uri: string;
  logoUri?: string;
  tosUri?: string;
  policyUri?: string;
}

/** Only https links and logos are shown; anything else is dropped rather than linked. */
function httpsOnly(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).protocol === "https:" ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The logo URL the consent page will show (and its CSP must allow), if any. One the CSP could
 * not name exactly is not shown at all: the page falls back to the name's initial rather than
 * a broken image.
 */
export function clientLogo(client: ClientInfo): string | undefined {
  const logo = httpsOnly(client.logoUri);
  return logo && isCspSafeUrl(logo) ? logo : undefined;
}

export function clientIdentity(client: ClientInfo): Html {
  const host = hostOf(client.uri) ?? client.uri;
  const logo = clientLogo(client);
  const initial = (client.name.trim()[0] ?? host[0] ?? "?").toUpperCase();
  return html`<div class="client">
${logo ? html`<img class="client-logo" src="${logo}" alt="" width="56" height="56">` : html`<span class="client-logo client-initial" aria-hidden="true">${initial}</span>`}
<div class="client-text">
<p class="client-name">${client.name}</p>
<p class="${host.length > 24 ? "client-host client-host-long" : "client-host"}">${host}</p>
</div>
</div>`;
}

export function clientLinks(client: ClientInfo): Html {
  const tos = httpsOnly(client.tosUri);
  const policy = httpsOnly(client.policyUri);
  if (!tos && !policy) return html``;
  return html`<p class="client-links">${tos ? html`<a href="${tos}" rel="noreferrer" target="_blank">Terms of service</a>` : ""}${tos && policy ? html` · ` : ""}${policy ? html`<a href="${policy}" rel="noreferrer" target="_blank">Privacy policy</a>` : ""}</p>`;
}

export function scopeList(scopes: readonly string[]): Html {
  return html`<ul class="scopes">${scopes.map((s) => html`<li>${s}</li>`)}</ul>`;
}

/**
 * A web client sends the browser back to an https URI; when its host is neither the client's
 * host nor under it, say where the browser is going. Native apps' private-use URIs
 * (io.element.app:/cb) and loopback addresses are the app itself: no note.
 */
export function redirectNote(client: ClientInfo, redirectUri: string | undefined): Html {
  if (!redirectUri) return html``;
  let target: URL;
  try {
    target = new URL(redirectUri);
  } catch {
    return html``;
  }
  if (target.protocol !== "https:") return html``;
  const clientHost = hostOf(client.uri);
  const host = target.hostname;
  const base = clientHost ? new URL(client.uri).hostname : "";
  if (host === base || host.endsWith(`.${base}`)) return html``;
  return html`<p class="note note-warn">After you decide, you will be sent to <strong>${target.host}</strong>, which is not ${clientHost ?? "the app's site"}.</p>`;
}
