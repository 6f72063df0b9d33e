/**
 * An authorization request (RFC 6749 §4.1.1; spec: "Authorisation code flow") checked in the
 * order RFC 6749 §4.1.2.1 prescribes. While the client and its redirect URI are unproven, an
 * error is told to the user on a page and never redirected (the URI could be an attacker's);
 * after that every error goes back to the client through its redirect URI with `state`.
 * Pure: the caller looks the client up and passes its metadata in.
 */
import type { ClientMetadata } from "./clientMetadata.js";
import { GRANT_AUTHORIZATION_CODE } from "./clientMetadata.js";
import { redirectUriMatches } from "./redirectUri.js";
import { isValidCodeChallenge } from "./pkce.js";
import { formatScope, parseScope, type ParsedScope } from "./scope.js";
import { toOAuthError } from "./errors.js";
import type { ResponseMode } from "./callback.js";

/** The parameters an authorization request may carry that Lattice reads. */
const AUTHORIZATION_PARAMS = [
  "client_id",
  "redirect_uri",
  "response_type",
  "response_mode",
  "scope",
  "state",
  "code_challenge",
  "code_challenge_method",
  "nonce",
  "prompt",
] as const;

export interface ValidAuthorizationRequest {
  clientId: string;
  client: ClientMetadata;
  /** As the client sent it: a loopback URI keeps the port it used (RFC 8252 §7.3). */
  redirectUri: string;
  responseMode: ResponseMode;
  scope: ParsedScope;
  state?: string;
  codeChallenge: string;
  nonce?: string;
  /** prompt=create (spec "User registration"): show the sign-up page first. */
  create: boolean;
  /** prompt=none (OpenID Connect Core §3.1.2.1): no page may be shown. */
  none: boolean;
  /** The request to carry through the pages and forms, without `prompt` (it is acted on once). */
  carried: Record<string, string>;
}

/** The request is answered with a page to the user, not a redirect: the client is unproven. */
export interface PageRefusal {
  kind: "page";
  title: string;
  message: string;
}

/** An error sent back to the client at its (proven) redirect URI. */
export interface RedirectRefusal {
  kind: "redirect";
  redirectUri: string;
  responseMode: ResponseMode;
  params: { error: string; error_description: string; state?: string };
}

export type AuthorizationCheck = { kind: "ok"; request: ValidAuthorizationRequest } | PageRefusal | RedirectRefusal;

/**
 * Checks `params` (the query of GET /oauth2/auth, or the consent form's hidden fields, which are
 * never trusted more than the query). `lookupClient` answers the registered metadata or null.
 */
export async function checkAuthorizationRequest(params: URLSearchParams, lookupClient: (clientId: string) => Promise<ClientMetadata | null>): Promise<AuthorizationCheck> {
  const page = (title: string, message: string): PageRefusal => ({ kind: "page", title, message });
  // RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than once."
  const twice = AUTHORIZATION_PARAMS.filter((name) => params.getAll(name).length > 1);
  if (twice.includes("client_id") || twice.includes("redirect_uri")) {
    return page("This sign-in link is not valid", "It names its app or its return address more than once.");
  }
  const get = (name: (typeof AUTHORIZATION_PARAMS)[number]): string | undefined => {
    const v = params.get(name);
    return v === null || v === "" ? undefined : v;
  };
  const clientId = get("client_id");
  const client = clientId === undefined ? null : await lookupClient(clientId);
  if (clientId === undefined || !client) return page("Unknown app", "The app that sent you here is not registered with this server.");
  const redirectUri = get("redirect_uri");
  // The spec requires redirect_uri ("MUST match one of the values registered"); RFC 6749's
  // leniency for a single registered URI is not taken, so the token request can always compare.
  if (redirectUri === undefined || !redirectUriMatches(client.redirect_uris, redirectUri)) {
    return page("This sign-in link is not valid", "The app asked to return to an address it did not register.");
  }

  const state = get("state");
  const modeParam = get("response_mode");
  // RFC 6749 / OAuth 2.0 Multiple Response Type Encoding Practices §2.1: the default mode of
  // response_type=code is "query". The spec asks clients with https redirect URIs to send
  // response_mode=fragment themselves (matrix-js-sdk and Element X do), so the default applies
  // only to clients that say nothing.
  const responseMode: ResponseMode = modeParam === "fragment" ? "fragment" : "query";
  const refuse = (error: string, description: string): RedirectRefusal => ({ kind: "redirect", redirectUri, responseMode, params: { error, error_description: description, state } });

  if (twice.length > 0) return refuse("invalid_request", `'${twice[0]}' is given more than once`);
  if (modeParam !== undefined && modeParam !== "query" && modeParam !== "fragment") return refuse("invalid_request", "response_mode must be query or fragment");
  const responseType = get("response_type");
  if (responseType === undefined) return refuse("invalid_request", "response_type is required");
  if (responseType !== "code") return refuse("unsupported_response_type", "Only response_type=code is supported");
  if (!client.grant_types.includes(GRANT_AUTHORIZATION_CODE)) return refuse("unauthorized_client", "The client did not register the authorization_code grant type");
  const codeChallenge = get("code_challenge");
  // Spec: PKCE with S256 is required; RFC 7636 §4.4.1 answers a missing challenge, and a
  // method the server does not support, with invalid_request.
  if (codeChallenge === undefined) return refuse("invalid_request", "code_challenge is required (PKCE, RFC 7636)");
  if (get("code_challenge_method") !== "S256") return refuse("invalid_request", "code_challenge_method must be S256");
  if (!isValidCodeChallenge(codeChallenge)) return refuse("invalid_request", "code_challenge must be the base64url SHA-256 of the verifier (43 characters)");
  let scope: ParsedScope;
  try {
    scope = parseScope(get("scope") ?? "");
  } catch (e) {
    const err = toOAuthError(e);
    if (!err) throw e;
    return refuse(err.error, err.description);
  }
  // OpenID Connect Core §3.1.2.1: space-separated values; "none" with any other is an error.
  // Values Lattice does not act on (login, consent, select_account) are ignored: the user is
  // always asked to consent, which is what they would ask for.
  const prompts = (get("prompt") ?? "").split(" ").filter((p) => p !== "");
  const none = prompts.includes("none");
  if (none && prompts.length > 1) return refuse("invalid_request", "prompt=none cannot be combined with other values");

  const carried: Record<string, string> = {};
  for (const name of AUTHORIZATION_PARAMS) {
    const v = get(name);
    if (v !== undefined && name !== "prompt") carried[name] = name === "scope" ? formatScope(scope) : v;
  }
  return {
    kind: "ok",
    request: { clientId, client, redirectUri, responseMode, scope, state, codeChallenge, nonce: get("nonce"), create: prompts.includes("create"), none, carried },
  };
}
