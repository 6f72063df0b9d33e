/**
 * The account management page (GET /account/, the account_management_uri). Apps deep-link to
 * it with `?action=…&device_id=…` (the spec's account management URL actions, v1.18, and their
 * MSC4191 unstable names); without JavaScript, "showing" an action means putting its card first,
 * marking it, and opening it (an opened form's first field has autofocus, which scrolls to it).
 */
import { html, type Html } from "./html.js";
import type { Page } from "./layout.js";
import { alertBox, brand, csrfField, noticeBox } from "./parts.js";
import { sessionDetails, sessionList, sessionTitle, signOutForm, type SessionInfo } from "./sessions.js";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../../client/passwordRules.js";
import { OAUTH_ACTION_APPROVAL_MS } from "../../../platform/tokens.js";

/** The approval's lifetime as the page says it ("10 minutes"), from the one constant that sets it. */
export function approvalMinutes(): string {
  const minutes = Math.round(OAUTH_ACTION_APPROVAL_MS / 60_000);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

export type AccountAction = "profile" | "devices_list" | "device_view" | "device_delete" | "account_deactivate" | "cross_signing_reset";

const ACTIONS: Record<string, AccountAction> = {
  "org.matrix.profile": "profile",
  "org.matrix.devices_list": "devices_list",
  "org.matrix.device_view": "device_view",
  "org.matrix.device_delete": "device_delete",
  "org.matrix.account_deactivate": "account_deactivate",
  "org.matrix.cross_signing_reset": "cross_signing_reset",
  // MSC4191's names before the spec renamed sessions to devices; Element still sends them.
  "org.matrix.sessions_list": "devices_list",
  "org.matrix.session_view": "device_view",
  "org.matrix.session_end": "device_delete",
};

/** The action a deep link asks for, or null for an unknown or absent one (the plain page). */
export function accountAction(action: string | null | undefined): AccountAction | null {
  return action && Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : null;
}

/** Which form an error belongs next to (the form that was just posted). */
export type AccountSection = "sessions" | "password" | "deactivate" | "cross_signing_reset";

export interface AccountPageInput {
  serverName: string;
  userId: string;
  displayName?: string | null;
  csrf: string;
  sessions: readonly SessionInfo[];
  /** The raw `action` query parameter. */
  action?: string | null;
  deviceId?: string | null;
  notice?: string;
  error?: string;
  errorSection?: AccountSection;
}

export function accountPage(input: AccountPageInput): Page {
  const { serverName, userId, csrf } = input;
  const action = accountAction(input.action);
  // With device_view and device_delete the device ID names the session to act on; with the
  // other actions it is the device of the app that sent the user here (spec: "the user's
  // device ID"), which the list marks as "This device".
  const targetsDevice = action === "device_view" || action === "device_delete";
  const sessions = targetsDevice || !input.deviceId ? input.sessions : input.sessions.map((s) => (s.deviceId === input.deviceId ? { ...s, current: true } : s));
  const target = input.deviceId ? sessions.find((s) => s.deviceId === input.deviceId) : undefined;
  const errorAt = (section: AccountSection | undefined) => (input.errorSection === section ? alertBox(input.error) : html``);
  const name = input.displayName || userId;

  const top: Html[] = [];
  if (action === "cross_signing_reset") top.push(crossSigningResetCard(csrf, errorAt("cross_signing_reset")));
  if (action === "device_delete" && input.deviceId) top.push(deviceDeleteCard(csrf, target, input.deviceId));
  if (action === "device_view" && input.deviceId) top.push(deviceViewCard(csrf, target, input.deviceId));

  const body = html`<section class="${action === "profile" ? "card card-highlight" : "card"}" id="profile">
${brand(serverName)}
<div class="profile">
<span class="avatar" aria-hidden="true">${(name.replace(/^@/, "")[0] ?? "?").toUpperCase()}</span>
<div class="profile-text">
<h1 class="profile-name">${name}</h1>
${input.displayName ? html`<p class="mxid">${userId}</p>` : ""}
</div>
</div>
${noticeBox(input.notice)}
${input.errorSection ? "" : alertBox(input.error)}
<form method="post" action="/account/logout" class="inline-form">
${csrfField(csrf)}
<button type="submit" class="button button-secondary button-small">Sign out of this browser</button>
</form>
</section>
${top}
<section class="${action === "devices_list" ? "card card-highlight" : "card"}" id="sessions">
<h2>Sessions</h2>
<p class="note">Apps and devices signed in to your account. Sign out any you do not recognise.</p>
${errorAt("sessions")}
${sessionList(csrf, sessions, action === "device_view" || action === "device_delete" ? input.deviceId ?? undefined : undefined)}
</section>
${passwordCard(csrf, input.errorSection === "password", errorAt("password"))}
${deactivateCard(csrf, action === "account_deactivate" || input.errorSection === "deactivate", errorAt("deactivate"))}`;
  return { title: `Your account on ${serverName}`, body, wide: true };
}

function crossSigningResetCard(csrf: string, error: Html): Html {
  return html`<section class="card card-highlight card-warn" id="cross-signing-reset">
<h2>Reset your cryptographic identity?</h2>
<p>An app asked to reset the keys that prove your devices are yours. Do this only if you started it, for example because you lost your recovery key and all your other devices.</p>
<p>Your existing sessions and contacts will have to verify you again. Messages you cannot decrypt now stay undecryptable.</p>
${error}
<form method="post" action="/account/cross-signing-reset" class="form">
${csrfField(csrf)}
<button type="submit" class="button button-primary">Allow resetting your cryptographic identity for ${approvalMinutes()}</button>
</form>
<p class="note">After allowing it, go back to the app and continue the reset there.</p>
</section>`;
}

function deviceDeleteCard(csrf: string, target: SessionInfo | undefined, deviceId: string): Html {
  if (!target) return unknownDeviceCard(deviceId);
  return html`<section class="card card-highlight" id="device-delete">
<h2>Sign out this session?</h2>
<div class="session-main session-box">${sessionDetails(target)}</div>
<p>The app on that device will be signed out and will need you to sign in again.</p>
<div class="actions">
${signOutForm(csrf, target, `Sign out ${sessionTitle(target)}`, "button-block")}
<a class="button button-secondary" href="/account/">Cancel</a>
</div>
</section>`;
}

function deviceViewCard(csrf: string, target: SessionInfo | undefined, deviceId: string): Html {
  if (!target) return unknownDeviceCard(deviceId);
  return html`<section class="card card-highlight" id="device-view">
<h2>Session</h2>
<div class="session-main session-box">${sessionDetails(target)}</div>
${signOutForm(csrf, target, "Sign out this session", "button-block")}
</section>`;
}

function unknownDeviceCard(deviceId: string): Html {
  return html`<section class="card card-highlight">
<h2>Session not found</h2>
<p>There is no session <span class="mono">${deviceId}</span> on this account: it may already be signed out.</p>
</section>`;
}

function passwordCard(csrf: string, open: boolean, error: Html): Html {
  return html`<details class="card" id="password"${open ? html` open` : ""}>
<summary><h2>Change password</h2></summary>
${error}
<form method="post" action="/account/password" class="form">
${csrfField(csrf)}
<div class="field">
<label for="current_password">Current password</label>
<input id="current_password" name="current_password" type="password" autocomplete="current-password" required${open ? html` autofocus` : ""}>
</div>
<div class="field">
<label for="new_password">New password</label>
<input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" maxlength="${MAX_PASSWORD_LENGTH}" required>
</div>
<div class="field">
<label for="new_password_confirm">Confirm new password</label>
<input id="new_password_confirm" name="new_password_confirm" type="password" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" maxlength="${MAX_PASSWORD_LENGTH}" required>
</div>
<div class="field field-check">
<input id="logout_devices" name="logout_devices" type="checkbox" value="true" checked>
<label for="logout_devices">Sign out all other sessions</label>
</div>
<button type="submit" class="button button-primary">Change password</button>
</form>
</details>`;
}

function deactivateCard(csrf: string, open: boolean, error: Html): Html {
  return html`<details class="${open ? "card card-danger card-highlight" : "card card-danger"}" id="deactivate"${open ? html` open` : ""}>
<summary><h2>Deactivate account</h2></summary>
<p>Deactivating signs out every session and closes the account for good: its username can never be used again. This cannot be undone.</p>
${error}
<form method="post" action="/account/deactivate" class="form">
${csrfField(csrf)}
<div class="field">
<label for="deactivate_password">Password</label>
<input id="deactivate_password" name="password" type="password" autocomplete="current-password" required${open ? html` autofocus` : ""}>
</div>
<div class="field field-check">
<input id="deactivate_confirm" name="confirm" type="checkbox" value="yes" required>
<label for="deactivate_confirm">I understand that my account will be deactivated for ever</label>
</div>
<button type="submit" class="button button-danger">Deactivate account</button>
</form>
</details>`;
}
