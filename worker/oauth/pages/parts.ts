/** Pieces shared by the page render functions. */
import { html, type Html } from "./html.js";

/** The Lattice mark and the server's name, above every card's heading. */
export function brand(serverName: string): Html {
  return html`<header class="brand"><span class="brand-mark" aria-hidden="true"></span><span class="brand-name">${serverName}</span></header>`;
}

export function csrfField(csrf: string): Html {
  return html`<input type="hidden" name="csrf" value="${csrf}">`;
}

export function hiddenFields(fields: Record<string, string>): Html {
  return html`${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}`;
}

/** An error next to the form: role="alert" so screen readers announce it on arrival. */
export function alertBox(message: string | undefined): Html {
  return html`${message ? html`<div class="alert alert-error" role="alert">${message}</div>` : ""}`;
}

/** A success message (password changed, session signed out): polite, not an alarm. */
export function noticeBox(message: string | undefined): Html {
  return html`${message ? html`<div class="alert alert-ok" role="status">${message}</div>` : ""}`;
}

/** The host of a URL as people read it, or null when it is not a URL with one. */
export function hostOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).host || null;
  } catch {
    return null;
  }
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * A timestamp in UTC, written out plainly ("7 Dec 2026, 23:10 UTC"): without JavaScript the
 * page cannot know the reader's time zone, so it names the one it uses.
 */
export function formatUtc(ts: number): string {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return "unknown";
  const hh = String(d.getUTCHours()).padStart(2, "0");
  const mm = String(d.getUTCMinutes()).padStart(2, "0");
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${hh}:${mm} UTC`;
}

/** A query string for links between pages that carry `next` (sign-in ⇄ sign-up). */
export function withNext(path: string, next: string | undefined): string {
  return next ? `${path}?next=${encodeURIComponent(next)}` : path;
}
