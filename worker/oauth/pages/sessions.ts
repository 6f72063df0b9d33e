/** The account page's list of sessions (devices), each with its own "Sign out" form. */
import { html, type Html } from "./html.js";
import { csrfField, formatUtc } from "./parts.js";

export interface SessionInfo {
  deviceId: string;
  displayName?: string | null;
  /** The OAuth client's name, for sessions an app got through the OAuth API. */
  clientName?: string | null;
  lastSeenTs?: number | null;
  lastSeenIp?: string | null;
  /** The session the page was opened from (the device_id of a deep link from an app). */
  current?: boolean;
}

export function sessionTitle(s: SessionInfo): string {
  return s.displayName || s.clientName || s.deviceId;
}

function lastSeen(s: SessionInfo): string {
  if (!s.lastSeenTs) return "Not seen yet";
  return `Last seen ${formatUtc(s.lastSeenTs)}${s.lastSeenIp ? ` from ${s.lastSeenIp}` : ""}`;
}

/**
 * A session's "Sign out" button. In the list every button reads "Sign out", so screen readers get
 * the session's name after it (visually hidden); a label that names the session already is kept.
 */
export function signOutForm(csrf: string, s: SessionInfo, label?: string, extraClass = "button-small"): Html {
  const text = label ?? html`Sign out<span class="visually-hidden"> ${sessionTitle(s)}</span>`;
  return html`<form method="post" action="/account/devices/delete" class="inline-form">
${csrfField(csrf)}
<input type="hidden" name="device_id" value="${s.deviceId}">
<button type="submit" class="button button-danger-outline ${extraClass}">${text}</button>
</form>`;
}

/** The client's name (when the title is not already it) and the device ID (when it is not the title). */
function sessionMeta(s: SessionInfo): Html {
  const title = sessionTitle(s);
  const client = s.clientName && s.clientName !== title ? s.clientName : null;
  const id = s.deviceId !== title ? s.deviceId : null;
  if (!client && !id) return html``;
  return html`<p class="session-meta">${client}${client && id ? " · " : ""}${id ? html`<span class="mono">${id}</span>` : ""}</p>`;
}

export function sessionDetails(s: SessionInfo): Html {
  return html`<p class="session-name">${sessionTitle(s)}${s.current ? html` <span class="badge">This device</span>` : ""}</p>
${sessionMeta(s)}
<p class="session-meta">${lastSeen(s)}</p>`;
}

export function sessionList(csrf: string, sessions: readonly SessionInfo[], highlight?: string): Html {
  if (sessions.length === 0) return html`<p class="note">No sessions: no app is signed in to this account.</p>`;
  // The current session first, then the most recently seen.
  const sorted = [...sessions].sort((a, b) => Number(b.current ?? false) - Number(a.current ?? false) || (b.lastSeenTs ?? 0) - (a.lastSeenTs ?? 0));
  return html`<ul class="sessions">${sorted.map(
    (s) => html`<li class="${s.deviceId === highlight ? "session session-highlight" : "session"}">
<div class="session-main">${sessionDetails(s)}</div>
${signOutForm(csrf, s)}
</li>`,
  )}</ul>`;
}
