/**
 * OAuth scopes (spec: client-server "Scope"; MSC2967; RFC 6749 §3.3). A scope is a list of
 * space-separated tokens. Lattice understands:
 *  - `urn:matrix:client:api:*`: full Client-Server API access, the only access it grants;
 *  - `urn:matrix:client:device:<device_id>`: the device the tokens belong to, exactly one;
 *  - the same two in MSC2967's unstable spelling `urn:matrix:org.matrix.msc2967.client:…`,
 *    which matrix-js-sdk (Element Web) and Element X still send;
 *  - `openid`: OpenID Connect, so the token response carries an id_token (matrix-js-sdk
 *    requires one).
 * The granted scope is written back in the spelling the client used, token for token, since
 * clients compare it with what they asked for.
 */
import { OAuthError } from "./errors.js";

export const SCOPE_OPENID = "openid";
const STABLE_PREFIX = "urn:matrix:client:";
const UNSTABLE_PREFIX = "urn:matrix:org.matrix.msc2967.client:";
export const SCOPE_API = `${STABLE_PREFIX}api:*`;
export const SCOPE_API_MSC2967 = `${UNSTABLE_PREFIX}api:*`;
export const SCOPE_DEVICE_PREFIX = `${STABLE_PREFIX}device:`;
export const SCOPE_DEVICE_PREFIX_MSC2967 = `${UNSTABLE_PREFIX}device:`;

/** For the server metadata's scopes_supported (device tokens are a family, not one value). */
export const SUPPORTED_SCOPES: readonly string[] = [SCOPE_OPENID, SCOPE_API, SCOPE_API_MSC2967];

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
/**
 * Spec: device IDs SHOULD use RFC 3986's unreserved characters, and "The homeserver MAY reject a
 * request for a device_id that ... contains characters outside the unreserved list": Lattice
 * does, so a device ID is always safe in a URL path and in the scope string. The length bound
 * keeps it within what the legacy API's device IDs use.
 */
const DEVICE_ID = /^[A-Za-z0-9\-._~]{1,255}$/;

export interface ParsedScope {
  /** The recognised tokens as the client wrote them, each once, in the client's order. */
  tokens: string[];
  deviceId: string;
  openid: boolean;
}

const invalidScope = (description: string) => new OAuthError(400, "invalid_scope", description);

/**
 * Parses the scope of an authorization or device authorization request, or throws OAuthError
 * `invalid_scope`: an unknown token, no API access, no device token or more than one device.
 */
export function parseScope(scope: string): ParsedScope {
  const tokens: string[] = [];
  let deviceId: string | undefined;
  let api = false;
  let openid = false;
  // RFC 6749 separates tokens with single spaces; runs of spaces are forgiven.
  for (const token of scope.split(" ").filter((t) => t !== "")) {
    if (!SCOPE_TOKEN.test(token)) throw invalidScope("scope holds a character RFC 6749 does not allow");
    if (tokens.includes(token)) continue;
    if (token === SCOPE_OPENID) openid = true;
    else if (token === SCOPE_API || token === SCOPE_API_MSC2967) api = true;
    else {
      const id = deviceIdOf(token);
      // RFC 6749 §3.3 would let us ignore it; refusing keeps the granted scope equal to the requested one.
      if (id === undefined) throw invalidScope(`unknown scope token ${token}`);
      if (!DEVICE_ID.test(id)) throw invalidScope("a device ID must be 1 to 255 of A-Z a-z 0-9 - . _ ~");
      // Spec: "There MUST be exactly one urn:matrix:client:device:<device_id> token" (the same
      // device in both spellings is still one device).
      if (deviceId !== undefined && deviceId !== id) throw invalidScope("the scope names more than one device");
      deviceId = id;
    }
    tokens.push(token);
  }
  if (!api) throw invalidScope(`the scope must include ${SCOPE_API}: Lattice grants full API access only`);
  if (deviceId === undefined) throw invalidScope(`the scope must include one ${SCOPE_DEVICE_PREFIX}<device_id>`);
  return { tokens, deviceId, openid };
}

/** The device ID of a device scope token in either spelling, or undefined for any other token. */
function deviceIdOf(token: string): string | undefined {
  for (const prefix of [SCOPE_DEVICE_PREFIX, SCOPE_DEVICE_PREFIX_MSC2967]) {
    if (token.startsWith(prefix)) return token.slice(prefix.length);
  }
  return undefined;
}

/** The granted scope string: the recognised tokens in the client's own spelling and order. */
export function formatScope(scope: ParsedScope): string {
  return scope.tokens.join(" ");
}
