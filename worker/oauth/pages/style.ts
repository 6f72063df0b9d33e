/**
 * The stylesheet of the account pages, served at /account/style.css (the pages' CSP allows
 * styles from our own origin only, so no inline <style>). Mobile first: one calm column of
 * cards, system fonts (nothing fetched from elsewhere), large touch targets, visible focus
 * rings, and a dark scheme that follows the device. The Lattice mark and the result icons are
 * inline SVG data: URLs, which the CSP's img-src allows.
 */
import { STYLESHEET_PATH } from "./layout.js";
import { LATTICE_MARK } from "./mark.js";

export { STYLESHEET_PATH };

export const STYLESHEET = `:root {
  color-scheme: light dark;
  --bg: #f3f5f8;
  --card: #ffffff;
  --text: #161a20;
  --muted: #5a6371;
  --border: #dde2e9;
  --input-bg: #ffffff;
  --input-border: #b9c1cc;
  --accent: #2f5bd3;
  --accent-hover: #2449b0;
  --accent-text: #ffffff;
  --accent-soft: #e9effd;
  --focus: #2f5bd3;
  --danger: #b42318;
  --danger-hover: #912018;
  --danger-soft: #fdecea;
  --ok: #1f7a45;
  --ok-soft: #e7f5ec;
  --warn-text: #7a4b00;
  --warn-soft: #fff5e0;
  --warn-border: #f2c46d;
  --shadow: 0 1px 2px rgba(16, 24, 40, 0.06), 0 4px 16px rgba(16, 24, 40, 0.06);
  --radius: 16px;
  --radius-sm: 10px;
}

@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0e1116;
    --card: #171b22;
    --text: #e7eaee;
    --muted: #9aa4b2;
    --border: #2a313c;
    --input-bg: #0f1318;
    --input-border: #3b4452;
    --accent: #7ea2ff;
    --accent-hover: #a3bdff;
    --accent-text: #0b1020;
    --accent-soft: #1c2740;
    --focus: #a3bdff;
    --danger: #ff8a80;
    --danger-hover: #ffb3ab;
    --danger-soft: #3a1d1d;
    --ok: #6fd39a;
    --ok-soft: #16301f;
    --warn-text: #ffd58a;
    --warn-soft: #33270f;
    --warn-border: #6b5218;
    --shadow: 0 1px 2px rgba(0, 0, 0, 0.4), 0 8px 24px rgba(0, 0, 0, 0.3);
  }
}

*, *::before, *::after { box-sizing: border-box; }

html {
  -webkit-text-size-adjust: 100%;
  text-size-adjust: 100%;
}

body {
  margin: 0;
  min-height: 100vh;
  background: var(--bg);
  color: var(--text);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial, sans-serif;
  font-size: 16px;
  line-height: 1.5;
  display: flex;
  flex-direction: column;
  align-items: center;
}

.page {
  width: 100%;
  max-width: 452px;
  padding: 16px 16px 8px;
  display: flex;
  flex-direction: column;
  gap: 16px;
}
.page-wide { max-width: 592px; }

@media (min-width: 600px) {
  .page { padding-top: 8vh; }
  .page-wide { padding-top: 48px; }
}

.card {
  background: var(--card);
  border: 1px solid var(--border);
  border-radius: var(--radius);
  box-shadow: var(--shadow);
  padding: 24px 20px;
  overflow-wrap: anywhere;
}
@media (min-width: 600px) {
  .card { padding: 32px; }
}
.card > :last-child, details.card[open] > :last-child { margin-bottom: 0; }
.form + p, .actions + p { margin-top: 16px; }
.card-highlight { border-color: var(--accent); box-shadow: 0 0 0 1px var(--accent), var(--shadow); }
.card-warn { background: linear-gradient(var(--warn-soft), var(--card) 120px); border-color: var(--warn-border); box-shadow: 0 0 0 1px var(--warn-border), var(--shadow); }
.card-danger.card-highlight { border-color: var(--danger); box-shadow: 0 0 0 1px var(--danger), var(--shadow); }

.page-footer {
  color: var(--muted);
  font-size: 13px;
  padding: 16px 16px 32px;
  text-align: center;
}

.brand {
  display: flex;
  align-items: center;
  gap: 10px;
  margin-bottom: 20px;
  color: var(--muted);
  font-size: 14px;
  font-weight: 600;
  letter-spacing: 0.01em;
  min-width: 0;
}
.brand-mark {
  flex: none;
  width: 28px;
  height: 28px;
  background: url("${LATTICE_MARK}") center / contain no-repeat;
}
.brand-name { overflow-wrap: anywhere; }

h1, h2 { margin: 0 0 12px; line-height: 1.25; letter-spacing: -0.01em; }
h1 { font-size: 24px; font-weight: 700; }
h2 { font-size: 19px; font-weight: 650; }
p { margin: 0 0 12px; }
a { color: var(--accent); text-underline-offset: 2px; }
a:hover { color: var(--accent-hover); }

.mono, .mxid { font-family: ui-monospace, "SF Mono", "Cascadia Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92em; }
.mxid { color: var(--muted); }
strong.mxid { color: var(--text); font-weight: 600; }

.note { color: var(--muted); font-size: 14px; }
.note-warn {
  color: var(--warn-text);
  background: var(--warn-soft);
  border: 1px solid var(--warn-border);
  border-radius: var(--radius-sm);
  padding: 10px 12px;
}

.hint { color: var(--muted); font-size: 13.5px; margin: 6px 0 0; }

.form { display: flex; flex-direction: column; gap: 16px; margin: 20px 0 0; }
.field { display: flex; flex-direction: column; gap: 6px; }
.field label { font-weight: 600; font-size: 15px; }

input[type="text"], input[type="password"] {
  width: 100%;
  min-height: 48px;
  padding: 10px 14px;
  font: inherit;
  font-size: 17px;
  color: var(--text);
  background: var(--input-bg);
  border: 1.5px solid var(--input-border);
  border-radius: var(--radius-sm);
  transition: border-color 0.15s;
}
input[type="text"]:hover, input[type="password"]:hover { border-color: var(--muted); }
input::placeholder { color: var(--muted); opacity: 0.7; }

.code-input {
  text-transform: uppercase;
  letter-spacing: 0.2em;
  text-align: center;
  font-family: ui-monospace, "SF Mono", "Cascadia Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: 24px !important;
  font-weight: 600;
  min-height: 60px !important;
}

.field-check { flex-direction: row; align-items: flex-start; gap: 12px; }
.field-check label { font-weight: 500; padding-top: 1px; }
input[type="checkbox"] {
  flex: none;
  width: 22px;
  height: 22px;
  margin: 1px 0 0;
  accent-color: var(--accent);
}
.card-danger input[type="checkbox"] { accent-color: var(--danger); }

:focus-visible {
  outline: 3px solid var(--focus);
  outline-offset: 2px;
}
input:focus-visible { outline-offset: 1px; border-color: var(--focus); }

.button {
  display: inline-flex;
  align-items: center;
  justify-content: center;
  gap: 8px;
  min-height: 48px;
  padding: 10px 20px;
  font: inherit;
  font-size: 16px;
  font-weight: 600;
  line-height: 1.2;
  text-align: center;
  text-decoration: none;
  border-radius: var(--radius-sm);
  border: 1.5px solid transparent;
  cursor: pointer;
  width: 100%;
  overflow-wrap: anywhere;
}
.button-primary { background: var(--accent); color: var(--accent-text); }
.button-primary:hover { background: var(--accent-hover); color: var(--accent-text); }
.button-secondary { background: transparent; color: var(--text); border-color: var(--input-border); }
.button-secondary:hover { background: var(--accent-soft); color: var(--text); }
.button-danger { background: var(--danger); color: #fff; }
.button-danger:hover { background: var(--danger-hover); }
@media (prefers-color-scheme: dark) {
  .button-danger, .button-danger:hover { color: #1a0b0a; }
}
.button-danger-outline { background: transparent; color: var(--danger); border-color: currentColor; }
.button-danger-outline:hover { background: var(--danger-soft); color: var(--danger); }
.button-small { width: auto; min-height: 40px; padding: 8px 14px; font-size: 14.5px; }
.button-block { width: 100%; }
.card > .button { margin-top: 8px; }

.actions { display: flex; flex-direction: column; gap: 10px; }
.actions .inline-form { display: block; }

.link-button {
  background: none;
  border: 0;
  padding: 8px 4px;
  min-height: 44px;
  font: inherit;
  font-size: 14px;
  color: var(--accent);
  text-decoration: underline;
  text-underline-offset: 2px;
  cursor: pointer;
  overflow-wrap: anywhere;
}
.switch-form { margin-top: 12px; text-align: center; }
.switch { margin: 20px 0 0; text-align: center; color: var(--muted); font-size: 15px; }
.switch a { font-weight: 600; display: inline-block; padding: 8px 2px; }

.alert {
  border-radius: var(--radius-sm);
  padding: 12px 14px;
  margin: 12px 0;
  font-size: 15px;
  border: 1px solid;
}
.alert-error { color: var(--danger); background: var(--danger-soft); border-color: color-mix(in srgb, var(--danger) 35%, transparent); }
.alert-ok { color: var(--ok); background: var(--ok-soft); border-color: color-mix(in srgb, var(--ok) 35%, transparent); }

.client {
  display: flex;
  align-items: flex-start;
  gap: 14px;
  padding: 14px;
  margin: 0 0 20px;
  background: var(--accent-soft);
  border-radius: var(--radius-sm);
  min-width: 0;
}
.client-logo {
  flex: none;
  width: 56px;
  height: 56px;
  border-radius: 14px;
  object-fit: cover;
  background: var(--card);
}
.client-initial {
  display: flex;
  align-items: center;
  justify-content: center;
  font-size: 26px;
  font-weight: 700;
  color: var(--accent);
  border: 1px solid var(--border);
}
.client-text { min-width: 0; }
.client-text { align-self: center; }
.client-name { margin: 0 0 2px; font-size: 15px; font-weight: 600; color: var(--muted); display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
.client-host { margin: 0; font-size: 20px; line-height: 1.3; font-weight: 700; overflow-wrap: anywhere; }
.client-host-long { font-size: 16px; }
.client-links { font-size: 14px; color: var(--muted); }

.signed-in-as { color: var(--muted); font-size: 15px; }

.scopes {
  list-style: none;
  margin: 0 0 16px;
  padding: 0;
  display: flex;
  flex-direction: column;
  gap: 8px;
}
.scopes li {
  position: relative;
  padding: 10px 12px 10px 40px;
  border: 1px solid var(--border);
  border-radius: var(--radius-sm);
  font-size: 15px;
}
.scopes li::before {
  content: "";
  position: absolute;
  left: 14px;
  top: 17px;
  width: 12px;
  height: 7px;
  border-left: 2.5px solid var(--ok);
  border-bottom: 2.5px solid var(--ok);
  transform: rotate(-45deg);
}

.code-check { font-size: 15px; }
.code {
  font-family: ui-monospace, "SF Mono", "Cascadia Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: 20px;
  letter-spacing: 0.12em;
  padding: 2px 8px;
  border-radius: 6px;
  background: var(--accent-soft);
  white-space: nowrap;
}

.result { width: 56px; height: 56px; margin: 4px 0 16px; background: center / contain no-repeat; }
.result-ok { background-image: url("data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 48 48'><circle cx='24' cy='24' r='24' fill='%231f8a4c'/><path d='M14 25l7 7 13-15' fill='none' stroke='%23fff' stroke-width='4' stroke-linecap='round' stroke-linejoin='round'/></svg>"); }
.result-denied { background-image: url("data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 48 48'><circle cx='24' cy='24' r='24' fill='%236b7280'/><path d='M16 16l16 16M32 16L16 32' fill='none' stroke='%23fff' stroke-width='4' stroke-linecap='round'/></svg>"); }
.result-error { background-image: url("data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 48 48'><circle cx='24' cy='24' r='24' fill='%23c2410c'/><path d='M24 13v14' stroke='%23fff' stroke-width='4.5' stroke-linecap='round'/><circle cx='24' cy='34' r='2.8' fill='%23fff'/></svg>"); }

.profile { display: flex; align-items: center; gap: 16px; margin-bottom: 16px; min-width: 0; }
.avatar {
  flex: none;
  width: 56px;
  height: 56px;
  border-radius: 50%;
  display: flex;
  align-items: center;
  justify-content: center;
  font-size: 24px;
  font-weight: 700;
  background: var(--accent);
  color: var(--accent-text);
}
.profile-text { min-width: 0; }
.profile-name { margin: 0; font-size: 22px; }
.profile-text .mxid { margin: 2px 0 0; }
.inline-form { margin: 0; }

.sessions { list-style: none; margin: 16px 0 0; padding: 0; display: flex; flex-direction: column; }
.session {
  display: flex;
  flex-direction: column;
  gap: 10px;
  padding: 14px 0;
  border-top: 1px solid var(--border);
}
.session:last-child { padding-bottom: 0; }
.session-highlight { background: var(--accent-soft); margin: 0 -12px; padding: 14px 12px; border-radius: var(--radius-sm); border-top-color: transparent; }
.session-main { min-width: 0; flex: 1; }
.session-main p { margin: 0; }
.session-name { font-weight: 600; }
.session-meta { color: var(--muted); font-size: 14px; }
.session-box { border: 1px solid var(--border); border-radius: var(--radius-sm); padding: 12px 14px; margin-bottom: 16px; }
.badge {
  display: inline-block;
  font-size: 12px;
  font-weight: 600;
  padding: 1px 8px;
  border-radius: 999px;
  background: var(--ok-soft);
  color: var(--ok);
  vertical-align: 2px;
  margin-left: 4px;
}
@media (min-width: 600px) {
  .session { flex-direction: row; align-items: center; gap: 16px; }
  .session .inline-form { flex: none; }
}

details.card > summary {
  list-style: none;
  cursor: pointer;
  display: flex;
  align-items: center;
  justify-content: space-between;
  gap: 12px;
  min-height: 32px;
  border-radius: 6px;
}
details.card > summary::-webkit-details-marker { display: none; }
details.card > summary h2 { margin: 0; }
details.card > summary::after {
  content: "";
  flex: none;
  width: 20px;
  height: 20px;
  background: url("data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'><path d='M5 6l3 3 3-3' fill='none' stroke='%236b7280' stroke-width='1.8' stroke-linecap='round' stroke-linejoin='round'/></svg>") center / contain no-repeat;
  transition: transform 0.15s;
}
details.card[open] > summary::after { transform: rotate(180deg); }
details.card[open] > summary { margin-bottom: 16px; }
.card-danger > summary h2 { color: var(--danger); }

.visually-hidden {
  position: absolute !important;
  width: 1px;
  height: 1px;
  padding: 0;
  margin: -1px;
  overflow: hidden;
  clip: rect(0 0 0 0);
  white-space: nowrap;
  border: 0;
}

@media (prefers-reduced-motion: reduce) {
  * { transition: none !important; }
}
`;

/**
 * The stylesheet response. Cached for a day (not immutable: the URL has no version in it, and a
 * changed stylesheet should reach browsers soon after a deploy).
 */
export function styleResponse(): Response {
  return new Response(STYLESHEET, {
    headers: {
      "Content-Type": "text/css; charset=utf-8",
      "Cache-Control": "public, max-age=86400, stale-while-revalidate=604800",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
