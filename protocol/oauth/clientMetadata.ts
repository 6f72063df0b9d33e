/**
 * OAuth client metadata (spec: client-server "Client metadata", schema OAuthClientMetadata;
 * RFC 7591 §2; MSC2966): what a dynamic client registration may carry, checked and reduced to
 * what Lattice registers. The registration endpoint answers with exactly this reduced form, so
 * a client learns what was kept (RFC 7591 §3.2.1: the server may drop or replace values).
 */
import { canonicalJson } from "../canonicalJson.js";
import { encodeBase64Url } from "../base64.js";
import { isJsonObject, type JsonObject } from "../json.js";
import { sha256 } from "../sha256.js";
import { OAuthError } from "./errors.js";
import { httpsUriUnderClientProblem, redirectUriProblem, type ApplicationType } from "./redirectUri.js";

/** The grant types Lattice's token endpoint serves; the spec says to ignore any others. */
export const GRANT_AUTHORIZATION_CODE = "authorization_code";
export const GRANT_REFRESH_TOKEN = "refresh_token";
export const GRANT_DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code";
export const SUPPORTED_GRANT_TYPES: readonly string[] = [GRANT_AUTHORIZATION_CODE, GRANT_REFRESH_TOKEN, GRANT_DEVICE_CODE];
export const SUPPORTED_RESPONSE_TYPES: readonly string[] = ["code"];

/** The human-readable values the spec lets a client localise ("client_name#fr"). */
const LOCALIZABLE = ["client_name", "logo_uri", "tos_uri", "policy_uri"] as const;
type Localizable = (typeof LOCALIZABLE)[number];
/** A BCP 47 language tag, loosely: letters, digits and hyphens (RFC 5646 §2.1 subtags). */
const LOCALIZED_KEY = /^(client_name|logo_uri|tos_uri|policy_uri)#([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$/;

/** Registered client metadata. Field names are RFC 7591's and OpenID Connect Registration's. */
export interface ClientMetadata {
  client_uri: string;
  client_name?: string;
  logo_uri?: string;
  tos_uri?: string;
  policy_uri?: string;
  /** Localised forms: "client_name#fr", "tos_uri#en-GB", … */
  [localized: `${Localizable}#${string}`]: string;
  redirect_uris: string[];
  response_types: string[];
  grant_types: string[];
  /** Matrix clients are public clients (spec: the server MUST support "none"); Lattice issues no secrets. */
  token_endpoint_auth_method: "none";
  application_type: ApplicationType;
  /** RFC 7591 §2: people responsible for the client (Element X sends it). */
  contacts?: string[];
  /** OpenID Connect Registration §2: matrix-js-sdk asks for RS256 id_tokens. */
  id_token_signed_response_alg?: "RS256";
}

const metadataError = (description: string) => new OAuthError(400, "invalid_client_metadata", description);
const redirectError = (description: string) => new OAuthError(400, "invalid_redirect_uri", description);

function optionalString(body: JsonObject, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw metadataError(`${key} must be a string`);
  return v;
}

function optionalStringArray(body: JsonObject, key: string, error = metadataError): string[] | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === "string")) throw error(`${key} must be an array of strings`);
  return v;
}

function clientUriOf(body: JsonObject): URL {
  const raw = optionalString(body, "client_uri");
  // Spec: "The server MAY reject client registrations if this field is invalid or missing";
  // Lattice does, since every other URI's host is checked against it.
  if (raw === undefined) throw metadataError("client_uri is required");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw metadataError("client_uri is not a URI");
  }
  // The rules of the other client URIs (https, no user or password, even an empty one), which
  // are then on its own host by definition.
  const problem = httpsUriUnderClientProblem(raw, url);
  if (problem) throw metadataError(`client_uri ${problem}`);
  return url;
}

/**
 * Checks a registration body and returns the metadata Lattice registers, or throws an
 * OAuthError `invalid_client_metadata` / `invalid_redirect_uri` (RFC 7591 §3.2.2, status 400).
 *
 * Kept: the fields above (and the localised names and URIs). Dropped without complaint: unknown
 * fields, and grant and response types Lattice does not serve (spec: "The server MUST ignore
 * values that it does not understand"). Defaults as RFC 7591 §2 gives them, except
 * token_endpoint_auth_method, whose default (client_secret_basic) Lattice cannot serve: an
 * omitted one is registered as "none", which is what every Matrix client uses.
 *
 * Validating registered metadata again returns it unchanged, so a stored registration can be
 * checked on its way in anywhere.
 */
export function validateClientMetadata(body: JsonObject): ClientMetadata {
  const clientUri = clientUriOf(body);

  const applicationType = optionalString(body, "application_type") ?? "web";
  if (applicationType !== "web" && applicationType !== "native") throw metadataError("application_type must be web or native");

  const authMethod = optionalString(body, "token_endpoint_auth_method") ?? "none";
  if (authMethod !== "none") throw metadataError("token_endpoint_auth_method must be none: Lattice registers public clients only");

  const grantTypes = (optionalStringArray(body, "grant_types") ?? [GRANT_AUTHORIZATION_CODE]).filter((g) => SUPPORTED_GRANT_TYPES.includes(g));
  if (grantTypes.length === 0) throw metadataError(`grant_types has none of the supported ${SUPPORTED_GRANT_TYPES.join(", ")}`);
  const responseTypes = (optionalStringArray(body, "response_types") ?? ["code"]).filter((r) => SUPPORTED_RESPONSE_TYPES.includes(r));
  const authorizationCode = grantTypes.includes(GRANT_AUTHORIZATION_CODE);
  // Spec: response_types "MUST include the `code` value to use the authorisation code grant".
  if (authorizationCode && !responseTypes.includes("code")) throw metadataError("response_types must include code for the authorization_code grant");

  const redirectUris = optionalStringArray(body, "redirect_uris", redirectError) ?? [];
  // Spec: "At least one URI is required to use the authorisation code grant."
  if (authorizationCode && redirectUris.length === 0) throw redirectError("redirect_uris must hold at least one URI for the authorization_code grant");
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri, clientUri, applicationType);
    if (problem) throw redirectError(`redirect URI ${uri} ${problem}`);
  }

  const idTokenAlg = optionalString(body, "id_token_signed_response_alg");
  // OpenID Connect Registration §2: Lattice signs id_tokens with RS256 only.
  if (idTokenAlg !== undefined && idTokenAlg !== "RS256") throw metadataError("id_token_signed_response_alg must be RS256");
  const contacts = optionalStringArray(body, "contacts");

  const out: ClientMetadata = {
    // As the client wrote it: the parser's normal form ("https://example.com/") could differ.
    client_uri: String(body.client_uri),
    redirect_uris: [...new Set(redirectUris)],
    response_types: [...new Set(responseTypes)],
    grant_types: [...new Set(grantTypes)],
    token_endpoint_auth_method: "none",
    application_type: applicationType,
  };
  for (const key of LOCALIZABLE) {
    const v = optionalString(body, key);
    if (v !== undefined) out[key] = checkHumanReadable(key, key, v, clientUri);
  }
  for (const [key, v] of Object.entries(body)) {
    const m = LOCALIZED_KEY.exec(key);
    if (!m) continue;
    if (typeof v !== "string") throw metadataError(`${key} must be a string`);
    out[key as `${Localizable}#${string}`] = checkHumanReadable(m[1] as Localizable, key, v, clientUri);
  }
  if (contacts !== undefined) out.contacts = contacts;
  if (idTokenAlg !== undefined) out.id_token_signed_response_alg = "RS256";
  return out;
}

/** Spec: logo_uri, tos_uri and policy_uri are https on the client_uri's host (or a subdomain). */
function checkHumanReadable(field: Localizable, key: string, value: string, clientUri: URL): string {
  if (field === "client_name") return value;
  const problem = httpsUriUnderClientProblem(value, clientUri);
  if (problem) throw metadataError(`${key} ${problem}`);
  return value;
}

/** Reads back metadata registered earlier (a stored JSON object), without checking it again. */
export function isClientMetadata(value: unknown): value is ClientMetadata {
  return isJsonObject(value) && typeof value.client_uri === "string" && Array.isArray(value.redirect_uris) && Array.isArray(value.grant_types);
}

/**
 * The client_id of registered metadata: unpadded base64url of the SHA-256 of its canonical JSON.
 * Identical registrations (every Element X install sends the same) share one ID, the spec's
 * suggested de-duplication, and no table lookup is needed to find it.
 */
export async function clientIdOf(metadata: ClientMetadata): Promise<string> {
  return encodeBase64Url(await sha256(canonicalJson(metadata)));
}

/** The client's name for the consent page: in the preferred language when registered, else the plain one. */
export function localizedClientName(metadata: ClientMetadata, languages: readonly string[] = []): string | undefined {
  for (const lang of languages) {
    const v = metadata[`client_name#${lang}`];
    if (v !== undefined) return v;
  }
  return metadata.client_name;
}
