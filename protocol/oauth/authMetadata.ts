/**
 * The OAuth 2.0 authorization server metadata (RFC 8414; spec: GET /_matrix/client/v1/auth_metadata,
 * oauth_server_metadata.yaml; MSC2965, MSC4191, MSC4341), with the OpenID Connect Discovery
 * fields matrix-js-sdk's id_token handling relies on (jwks_uri, id_token signing algorithms,
 * subject types, userinfo). Every URL hangs off the issuer, which ends with "/".
 */
import { SUPPORTED_GRANT_TYPES, SUPPORTED_RESPONSE_TYPES } from "./clientMetadata.js";
import { SUPPORTED_SCOPES } from "./scope.js";

/** Spec: the Matrix-specific account management actions (all served by Lattice's account page). */
export const ACCOUNT_MANAGEMENT_ACTIONS = [
  "org.matrix.profile",
  "org.matrix.devices_list",
  "org.matrix.device_view",
  "org.matrix.device_delete",
  "org.matrix.account_deactivate",
  "org.matrix.cross_signing_reset",
] as const;

/** The endpoints' and pages' paths under the issuer (the routes in worker/oauth/ are these). */
export const OAUTH_PATHS = {
  authorization: "oauth2/auth",
  token: "oauth2/token",
  registration: "oauth2/registration",
  revocation: "oauth2/revoke",
  deviceAuthorization: "oauth2/device",
  jwks: "oauth2/keys.json",
  userinfo: "oauth2/userinfo",
  accountManagement: "account/",
  /** RFC 8628 verification_uri: where a person enters a device's user code. */
  deviceVerification: "link",
} as const;

export interface AuthMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  registration_endpoint: string;
  revocation_endpoint: string;
  device_authorization_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint: string;
  account_management_uri: string;
  account_management_actions_supported: string[];
  response_types_supported: string[];
  response_modes_supported: string[];
  grant_types_supported: string[];
  code_challenge_methods_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  revocation_endpoint_auth_methods_supported: string[];
  prompt_values_supported: string[];
  scopes_supported: string[];
  subject_types_supported: string[];
  id_token_signing_alg_values_supported: string[];
}

/** The metadata document of the authorization server whose issuer is `issuer` (ending with "/"). */
export function authMetadata(issuer: string): AuthMetadata {
  const at = (path: string) => `${issuer}${path}`;
  return {
    issuer,
    authorization_endpoint: at(OAUTH_PATHS.authorization),
    token_endpoint: at(OAUTH_PATHS.token),
    registration_endpoint: at(OAUTH_PATHS.registration),
    revocation_endpoint: at(OAUTH_PATHS.revocation),
    device_authorization_endpoint: at(OAUTH_PATHS.deviceAuthorization),
    jwks_uri: at(OAUTH_PATHS.jwks),
    userinfo_endpoint: at(OAUTH_PATHS.userinfo),
    account_management_uri: at(OAUTH_PATHS.accountManagement),
    account_management_actions_supported: [...ACCOUNT_MANAGEMENT_ACTIONS],
    response_types_supported: [...SUPPORTED_RESPONSE_TYPES],
    // Spec: "MUST contain at least the query and fragment values".
    response_modes_supported: ["query", "fragment"],
    grant_types_supported: [...SUPPORTED_GRANT_TYPES],
    // Spec: PKCE with S256; RFC 9700 §2.1.1 advises against "plain", so it is not offered.
    code_challenge_methods_supported: ["S256"],
    // Public clients only: nobody holds a client secret.
    token_endpoint_auth_methods_supported: ["none"],
    revocation_endpoint_auth_methods_supported: ["none"],
    // Spec "User registration": prompt=create opens the sign-up page.
    prompt_values_supported: ["create"],
    scopes_supported: [...SUPPORTED_SCOPES],
    // OpenID Connect Discovery §3 requires these two; sub is the Matrix user ID for every client.
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
  };
}
